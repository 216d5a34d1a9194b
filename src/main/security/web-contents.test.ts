import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { setupWebContentsHardening, type AppLike, type WebContentsLike } from './web-contents';

const origins = ['app://bundle'];

/** A webContents stand-in: real event emission, and the window-open handler kept for calling. */
class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
}

function fakeApp(): { app: AppLike; create: () => FakeContents } {
  const emitter = new EventEmitter();
  return {
    app: emitter as unknown as AppLike,
    create: () => {
      const contents = new FakeContents();
      emitter.emit('web-contents-created', {}, contents as unknown as WebContentsLike);
      return contents;
    },
  };
}

const navigation = (url?: string) => ({ url: url ?? '', preventDefault: vi.fn() });

describe('every webContents is hardened when it is created', () => {
  it('will-frame-navigate is guarded on a webContents that is not the main window', () => {
    const { app, create } = fakeApp();
    setupWebContentsHardening(app, origins, vi.fn());
    const other = create();
    const outside = navigation('https://attacker.example/');
    other.emit('will-frame-navigate', outside);
    expect(outside.preventDefault).toHaveBeenCalledOnce();
    const inside = navigation('app://bundle/index.html#/train');
    other.emit('will-frame-navigate', inside);
    expect(inside.preventDefault).not.toHaveBeenCalled();
  });

  it('guards each of several webContents, not only the first', () => {
    const { app, create } = fakeApp();
    setupWebContentsHardening(app, origins, vi.fn());
    const all = [create(), create(), create()];
    for (const contents of all) {
      const frame = navigation('file:///etc/passwd');
      contents.emit('will-frame-navigate', frame);
      expect(frame.preventDefault).toHaveBeenCalledOnce();
      const top = navigation();
      contents.emit('will-navigate', top, 'app://bundle.evil/');
      expect(top.preventDefault).toHaveBeenCalledOnce();
    }
  });

  it('refuses <webview> and never opens a new window; allow-listed links go to the system browser', () => {
    const { app, create } = fakeApp();
    const openExternal = vi.fn();
    setupWebContentsHardening(app, origins, openExternal);
    const contents = create();
    const attach = navigation();
    contents.emit('will-attach-webview', attach);
    expect(attach.preventDefault).toHaveBeenCalledOnce();
    expect(contents.openHandler?.({ url: 'https://github.com/x/y' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://github.com/x/y']]);
  });

  it('a dev-server origin, when allowed, is reachable too', () => {
    const { app, create } = fakeApp();
    setupWebContentsHardening(app, [...origins, 'http://localhost:5173'], vi.fn());
    const event = navigation('http://localhost:5173/#/models');
    create().emit('will-frame-navigate', event);
    expect(event.preventDefault).not.toHaveBeenCalled();
  });
});
