import { buildCsp } from '../../shared/csp';

/**
 * Sent as a response header by the app:// handler. No 'unsafe-eval' or 'unsafe-inline': Vue
 * templates are precompiled. User images arrive as media:// URLs or blob: previews.
 */
export const PRODUCTION_CSP = buildCsp({ img: ['media:', 'blob:'] });

/** Development only: Vite's dev server injects styles and talks to its HMR socket. */
export function developmentCsp(devServer: string): string {
  const ws = devServer.replace(/^http/, 'ws');
  return buildCsp({ script: [devServer], style: ["'unsafe-inline'", devServer], img: ['media:', 'blob:', devServer], connect: [devServer, ws] });
}
