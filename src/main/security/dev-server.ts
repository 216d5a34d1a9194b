import { parseUrl } from './origin';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The Vite dev server's URL (electron-vite sets ELECTRON_RENDERER_URL), honoured only in an
 * unpackaged build: an installed app loads its own bundle from app://, never a page that an
 * environment variable names. Even in development only an http(s) loopback URL is taken.
 */
export function devServerUrl(isPackaged: boolean, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (isPackaged) return undefined;
  const value = env['ELECTRON_RENDERER_URL'];
  if (value === undefined || value === '') return undefined;
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !LOOPBACK.has(url.hostname)) return undefined;
  return value;
}
