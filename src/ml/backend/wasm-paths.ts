/**
 * Where the wasm backend's .wasm binaries live. Under plain Node the package finds them next
 * to its own JS, but once the engine is bundled (electron-vite) that JS is inlined elsewhere
 * and the lookup breaks, so the engine always names the folder itself: an explicit override
 * (option or DENOISE_WASM_DIR, for packaged apps that ship the files as resources), else the
 * installed package's dist/ folder.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

export const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

function withTrailingSep(dir: string): string {
  return dir.endsWith(sep) || dir.endsWith('/') ? dir : dir + sep;
}

/** The folder holding the .wasm files, with a trailing separator, or null if none is found. */
export function resolveWasmDir(override?: string): string | null {
  const explicit = override ?? process.env['DENOISE_WASM_DIR'];
  if (explicit !== undefined && explicit !== '') return withTrailingSep(explicit);
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')) ? withTrailingSep(dir) : null;
  } catch {
    return null;
  }
}
