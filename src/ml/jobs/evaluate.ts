import { basename } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import type { NoiseSpec } from '../../shared/noise';
import { corrupt } from '../data/corruption';
import { decodeImage } from '../data/decode-image';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { scanImageFolder } from '../data/scan-folder';
import { addProtocolNoise, NumpyRandomState } from '../eval/numpy-normal';
import { applyModel } from '../infer/apply-model';
import { meanMetrics, scoreImage } from '../metrics/mean-metrics';
import { estimateNoiseLevel } from '../noise-estimate';
import type { Model } from '../models/model';

/**
 * Scores a model on clean images with synthetic noise, following the benchmark protocol of
 * ../shared/bench/common.py (docs/architecture.md, "Evaluation protocol"): images in name order, one noise stream seeded once per pass (NumPy's
 * legacy normal stream, bit-identical to the Python peers), the noisy input neither clipped nor
 * quantised, outputs clipped before scoring, PSNR and SSIM averaged over images.
 */
export interface ImageScore {
  file: string;
  psnr: number;
  ssim: number;
  noisyPsnr: number;
  noisySsim: number;
}

export interface EvaluationReport {
  images: ImageScore[];
  psnr: number;
  ssim: number;
  noisyPsnr: number;
  noisySsim: number;
  skipped: { file: string; code: string; message: string }[];
}

export interface EvaluateOptions {
  gpu: boolean;
  noise: NoiseSpec;
  seed: number;
  recursive?: boolean;
  /** Score in gray or colour; default the model's. A gray model on colour denoises each channel (the colour benchmarks' protocol). */
  channels?: 1 | 3;
  signal?: AbortSignal;
  onImage?: (done: number, total: number, score: ImageScore) => void;
}

/**
 * The noisy image, what the output is scored against (the clean image, or camera noise's
 * reference), and its level when known (what level-aware models are told).
 */
function makeNoisy(clean: FloatImage, noise: NoiseSpec, numpy: NumpyRandomState, rng: Rng): { image: FloatImage; reference: FloatImage; sigma?: number } {
  if (noise.type === 'gaussian' && noise.sigmaMax === undefined) return { image: { ...clean, data: addProtocolNoise(clean.data, noise.sigma, numpy) }, reference: clean, sigma: noise.sigma };
  const { noisy, sigmas, target } = corrupt(clean.data, noise, rng);
  return { image: { ...clean, data: noisy }, reference: target ? { ...clean, data: target } : clean, ...(sigmas?.[0] === undefined ? {} : { sigma: sigmas[0] }) };
}

export async function evaluateModel(model: Model, dataDir: string, options: EvaluateOptions): Promise<EvaluationReport> {
  const scan = await scanImageFolder(dataDir, { recursive: options.recursive ?? false });
  const files = [...scan.files].sort((a, b) => basename(a).localeCompare(basename(b)));
  const skipped = [...scan.skipped];
  const numpy = new NumpyRandomState(options.seed);
  const rng = new Rng(options.seed);
  const images: ImageScore[] = [];
  for (const file of files) {
    if (options.signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Evaluation cancelled');
    let clean: FloatImage;
    try {
      clean = await decodeImage(file, { channels: options.channels ?? model.spec.channels });
    } catch (err) {
      const e = err as DenoiseError;
      skipped.push({ file, code: e.code ?? 'E_INTERNAL', message: e.message });
      continue;
    }
    const made = makeNoisy(clean, options.noise, numpy, rng);
    const noisy = made.image;
    // A level-aware model is told the true level; with other noise it gets the image's estimate.
    const sigma = model.takesNoiseLevel ? (made.sigma ?? (await estimateNoiseLevel(noisy)).sigma) : undefined;
    const output = await applyModel(model, noisy, { gpu: options.gpu, ...(sigma === undefined ? {} : { sigma }), ...(options.signal ? { signal: options.signal } : {}) });
    const out = scoreImage(output, made.reference);
    const inp = scoreImage(noisy, made.reference, { clip: false });
    const score = { file, psnr: out.psnr, ssim: out.ssim, noisyPsnr: inp.psnr, noisySsim: inp.ssim };
    images.push(score);
    options.onImage?.(images.length, files.length, score);
  }
  if (images.length === 0) {
    const why = skipped.length ? `every file was skipped (first: ${skipped[0]?.file}: ${skipped[0]?.message})` : 'it has no images';
    throw new DenoiseError('E_NO_IMAGES', `Nothing to evaluate in ${dataDir}: ${why}`);
  }
  const outMean = meanMetrics(images);
  const noisyMean = meanMetrics(images.map((s) => ({ psnr: s.noisyPsnr, ssim: s.noisySsim })));
  return { images, psnr: outMean.psnr, ssim: outMean.ssim, noisyPsnr: noisyMean.psnr, noisySsim: noisyMean.ssim, skipped };
}
