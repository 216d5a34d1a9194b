import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';

/** Samples of one image: a FloatImage or its raw interleaved data. */
export type ImageSamples = FloatImage | Float32Array;

export interface MetricOptions {
  /**
   * Clip the scored image to [0, 1] before comparing (default true). The noise protocol scores
   * denoised outputs clipped but the noisy input as it is, so pass `false` for the noisy input.
   * The reference is never clipped.
   */
  clip?: boolean;
}

export function samplesOf(image: ImageSamples): Float32Array {
  return image instanceof Float32Array ? image : image.data;
}

export function assertSameShape(output: ImageSamples, reference: ImageSamples): void {
  if (!(output instanceof Float32Array) && !(reference instanceof Float32Array)) {
    if (output.width !== reference.width || output.height !== reference.height || output.channels !== reference.channels) {
      throw new DenoiseError('E_INVALID_ARGUMENT', 'Images to compare differ in size or channels', {
        output: [output.width, output.height, output.channels],
        reference: [reference.width, reference.height, reference.channels],
      });
    }
  }
  const a = samplesOf(output);
  const b = samplesOf(reference);
  if (a.length !== b.length || a.length === 0) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Images to compare must be non-empty and of equal length', {
      output: a.length,
      reference: b.length,
    });
  }
}

/** Mean squared error on the 0..1 scale over all samples, accumulated in float64. */
export function mse(output: ImageSamples, reference: ImageSamples, options: MetricOptions = {}): number {
  assertSameShape(output, reference);
  const a = samplesOf(output);
  const b = samplesOf(reference);
  const clip = options.clip ?? true;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    let v = a[i] as number;
    if (clip) v = v < 0 ? 0 : v > 1 ? 1 : v;
    const d = v - (b[i] as number);
    sum += d * d;
  }
  return sum / a.length;
}

/**
 * Peak signal-to-noise ratio in dB with peak 1.0: 10 * log10(1 / MSE). Identical images give
 * Infinity (as numpy does), which callers averaging over a set must be ready for.
 */
export function psnr(output: ImageSamples, reference: ImageSamples, options: MetricOptions = {}): number {
  return psnrFromMse(mse(output, reference, options));
}

export function psnrFromMse(meanSquaredError: number): number {
  return 10 * Math.log10(1 / meanSquaredError);
}
