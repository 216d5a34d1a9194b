/**
 * Content-Security-Policy of the app's pages (checklist item 7). Sent as a response header by
 * the app:// handler and by the web server; Vue templates are precompiled, so no 'unsafe-eval'.
 */
export const PRODUCTION_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' media: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Development only: Vite's dev server injects styles and talks to its HMR socket. */
export function developmentCsp(devServer: string): string {
  const ws = devServer.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    `script-src 'self' ${devServer}`,
    `style-src 'self' 'unsafe-inline' ${devServer}`,
    `img-src 'self' media: blob: ${devServer}`,
    `connect-src 'self' ${devServer} ${ws}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
