import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineMessage, EngineRequest } from '../shared/engine-protocol';
import type { EngineProcess } from '../ml/service/engine-client';
import { startWebServer, type WebServer } from './web-server';

/**
 * The web server end to end over real HTTP and WebSocket, with a scripted engine in place of
 * the tfjs process: auth, static files, the contract over the socket, media by id, uploads.
 */
let dir: string;
let root: string;
let server: WebServer;
let cookie: string;

function fakeEngine(): EngineProcess {
  let listener: (m: EngineMessage) => void = () => undefined;
  const reply = (req: EngineRequest, value: unknown): void => queueMicrotask(() => listener({ type: 'reply', id: req.id, result: { ok: true, value } }));
  queueMicrotask(() => listener({ type: 'ready', pid: 1 }));
  return {
    post: (req) => {
      const params = req.params as { path?: string };
      switch (req.method) {
        case 'scan':
          return reply(req, { root: params.path, images: [{ path: join(params.path ?? '', 'a.png'), name: 'a.png', width: 8, height: 8, channels: 3, bytes: 10 }], skipped: [], subfoldersNotScanned: 0 });
        case 'thumbnail':
          return reply(req, { bytes: new Uint8Array([0xff, 0xd8, 0xff]), mime: 'image/jpeg', width: 8, height: 8 });
        default:
          return queueMicrotask(() => listener({ type: 'reply', id: req.id, result: { ok: false, error: { code: 'E_INTERNAL', message: 'not in this fake' } } }));
      }
    },
    onMessage: (l) => {
      listener = l;
    },
    onExit: () => undefined,
    kill: () => undefined,
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function socket(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, channel: string, request: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: never };
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.result as never);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, request }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-web-'));
  root = join(dir, 'root');
  const renderer = join(dir, 'renderer');
  mkdirSync(join(root, 'photos'), { recursive: true });
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  server = await startWebServer({ port: 0, root, dataHome: join(dir, 'home'), rendererDir: renderer, version: 'test', spawnEngine: fakeEngine });
  cookie = `ds_token_${server.port}=${server.token}`;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const host = (): Record<string, string> => ({ host: `127.0.0.1:${server.port}` });
const origin = (): string => `http://127.0.0.1:${server.port}`;

describe('web server', () => {
  it('binds to 127.0.0.1 and prints a URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses requests without the token (401) and trades the token for a cookie', async () => {
    expect((await http('/')).status).toBe(401);
    expect((await http('/index.html')).status).toBe(401);
    const first = await http(`/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers['location']).toBe('/');
    expect(String(first.headers['set-cookie'])).toContain('HttpOnly; SameSite=Strict');
    const page = await http('/', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe');
  });

  it('never serves files outside the built renderer', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/../../secret.txt']) {
      const res = await http(path, { headers: { cookie } });
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('secret');
    }
  });

  it('refuses a WebSocket without the token (401) or from a foreign origin (403)', async () => {
    await expect(socket({ origin: origin() })).rejects.toThrow('status 401');
    await expect(socket({ cookie, origin: 'http://evil.example' })).rejects.toThrow('status 403');
    await expect(socket({ cookie })).rejects.toThrow('status 403');
  });

  it('speaks the contract over the socket: validation, root checks, media by id', async () => {
    const ws = await socket({ cookie, origin: origin(), ...host() });
    try {
      const listing = await call(ws, 1, 'fs:list', { path: null });
      expect(listing).toMatchObject({ ok: true, value: { parent: null, entries: [{ name: 'photos', kind: 'dir' }] } });
      expect(await call(ws, 2, 'fs:list', { path: '/etc' })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
      expect(await call(ws, 3, 'fs:list', { path: `${root}/../` })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
      expect(await call(ws, 4, 'datasets:scan', { path: 42 })).toMatchObject({ ok: false, error: { code: 'E_INVALID_ARGUMENT' } });
      expect(await call(ws, 5, 'no:such', null)).toMatchObject({ ok: false, error: { code: 'E_INVALID_ARGUMENT' } });
      const scan = (await call(ws, 6, 'datasets:scan', { path: join(root, 'photos'), recursive: true })) as { ok: true; value: { images: { thumb: string }[] } };
      const thumb = scan.value.images[0]?.thumb ?? '';
      expect(thumb).toMatch(/^\/media\/thumb\/[0-9a-f]{32}$/);
      expect((await http(thumb)).status).toBe(401);
      const image = await http(thumb, { headers: { cookie } });
      expect(image.status).toBe(200);
      expect(image.headers['content-type']).toBe('image/jpeg');
      expect((await http(`/media/thumb/${'a'.repeat(32)}`, { headers: { cookie } })).status).toBe(404);
      expect((await http('/media/thumb/../../secret.txt', { headers: { cookie } })).status).toBe(404);
    } finally {
      ws.close();
    }
  });

  it('closes a socket that sends a malformed message', async () => {
    const ws = await socket({ cookie, origin: origin() });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"not":"a request"}');
    expect(await closed).toBe(1008);
  });

  it('accepts uploads of images only, into the data folder, and only from our origin', async () => {
    const batch = 'b'.repeat(32);
    const post = (path: string, headers: Record<string, string> = { origin: origin() }): Promise<Reply> =>
      http(`/upload?batch=${batch}&path=${encodeURIComponent(path)}`, { method: 'POST', headers: { cookie, 'content-length': '3', ...headers }, body: 'abc' });
    expect((await post('set/a.png', {})).status).toBe(403);
    expect((await post('../../evil.png')).status).toBe(415);
    expect((await post('set/.hidden.png')).status).toBe(415);
    expect((await post('set/notes.txt')).status).toBe(415);
    const ok = await post('set/a.png');
    expect(ok.status).toBe(200);
    const { dir: uploaded } = JSON.parse(ok.body) as { dir: string };
    expect(uploaded).toBe(join(dir, 'home', 'uploads', batch));
    expect(readFileSync(join(uploaded, 'set', 'a.png'), 'utf8')).toBe('abc');
    expect(existsSync(join(dir, 'evil.png'))).toBe(false);
  });
});
