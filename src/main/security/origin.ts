/**
 * Origin comparison with the URL parser, never string prefixes: `app://bundle.evil/` and
 * `https://example.com.attacker.com` must not pass for `app://bundle` and `https://example.com`.
 * Custom schemes have an opaque `origin` ("null") in the URL standard, so scheme, host and port
 * are compared directly.
 */
export function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

export function sameOrigin(a: string, b: string): boolean {
  const x = parseUrl(a);
  const y = parseUrl(b);
  if (!x || !y) return false;
  if (x.protocol === 'file:' || y.protocol === 'file:') return false;
  return x.protocol === y.protocol && x.hostname.toLowerCase() === y.hostname.toLowerCase() && x.port === y.port && x.hostname !== '';
}

export function isAllowedOrigin(url: string, allowed: readonly string[]): boolean {
  return allowed.some((origin) => sameOrigin(url, origin));
}
