import { DenoiseError } from '../../shared/errors';
import { applyModel } from '../infer/apply-model';
import { meanMetrics, scoreImage } from '../metrics/mean-metrics';
import type { Model } from '../models/model';
import { loadImagePairs, pairReportAsSkipped } from '../train/pairs';
import { withLevel, type DenoiseOptions } from './denoise';

/**
 * Scores a model on real noisy photos against their clean references (e.g. the mean of many
 * exposures), matched by file name as `train --pairs` matches them. Each photo gets exactly what
 * `denoise` would do with the same options: a level-aware model gets the photo's own estimated
 * level unless a sigma is given. This is the measurement for real camera noise, where no
 * synthetic noise protocol applies.
 */
export interface PairScore {
  name: string;
  psnr: number;
  ssim: number;
  noisyPsnr: number;
  noisySsim: number;
  /** The level the model was given (0..255), when it takes one. */
  sigma?: number;
  estimated?: boolean;
}

export interface PairEvaluationReport {
  images: PairScore[];
  psnr: number;
  ssim: number;
  noisyPsnr: number;
  noisySsim: number;
  /** Photos whose output scores below the noisy input itself. */
  worse: number;
  skipped: { file: string; code: string; message: string }[];
}

export interface EvaluatePairsOptions extends Pick<DenoiseOptions, 'gpu' | 'strength' | 'sigma' | 'signal'> {
  recursive?: boolean;
  onImage?: (done: number, total: number, score: PairScore) => void;
}

export async function evaluatePairs(model: Model, noisyDir: string, cleanDir: string, options: EvaluatePairsOptions): Promise<PairEvaluationReport> {
  // Photos keep their own channels (a gray model denoises colour one channel at a time, as in
  // `denoise`); a colour model needs colour input.
  const report = await loadImagePairs(noisyDir, cleanDir, { recursive: options.recursive ?? false, ...(model.spec.channels === 3 ? { channels: 3 as const } : {}) });
  const pairs = [...report.pairs].sort((a, b) => a.name.localeCompare(b.name));
  const { onImage, recursive: _recursive, ...denoiseOptions } = options;
  const images: PairScore[] = [];
  for (const pair of pairs) {
    if (options.signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Evaluation cancelled');
    const level = await withLevel(model, pair.noisy, denoiseOptions);
    const output = await applyModel(model, pair.noisy, level.options);
    const out = scoreImage(output, pair.clean);
    const inp = scoreImage(pair.noisy, pair.clean);
    const sigma = level.options.sigma;
    const score: PairScore = {
      name: pair.name,
      psnr: out.psnr,
      ssim: out.ssim,
      noisyPsnr: inp.psnr,
      noisySsim: inp.ssim,
      ...(sigma === undefined ? {} : { sigma, estimated: level.estimatedSigma !== undefined }),
    };
    images.push(score);
    onImage?.(images.length, pairs.length, score);
  }
  const outMean = meanMetrics(images);
  const noisyMean = meanMetrics(images.map((s) => ({ psnr: s.noisyPsnr, ssim: s.noisySsim })));
  return {
    images,
    psnr: outMean.psnr,
    ssim: outMean.ssim,
    noisyPsnr: noisyMean.psnr,
    noisySsim: noisyMean.ssim,
    worse: images.filter((s) => s.psnr < s.noisyPsnr).length,
    skipped: pairReportAsSkipped(report, noisyDir, cleanDir).map((s) => ({ file: s.file, code: s.code, message: s.message })),
  };
}
