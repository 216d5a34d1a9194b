import { DenoiseError } from '../../shared/errors';
import { decodeImage } from '../data/decode-image';
import { scanImageFolder } from '../data/scan-folder';
import { estimateNoiseLevel, NOISE_ESTIMATE_METHOD } from '../noise-estimate';

/**
 * The automatic noise level of one file or of every image in a folder, each estimated on its
 * own (one photo's level says nothing about the next). A file that fails is reported and the
 * rest go on.
 */
export interface EstimateNoiseOptions {
  recursive?: boolean;
  signal?: AbortSignal;
  onFile?: (done: number, total: number, file: string) => void;
}

export interface EstimateNoiseReport {
  /** sigma on the 0..255 scale, for additive white Gaussian noise. */
  images: { file: string; sigma: number }[];
  failed: { file: string; code: string; message: string }[];
  method: typeof NOISE_ESTIMATE_METHOD;
}

export async function estimateNoiseFiles(input: string, options: EstimateNoiseOptions = {}): Promise<EstimateNoiseReport> {
  const scan = await scanImageFolder(input, { recursive: options.recursive ?? false });
  if (scan.files.length === 0) {
    const why = scan.skipped.length ? `every file was skipped (first: ${scan.skipped[0]?.file}: ${scan.skipped[0]?.message})` : 'it has no images';
    throw new DenoiseError('E_NO_IMAGES', `Nothing to estimate in ${input}: ${why}`);
  }
  const report: EstimateNoiseReport = { images: [], failed: scan.skipped.map((s) => ({ ...s })), method: NOISE_ESTIMATE_METHOD };
  for (const [i, file] of scan.files.entries()) {
    if (options.signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Noise estimation cancelled');
    options.onFile?.(i, scan.files.length, file);
    try {
      const image = await decodeImage(file);
      report.images.push({ file, sigma: (await estimateNoiseLevel(image)).sigma });
    } catch (err) {
      const e = err as DenoiseError;
      report.failed.push({ file, code: e.code ?? 'E_INTERNAL', message: e.message });
    }
  }
  return report;
}
