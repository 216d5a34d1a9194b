import * as tf from '@tensorflow/tfjs-core';
import { meanMetrics, scoreImage } from '../metrics/mean-metrics';
import type { Model } from '../models/model';

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
}

export interface ValidationScores {
  loss: number;
  psnr: number;
  ssim: number;
}

const CHUNK = 8;

export async function evaluateValidation(model: Model, set: ValidationSet): Promise<ValidationScores> {
  const per = set.size * set.size * set.channels;
  const scores = [];
  let squared = 0;
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
      for (let j = 0; j < per; j++) squared += ((data[j] as number) - (target[j] as number)) ** 2;
      const asImage = (d: Float32Array) => ({ width: set.size, height: set.size, channels: set.channels, bitDepth: 8 as const, data: d });
      scores.push(scoreImage(asImage(data), asImage(target)));
    }
  }
  const mean = meanMetrics(scores);
  return { loss: squared / (set.count * per), psnr: mean.psnr, ssim: mean.ssim };
}
