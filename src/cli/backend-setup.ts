import { DenoiseError } from '../shared/errors';
import { initBackend } from '../ml/backend';
import { BACKEND_ORDER, isBackendName, type BackendReport } from '../shared/backend';

/** Picks the compute backend for a command (the --backend flag wins over DENOISE_BACKEND). */
export async function setupBackend(flag: string | undefined, announce: boolean): Promise<BackendReport> {
  if (flag !== undefined && !isBackendName(flag)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown backend "${flag}"; choose ${BACKEND_ORDER.join(', ')}`);
  }
  const report = await initBackend(flag === undefined ? {} : { force: flag });
  if (announce) process.stderr.write(`backend: ${describeBackend(report)}\n`);
  return report;
}

export function describeBackend(report: BackendReport): string {
  const kind = report.isGpu ? 'GPU' : 'CPU';
  // webgpu: the adapter matters more than a thread count (a software one computes on the CPU).
  const where = report.adapter
    ? `${report.adapter.device || report.adapter.description}${report.adapter.software ? ', software adapter' : ''}`
    : `${report.threads} thread${report.threads === 1 ? '' : 's'}`;
  return `${report.active} (${kind}, ${where}${report.forced ? ', forced' : ''})`;
}
