import { DenoiseError } from '../shared/errors';
import { initBackend } from '../ml/backend';
import { isBackendName, type BackendReport } from '../shared/backend';

/** Picks the compute backend for a command (the --backend flag wins over DENOISE_BACKEND). */
export async function setupBackend(flag: string | undefined, announce: boolean): Promise<BackendReport> {
  if (flag !== undefined && !isBackendName(flag)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown backend "${flag}"; choose tensorflow-gpu, tensorflow, wasm or cpu`);
  }
  const report = await initBackend(flag === undefined ? {} : { force: flag });
  if (announce) process.stderr.write(`backend: ${describeBackend(report)}\n`);
  return report;
}

export function describeBackend(report: BackendReport): string {
  const kind = report.isGpu ? 'GPU' : 'CPU';
  return `${report.active} (${kind}, ${report.threads} thread${report.threads === 1 ? '' : 's'}${report.forced ? ', forced' : ''})`;
}
