import { realpath } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { isInside } from './root-guard';

/**
 * Maps an app://bundle/... URL path to a file inside the built renderer. The path is decoded,
 * normalised (so `..` cannot climb), joined under the root and then compared as a real path,
 * so neither `%2e%2e/`, a backslash nor a symlink can reach outside the bundle.
 * (Do not copy the protocol.handle example in Electron's docs, which joins raw paths.)
 */
export async function resolveBundleFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '' || decoded === '/' ? 'index.html' : decoded.replace(/^[/\\]+/, '');
  const normalized = normalize(relative);
  if (normalized.startsWith(`..${sep}`) || normalized === '..' || normalized.split(/[\\/]/).includes('..')) return null;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, normalized));
    return isInside(realRoot, real) && real !== realRoot ? real : null;
  } catch {
    return null;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
