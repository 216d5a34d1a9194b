import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { psnr, type MetricOptions } from './psnr';
import { ssim } from './ssim';

export interface QualityScores {
  psnr: number;
  ssim: number;
}

/** PSNR and SSIM of one image against its clean reference, with the same clipping for both. */
export function scoreImage(output: FloatImage, reference: FloatImage, options: MetricOptions = {}): QualityScores {
  return { psnr: psnr(output, reference, options), ssim: ssim(output, reference, options) };
}

/**
 * Mean of per-image scores. The protocol averages PSNR in dB over images (not the PSNR of the
 * pooled MSE), so a set's figure matches the Python benchmarks. An identical pair scores
 * Infinity and makes the mean Infinity, as numpy would.
 */
export function meanMetrics(scores: readonly QualityScores[]): QualityScores {
  if (scores.length === 0) throw new DenoiseError('E_INVALID_ARGUMENT', 'No scores to average');
  let p = 0;
  let s = 0;
  for (const score of scores) {
    p += score.psnr;
    s += score.ssim;
  }
  return { psnr: p / scores.length, ssim: s / scores.length };
}
