import { createWriteStream, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { describeImageExtensions, hasImageExtension } from '../shared/image-formats';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { EventMap, EventName } from '../shared/contract';
import type { EngineProcess } from '../host/engine-client';
import { createAppHost, type AppHost } from '../host/app-host';
import { contentTypeOf, resolveBundleFile } from '../host/bundle-files';
import { newMediaId, parseMediaPath, type MediaKind } from '../host/media-store';
import { authorize, cookieName, newToken, type AuthPolicy } from './auth';
import { buildCsp } from '../shared/csp';

/**
 * The web mode: the same renderer and the same contract as the desktop app, served on
 * 127.0.0.1 for a headless box (and for browser tests). Static files and media over HTTP, the
 * contract over one WebSocket; every request is checked by auth.ts first and every socket
 * message is validated by the host before a handler runs.
 */
export interface WebServerOptions {
  port: number;
  /** Folder the UI may browse and read datasets from. */
  root: string;
  dataHome: string;
  rendererDir: string;
  version: string;
  spawnEngine: (env: Record<string, string>) => EngineProcess;
  /** Starter models copied into the library once (the package's resources/models). */
  starterModelsDir?: string;
  token?: string;
  cancelGraceMs?: number;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  host: AppHost;
  close(): Promise<void>;
}

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
/**
 * The largest socket message: requests are JSON (paths, settings, a training config), never
 * image bytes, which travel over HTTP. 1 MiB holds thousands of paths; ws's default (100 MiB)
 * would let one client make the server buffer that much per frame.
 */
const MAX_SOCKET_MESSAGE_BYTES = 1024 * 1024;
const socketMessage = z.object({ id: z.number().int().nonnegative(), channel: z.string().max(64), request: z.unknown() }).strict();

export function csp(port: number): string {
  return buildCsp({ img: ['blob:', 'data:'], connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
}

function baseHeaders(port: number): Record<string, string> {
  return {
    'content-security-policy': csp(port),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/** A relative upload path: plain segments only, an image extension, no hidden names. */
export function safeUploadPath(raw: string | null): string | null {
  if (!raw || raw.length > 1024 || raw.includes('\0') || raw.includes('\\')) return null;
  const parts = raw.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 16) return null;
  if (parts.some((p) => p === '.' || p === '..' || p.startsWith('.') || p.length > 255)) return null;
  if (!hasImageExtension(parts[parts.length - 1] as string)) return null;
  return parts.join('/');
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newToken();
  const sockets = new Set<WebSocket>();
  let policy: AuthPolicy = { token, port: options.port };
  const uploadsRoot = join(options.dataHome, 'uploads');

  const broadcast = <E extends EventName>(event: E, payload: EventMap[E]): void => {
    const text = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  };

  const host = await createAppHost({
    mode: 'web',
    version: options.version,
    dataHome: options.dataHome,
    browseRoot: resolve(options.root),
    spawnEngine: options.spawnEngine,
    mediaUrl: (kind: MediaKind, id: string) => `/media/${kind}/${id}`,
    emit: broadcast,
    ...(options.starterModelsDir === undefined ? {} : { starterModelsDir: options.starterModelsDir }),
    ...(options.cancelGraceMs === undefined ? {} : { cancelGraceMs: options.cancelGraceMs }),
  });

  const send = (res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { ...baseHeaders(policy.port), 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  };

  const serveStatic = async (res: ServerResponse, pathname: string): Promise<void> => {
    const file = await resolveBundleFile(options.rendererDir, pathname);
    // A folder of the bundle (/assets) resolves too; only plain files are served.
    if (!file || !(await fs.stat(file)).isFile()) return send(res, 404, 'Not found');
    const html = extname(file) === '.html';
    send(res, 200, new Uint8Array(await fs.readFile(file)), { 'content-type': contentTypeOf(file), 'cache-control': html ? 'no-store' : 'max-age=3600' });
  };

  const serveMedia = async (res: ServerResponse, tail: string): Promise<void> => {
    const parsed = parseMediaPath(tail);
    if (!parsed) return send(res, 404, 'Not found');
    try {
      const body = await host.media.serve(parsed.kind, parsed.id);
      const headers: Record<string, string> = { 'content-type': body.mime, 'cache-control': 'private, max-age=600' };
      if (body.filename) headers['content-disposition'] = `attachment; filename="${body.filename.replace(/["\\\r\n]/g, '_')}"`;
      send(res, 200, body.bytes, headers);
    } catch (err) {
      send(res, (err as { code?: string }).code === 'E_PATH_OUTSIDE_ROOT' ? 403 : 404, 'Not found');
    }
  };

  const handleUpload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const batch = url.searchParams.get('batch') ?? '';
    const rel = safeUploadPath(url.searchParams.get('path'));
    if (!/^[0-9a-f]{32}$/.test(batch)) return send(res, 400, 'Bad upload batch');
    if (!rel) return send(res, 415, `Only image files (${describeImageExtensions()}) can be uploaded`);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (!(declared >= 0) || declared > MAX_UPLOAD_BYTES) return send(res, 413, 'File too large or without a length');
    const dir = join(uploadsRoot, batch);
    const target = join(dir, rel);
    // An earlier upload may be in the way: a file where this one needs a folder (a.png, then
    // a.png/b.png) or a folder where it needs a file. Answer with the client's own relative
    // path, never the server's absolute one.
    const inTheWay = (): void => send(res, 409, `Cannot upload ${rel}: an earlier upload of this batch is in the way (a file where a folder is needed, or the other way round)`);
    // The batch folder first: failing there is the server's own fault (a 500), not a conflict.
    await fs.mkdir(dir, { recursive: true });
    try {
      await fs.mkdir(join(target, '..'), { recursive: true });
    } catch (err) {
      if (['EEXIST', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return inTheWay();
      throw err;
    }
    if ((await fs.stat(target).catch(() => undefined))?.isDirectory()) return inTheWay();
    const temp = `${target}.tmp-${newMediaId().slice(0, 8)}`;
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_UPLOAD_BYTES) req.destroy(new Error('too large'));
    });
    try {
      await pipeline(req, createWriteStream(temp, { flags: 'wx' }));
      await fs.rename(temp, target);
    } catch {
      await fs.rm(temp, { force: true });
      return send(res, 400, 'Upload failed');
    }
    send(res, 200, JSON.stringify({ dir, path: target }), { 'content-type': 'application/json' });
  };

  const server = createServer((req, res) => {
    const decision = authorize(req, policy, { requireOrigin: req.method !== 'GET' && req.method !== 'HEAD' });
    if (!decision.ok) return send(res, decision.status, decision.status === 401 ? 'Unauthorized: open the URL with the access token printed when the server started' : `Forbidden: ${decision.reason}`);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cookie = `${cookieName(policy.port)}=${policy.token}; HttpOnly; SameSite=Strict; Path=/`;
    if (decision.via === 'query' && req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      // Trade the token in the address bar for a cookie, so it does not stay in history or get copied.
      res.writeHead(303, { ...baseHeaders(policy.port), location: '/', 'set-cookie': cookie, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    const work = async (): Promise<void> => {
      if (req.method === 'POST' && url.pathname === '/upload') return handleUpload(req, res, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
      if (url.pathname.startsWith('/media/')) return serveMedia(res, url.pathname.slice('/media/'.length));
      return serveStatic(res, url.pathname);
    };
    work().catch((err: unknown) => {
      // The details (with server paths) go to the server's log, not to the client.
      process.stderr.write(`web server: ${req.method ?? '?'} ${url.pathname} failed: ${(err as Error).stack ?? String(err)}\n`);
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    // Node hands the raw socket over without an 'error' listener: a client that resets the
    // connection would otherwise throw ECONNRESET out of the server and kill it.
    socket.on('error', () => socket.destroy());
    const decision = authorize(req, policy, { requireOrigin: true });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!decision.ok || url.pathname !== '/ws') {
      const status = decision.ok ? 404 : decision.status;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // A malformed frame (oversized, bad UTF-8, unmasked, bad opcode, RSV bits) is an 'error'
      // on this socket; ws has already answered it with a close frame carrying the protocol
      // code and will drop the connection. Without a listener the error would kill the server.
      ws.on('error', () => undefined);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return ws.close(1003, 'text only');
        let parsed: z.infer<typeof socketMessage>;
        try {
          const result = socketMessage.safeParse(JSON.parse(String(data)));
          if (!result.success) return ws.close(1008, 'malformed message');
          parsed = result.data;
        } catch {
          return ws.close(1008, 'malformed message');
        }
        host
          .dispatch(parsed.channel, parsed.request)
          .then((result) => {
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: parsed.id, result }));
          })
          // dispatch turns handler errors into results; anything else is a bug, logged, not fatal.
          .catch((err: unknown) => process.stderr.write(`web server: ${parsed.channel} failed: ${(err as Error).stack ?? String(err)}\n`));
      });
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  policy = { token, port };

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    host,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      host.dispose();
      await new Promise<void>((r) => {
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
