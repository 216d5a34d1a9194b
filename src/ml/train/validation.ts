import * as tf from '@tensorflow/tfjs-core';
import { meanMetrics, scoreImage } from '../metrics/mean-metrics';
import type { NoiseSpec } from '../../shared/noise';
import { Rng } from '../data/rng';
import type { Model } from '../models/model';
import type { BlindSpotOptions } from '../../shared/training';
import { blindSpotMask } from './blind-spot';

/**
 * A fixed validation set: crops of the held-out images with noise drawn once from a fixed seed,
 * so successive validations differ only by the model.
 */
export interface ValidationSet {
  count: number;
  size: number;
  channels: 1 | 3;
  /** [count, size, size, channels] */
  input: Float32Array;
  target: Float32Array;
  mask?: Float32Array;
  /** Per crop: the noise level on the [0, 1] scale, for level-aware models (gaussian noise only). */
  noiseLevel?: Float32Array;
  /**
   * 'clean' (absent): the targets are clean crops, so PSNR and SSIM mean something. 'none': a
   * self-supervised run on photos that are already noisy has no clean image at all; the
   * targets are the noisy crops, the inputs have blind spots, and only the blind-spot loss on
   * the masked held-out pixels is reported (scoring the output against the noisy input would
   * give a high PSNR that says nothing).
   */
  reference?: 'clean' | 'none';
}

export interface ValidationScores {
  loss: number;
  /** NaN when reference is 'none'. */
  psnr: number;
  ssim: number;
  reference: 'clean' | 'none';
}

/** Added noise of level zero: the loaded images are the only version there is. */
export function addsNoNoise(noise: NoiseSpec): boolean {
  return noise.type === 'gaussian' && noise.sigma === 0 && !(noise.sigmaMax ?? 0);
}

/** The validation set of a run with no clean reference: fixed blind spots in the held-out noisy crops. */
export function blindSpotValidation(set: ValidationSet, options: BlindSpotOptions, seed: number): ValidationSet {
  const { input, mask } = blindSpotMask(set.target, set.size, set.channels, new Rng(seed), options);
  return { ...set, input, mask, reference: 'none' };
}

const CHUNK = 8;

export async function evaluateValidation(model: Model, set: ValidationSet): Promise<ValidationScores> {
  const per = set.size * set.size * set.channels;
  const blind = set.reference === 'none' && set.mask !== undefined;
  const scores = [];
  let squared = 0;
  let counted = 0;
  for (let start = 0; start < set.count; start += CHUNK) {
    const n = Math.min(CHUNK, set.count - start);
    const input = set.input.subarray(start * per, (start + n) * per);
    const levels = set.noiseLevel?.subarray(start, start + n);
    const prediction = tf.tidy(() =>
      model.predict(tf.tensor4d(input, [n, set.size, set.size, set.channels]), levels ? tf.tensor4d(levels, [n, 1, 1, 1]) : undefined),
    );
    // Asynchronous read: a GPU backend (webgpu) cannot read synchronously under Node at all.
    let output: Float32Array;
    try {
      output = (await prediction.data()) as Float32Array;
    } finally {
      prediction.dispose();
    }
    for (let i = 0; i < n; i++) {
      const data = output.slice(i * per, (i + 1) * per);
      const target = set.target.slice((start + i) * per, (start + i + 1) * per);
      if (blind) {
        const mask = set.mask?.subarray((start + i) * per, (start + i + 1) * per);
        for (let j = 0; j < per; j++) {
          if (mask?.[j]) {
            squared += ((data[j] as number) - (target[j] as number)) ** 2;
            counted++;
          }
        }
        continue;
      }
      for (let j = 0; j < per; j++) squared += ((data[j] as number) - (target[j] as number)) ** 2;
      counted += per;
      const asImage = (d: Float32Array) => ({ width: set.size, height: set.size, channels: set.channels, bitDepth: 8 as const, data: d });
      scores.push(scoreImage(asImage(data), asImage(target)));
    }
  }
  if (blind) return { loss: squared / Math.max(1, counted), psnr: Number.NaN, ssim: Number.NaN, reference: 'none' };
  const mean = meanMetrics(scores);
  return { loss: squared / Math.max(1, counted), psnr: mean.psnr, ssim: mean.ssim, reference: 'clean' };
}
