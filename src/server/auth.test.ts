import { describe, expect, it } from 'vitest';
import { authorize, cookieName, isAllowedOrigin, readCookie } from './auth';

const policy = { token: 'secret-token', port: 4567 };
const host = '127.0.0.1:4567';

function req(url: string, headers: Record<string, string> = {}): { url: string; headers: Record<string, string> } {
  return { url, headers: { host, ...headers } };
}

describe('web server auth', () => {
  it('401 without a token or with a wrong one', () => {
    expect(authorize(req('/'), policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 401 });
    expect(authorize(req('/?token=nope'), policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 401 });
    expect(authorize(req('/', { cookie: `${cookieName(4567)}=nope` }), policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 401 });
    // A cookie for another port's server does not count.
    expect(authorize(req('/', { cookie: `${cookieName(1111)}=secret-token` }), policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 401 });
  });

  it('accepts the token from the query, the cookie or a bearer header', () => {
    expect(authorize(req('/?token=secret-token'), policy, { requireOrigin: false })).toEqual({ ok: true, via: 'query' });
    expect(authorize(req('/x', { cookie: `a=b; ${cookieName(4567)}=secret-token` }), policy, { requireOrigin: false })).toEqual({ ok: true, via: 'cookie' });
    expect(authorize(req('/x', { authorization: 'Bearer secret-token' }), policy, { requireOrigin: false })).toEqual({ ok: true, via: 'bearer' });
  });

  it('403 for a foreign Host (DNS rebinding) even with the token', () => {
    expect(authorize({ url: '/?token=secret-token', headers: { host: 'evil.example:4567' } }, policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 403 });
    expect(authorize({ url: '/?token=secret-token', headers: {} }, policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 403 });
  });

  it('403 for a foreign Origin, and for a missing one where it is required', () => {
    expect(authorize(req('/?token=secret-token', { origin: 'http://evil.example' }), policy, { requireOrigin: false })).toMatchObject({ ok: false, status: 403 });
    expect(authorize(req('/ws?token=secret-token'), policy, { requireOrigin: true })).toMatchObject({ ok: false, status: 403 });
    expect(authorize(req('/ws?token=secret-token', { origin: 'http://127.0.0.1:4567' }), policy, { requireOrigin: true })).toEqual({ ok: true, via: 'query' });
    expect(authorize(req('/ws?token=secret-token', { origin: 'http://localhost:4567' }), policy, { requireOrigin: true })).toEqual({ ok: true, via: 'query' });
  });

  it('compares origins exactly', () => {
    for (const origin of ['http://127.0.0.1:4568', 'https://127.0.0.1:4567', 'http://127.0.0.1:4567.evil.com', 'http://127.0.0.1:4567/', 'null', 'file://']) {
      expect(isAllowedOrigin(origin, 4567), origin).toBe(false);
    }
  });

  it('reads cookies by exact name', () => {
    expect(readCookie('x_ds_token_1=a; ds_token_1=b', 'ds_token_1')).toBe('b');
    expect(readCookie(undefined, 'ds_token_1')).toBeUndefined();
  });
});
