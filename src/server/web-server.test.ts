import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineMessage, EngineRequest } from '../shared/engine-protocol';
import type { EngineProcess } from '../host/engine-client';
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
  mkdirSync(join(renderer, 'assets'));
  writeFileSync(join(renderer, 'assets', 'app.js'), 'export {};');
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

  it('answers a folder of the bundle with 404, not a 500', async () => {
    const res = await http('/assets', { headers: { cookie } });
    expect(res.status).toBe(404);
    expect((await http('/assets/', { headers: { cookie } })).status).toBe(404);
    expect((await http('/assets/app.js', { headers: { cookie } })).status).toBe(200);
  });

  it('refuses an upload whose path runs through an uploaded file or onto a folder (409), naming no server path', async () => {
    const batch = 'c'.repeat(32);
    const post = (path: string): Promise<Reply> =>
      http(`/upload?batch=${batch}&path=${encodeURIComponent(path)}`, { method: 'POST', headers: { cookie, origin: origin(), 'content-length': '3' }, body: 'abc' });
    expect((await post('set/a.png')).status).toBe(200);
    expect((await post('set/b.png/c.png')).status).toBe(200);
    for (const path of ['set/a.png/b.png', 'set/a.png/deeper/c.png', 'set/b.png']) {
      const res = await post(path);
      expect(res.status, path).toBe(409);
      expect(res.body, path).not.toContain(dir);
      expect(res.body, path).not.toMatch(/(^|\s)\//);
      expect(res.body, path).toContain(path.split('/').slice(0, 2).join('/'));
    }
    // The upload that was in the way is untouched.
    expect(readFileSync(join(dir, 'home', 'uploads', batch, 'set', 'a.png'), 'utf8')).toBe('abc');
  });

  it('answers a failure of its own with a bare 500 that names no server path', async () => {
    // A data folder whose uploads/ is a file: the server's fault, not the client's.
    const home = join(dir, 'broken-home');
    mkdirSync(home);
    writeFileSync(join(home, 'uploads'), 'not a folder');
    const broken = await startWebServer({ port: 0, root, dataHome: home, rendererDir: join(dir, 'renderer'), version: 'test', spawnEngine: fakeEngine });
    try {
      const res = await new Promise<Reply>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: broken.port,
            path: `/upload?batch=${'e'.repeat(32)}&path=a.png`,
            method: 'POST',
            headers: { cookie: `ds_token_${broken.port}=${broken.token}`, origin: `http://127.0.0.1:${broken.port}`, 'content-length': '3' },
          },
          (r) => {
            let body = '';
            r.on('data', (d: Buffer) => (body += d.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
          },
        );
        req.on('error', reject);
        req.end('abc');
      });
      expect(res.status).toBe(500);
      expect(res.body).toBe('Internal error');
    } finally {
      await broken.close();
    }
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

/**
 * Hostile clients over raw TCP. A crash here would take the whole server (and any training in
 * it) down, so every case ends by checking the server still answers. Errors thrown from socket
 * events surface as uncaught exceptions, which the test records and asserts there were none.
 */
describe('web server under hostile clients', () => {
  const uncaught: unknown[] = [];
  const record = (err: unknown): void => {
    uncaught.push(err);
  };
  beforeAll(() => {
    process.on('uncaughtException', record);
  });
  afterAll(() => {
    process.off('uncaughtException', record);
  });
  beforeEach(() => {
    uncaught.length = 0;
  });

  /** A raw TCP connection; `received` collects every byte the server sent. */
  function connect(): Promise<{ sock: Socket; received: () => Buffer; closed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const sock = netConnect({ host: '127.0.0.1', port: server.port });
      const chunks: Buffer[] = [];
      sock.on('data', (d: Buffer) => chunks.push(d));
      sock.on('error', () => undefined);
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      sock.once('connect', () => resolve({ sock, received: () => Buffer.concat(chunks), closed }));
      sock.once('error', reject);
    });
  }

  function upgradeRequest(headers: Record<string, string>): string {
    const lines = [
      'GET /ws HTTP/1.1',
      `Host: 127.0.0.1:${server.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    return `${lines.join('\r\n')}\r\n\r\n`;
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
    if (!check()) throw new Error(`timed out waiting for ${what}`);
  }

  /** A client frame: FIN, RSV bits and opcode in the first byte; masked unless told not to. */
  function frame(first: number, payload: Buffer, options: { mask?: boolean; declaredLength?: number } = {}): Buffer {
    const mask = options.mask ?? true;
    const length = options.declaredLength ?? payload.length;
    const head: number[] = [first];
    if (length < 126) head.push((mask ? 0x80 : 0) | length);
    else {
      head.push((mask ? 0x80 : 0) | 127);
      const big = Buffer.alloc(8);
      big.writeBigUInt64BE(BigInt(length));
      head.push(...big);
    }
    const key = randomBytes(4);
    const body = mask ? Buffer.from(payload.map((b, i) => b ^ (key[i % 4] as number))) : payload;
    return Buffer.concat([Buffer.from(head), mask ? key : Buffer.alloc(0), body]);
  }

  async function stillServes(): Promise<void> {
    expect(uncaught).toEqual([]);
    expect((await http('/', { headers: { cookie } })).status).toBe(200);
    const ws = await socket({ cookie, origin: origin() });
    try {
      expect(await call(ws, 1, 'fs:list', { path: null })).toMatchObject({ ok: true });
    } finally {
      ws.close();
    }
  }

  it('survives a client that resets the connection after a refused upgrade', async () => {
    const refused: Record<string, string>[] = [{ Origin: origin() }, { Origin: 'http://evil.example', Cookie: cookie }];
    for (const headers of refused) {
      for (let i = 0; i < 5; i++) {
        const { sock, closed } = await connect();
        sock.write(upgradeRequest(headers));
        // Resetting at once races the server's refusal; a short wait lets the refusal be written first.
        if (i % 2 === 1) await new Promise((r) => setTimeout(r, 5));
        sock.resetAndDestroy();
        await closed;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    await stillServes();
  });

  it('survives clients that reset mid-request and mid-upload', async () => {
    for (let i = 0; i < 6; i++) {
      const { sock, closed } = await connect();
      const upload = i % 2 === 1;
      const head = upload
        ? `POST /upload?batch=${'d'.repeat(32)}&path=set/${i}.png HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: ${origin()}\r\nCookie: ${cookie}\r\nContent-Length: 100000\r\n\r\nabc`
        : `GET /assets/app.js HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nCookie: ${cookie}\r\n\r\n`;
      sock.write(head);
      if (i >= 2) await new Promise((r) => setTimeout(r, 10));
      sock.resetAndDestroy();
      await closed;
    }
    await new Promise((r) => setTimeout(r, 50));
    await stillServes();
  });

  it('survives malformed HTTP and upgrade requests, reset or not', async () => {
    const requests = [
      'GARBAGE\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: -1\r\n\r\n`,
      // An authenticated upgrade with a key ws refuses (it must be 16 bytes, base64).
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin()}\r\nCookie: ${cookie}\r\n\r\n`,
    ];
    for (const request of requests) {
      for (const reset of [false, true]) {
        const { sock, closed } = await connect();
        sock.write(request);
        await new Promise((r) => setTimeout(r, 5));
        if (reset) sock.resetAndDestroy();
        else sock.end();
        await closed;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    await stillServes();
  });

  it('refuses an upgrade without the token with a plain 401', async () => {
    const { sock, received, closed } = await connect();
    sock.write(upgradeRequest({ Origin: origin() }));
    await closed;
    expect(received().toString()).toMatch(/^HTTP\/1\.1 401 /);
    sock.destroy();
  });

  const badFrames: { name: string; bytes: () => Buffer; code: number }[] = [
    { name: 'oversized', bytes: () => frame(0x81, Buffer.from('x'.repeat(16)), { declaredLength: 64 * 1024 * 1024 }), code: 1009 },
    { name: 'invalid UTF-8', bytes: () => frame(0x81, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), code: 1007 },
    { name: 'unmasked', bytes: () => frame(0x81, Buffer.from('{}'), { mask: false }), code: 1002 },
    { name: 'bad opcode', bytes: () => frame(0x83, Buffer.from('{}')), code: 1002 },
    { name: 'RSV1 set', bytes: () => frame(0xc1, Buffer.from('{}')), code: 1002 },
    { name: 'RSV2 and RSV3 set', bytes: () => frame(0xb1, Buffer.from('{}')), code: 1002 },
    { name: 'fragmented ping', bytes: () => frame(0x09, Buffer.from('p')), code: 1002 },
    { name: 'continuation with nothing to continue', bytes: () => frame(0x80, Buffer.from('{}')), code: 1002 },
  ];

  for (const bad of badFrames) {
    it(`closes a socket that sends a malformed frame (${bad.name}) and keeps serving`, async () => {
      const { sock, received, closed } = await connect();
      sock.write(upgradeRequest({ Origin: origin(), Cookie: cookie }));
      await until(() => received().includes('\r\n\r\n'), 'the upgrade reply');
      const reply = received();
      expect(reply.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
      const headerEnd = reply.indexOf('\r\n\r\n') + 4;
      sock.write(bad.bytes());
      // The server answers with a close frame (0x88) carrying the protocol error's code.
      await until(() => received().length >= headerEnd + 4, 'a close frame');
      const close = received().subarray(headerEnd);
      expect(close[0]).toBe(0x88);
      expect(close.readUInt16BE(2)).toBe(bad.code);
      sock.destroy();
      await closed;
      await stillServes();
    });
  }

  it('survives a client that resets an authenticated socket mid-frame', async () => {
    const { sock, received, closed } = await connect();
    sock.write(upgradeRequest({ Origin: origin(), Cookie: cookie }));
    await until(() => received().includes('\r\n\r\n'), 'the upgrade reply');
    sock.write(frame(0x81, Buffer.from('{"id":1,"channel":"fs:list","request":{"path":null}}')).subarray(0, 10));
    sock.resetAndDestroy();
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    await stillServes();
  });
});
