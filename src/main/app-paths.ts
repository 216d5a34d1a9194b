import { app } from 'electron';
import { join } from 'node:path';

/**
 * Files the packaged app loads by path live outside the asar archive (electron-builder's
 * asarUnpack): the starter models and the wasm backend's binaries, which a worker thread reads
 * itself. Unpackaged, everything is in the project folder.
 */
export function unpackedRoot(): string {
  const appPath = app.getAppPath();
  return app.isPackaged ? appPath.replace(/app\.asar$/, 'app.asar.unpacked') : appPath;
}

export function starterModelsDir(): string {
  return join(unpackedRoot(), 'resources', 'models');
}

/** Environment the engine process needs in a packaged app (empty when unpackaged). */
export function packagedEngineEnv(): Record<string, string> {
  if (!app.isPackaged) return {};
  return { DENOISE_WASM_DIR: join(unpackedRoot(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') };
}
