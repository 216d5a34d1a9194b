/**
 * The renderer's Content-Security-Policy, built in one place for every way it is served (the
 * app:// protocol, Vite's dev server, the web mode), so the three can differ only where their
 * transport does: where scripts, images and sockets come from.
 */
export interface CspSources {
  script?: string[];
  style?: string[];
  img?: string[];
  connect?: string[];
}

export function buildCsp(extra: CspSources = {}): string {
  const list = (base: string[], more: string[] = []): string => [...base, ...more].join(' ');
  return [
    "default-src 'none'",
    `script-src ${list(["'self'"], extra.script)}`,
    `style-src ${list(["'self'"], extra.style)}`,
    `img-src ${list(["'self'"], extra.img)}`,
    `connect-src ${list(["'self'"], extra.connect)}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
