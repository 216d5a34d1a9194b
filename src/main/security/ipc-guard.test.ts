import { describe, expect, it } from 'vitest';
import { isTrustedSender, type IpcEventLike } from './ipc-guard';

const ours = { id: 1 };
const policy = { allowedOrigins: ['app://bundle'], isOwnWebContents: (s: unknown) => s === ours };

function event(url: string, options: { parent?: unknown; sender?: unknown; noFrame?: boolean } = {}): IpcEventLike {
  return {
    senderFrame: options.noFrame ? null : { url, parent: options.parent ?? null },
    sender: options.sender ?? ours,
  };
}

describe('isTrustedSender', () => {
  it('accepts the top frame of our window on app://bundle', () => {
    expect(isTrustedSender(event('app://bundle/index.html'), policy)).toBe(true);
    expect(isTrustedSender(event('app://bundle/index.html#/train'), policy)).toBe(true);
  });

  it('refuses a sub-frame, even on our origin', () => {
    expect(isTrustedSender(event('app://bundle/index.html', { parent: { url: 'app://bundle/' } }), policy)).toBe(false);
  });

  it('refuses foreign and look-alike origins', () => {
    for (const url of ['https://example.com/', 'app://bundle.evil/index.html', 'app://evil/bundle', 'file:///app/index.html', 'http://bundle/', 'media://bundle/x', 'not a url', '']) {
      expect(isTrustedSender(event(url), policy), url).toBe(false);
    }
  });

  it("refuses a webContents that is not one of our windows'", () => {
    expect(isTrustedSender(event('app://bundle/index.html', { sender: { id: 2 } }), policy)).toBe(false);
  });

  it('refuses an event whose frame is gone', () => {
    expect(isTrustedSender(event('app://bundle/', { noFrame: true }), policy)).toBe(false);
  });

  it('accepts the dev server only when it is allowed, compared by origin not prefix', () => {
    const dev = { ...policy, allowedOrigins: ['app://bundle', 'http://localhost:5173'] };
    expect(isTrustedSender(event('http://localhost:5173/'), dev)).toBe(true);
    expect(isTrustedSender(event('http://localhost:5173.evil.com/'), dev)).toBe(false);
    expect(isTrustedSender(event('http://localhost:5174/'), dev)).toBe(false);
    expect(isTrustedSender(event('http://localhost:5173/'), policy)).toBe(false);
  });
});
