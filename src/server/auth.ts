import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who may talk to the local web server. It listens on 127.0.0.1 only, but any local process or
 * any web page in the user's browser can still reach that port, so every request must carry
 * the random token printed at start (in the URL, then as a cookie) and:
 * - the Host header must name this server (defeats DNS rebinding);
 * - a present Origin must be this server's (a foreign page's fetch or WebSocket is refused);
 * - state-changing requests (WebSocket upgrade, uploads) must send an Origin at all.
 * Missing or wrong token: 401. Wrong host or origin: 403.
 */
export interface AuthPolicy {
  token: string;
  port: number;
}

export interface RequestLike {
  url?: string | undefined;
  method?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export type AuthDecision = { ok: true; via: 'query' | 'cookie' | 'bearer' } | { ok: false; status: 401 | 403; reason: string };

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function cookieName(port: number): string {
  // Cookies are per host, not per port: the port in the name keeps two servers apart.
  return `ds_token_${port}`;
}

function header(req: RequestLike, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && allowedHosts(port).includes(url.host.toLowerCase()) && url.pathname === '/' && origin === url.origin;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tokenFrom(req: RequestLike, port: number): { token: string; via: 'query' | 'cookie' | 'bearer' } | undefined {
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  if (query) return { token: query, via: 'query' };
  const auth = header(req, 'authorization');
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7), via: 'bearer' };
  const cookie = readCookie(header(req, 'cookie'), cookieName(port));
  if (cookie) return { token: cookie, via: 'cookie' };
  return undefined;
}

export function authorize(req: RequestLike, policy: AuthPolicy, options: { requireOrigin: boolean }): AuthDecision {
  if (!isAllowedHost(header(req, 'host'), policy.port)) return { ok: false, status: 403, reason: 'unexpected Host header' };
  const origin = header(req, 'origin');
  if (origin !== undefined || options.requireOrigin) {
    if (!isAllowedOrigin(origin, policy.port)) return { ok: false, status: 403, reason: 'cross-origin request refused' };
  }
  const found = tokenFrom(req, policy.port);
  if (!found) return { ok: false, status: 401, reason: 'missing access token' };
  if (!safeEqual(found.token, policy.token)) return { ok: false, status: 401, reason: 'wrong access token' };
  return { ok: true, via: found.via };
}
