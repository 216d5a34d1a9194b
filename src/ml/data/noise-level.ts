import type { Rng } from './rng';

/**
 * The level a noise-level-aware model is told in training for camera noise, in the units of the
 * automatic estimate that it will be told when denoising. For gaussian noise the level is its
 * sigma, which the estimate reads. Camera noise is spatially correlated, and the estimate (the
 * smallest eigenvalues of patch covariances) reads only part of it, and how much depends on the
 * noise's structure: on 256 x 256 camera-noise crops of CBSD432 (training data; camera-noise.ts
 * with its noise reduction and 4:2:0 JPEG at 88-98, the noise then taken against the clean crop)
 * the estimate read 0.13-0.70 of the noise's finest-scale level below (median 0.38; 0.15-0.89
 * with the 4:4:4 JPEG used before); on the real
 * crops of real-noise-val 0.09-0.36 (median 0.16). With one ratio
 * for every camera patch (0.4, until the tenth stretch of issue 11) a low level meant next to no
 * noise in training, while real photos are read at the bottom of that spread. So each camera
 * patch draws its ratio log-uniformly from this range, and the model learns to remove camera-like
 * noise at any level in it that the estimate may give (measured: +0.10 dB on real-noise-val for
 * the colour L1 model, docs/denoisers.md). The larger part of that model's gap was the noise
 * itself: it is now measured against the camera's reference (camera-noise.ts), not the clean
 * patch; with the 4:2:0 JPEG and the lower qualities that made +0.60 dB, 4:2:0 alone +0.33
 * (docs/denoisers.md, eleventh stretch).
 */
export const ESTIMATE_PER_FINEST_SCALE_RANGE = [0.08, 1] as const;

/**
 * A camera patch's level: the finest-scale level of noisy - reference (the camera's file without
 * sensor noise) times a ratio drawn from the range above.
 */
export function cameraNoiseLevel(noisy: Float32Array, reference: Float32Array, start: number, size: number, channels: number, rng: Rng): number {
  const [low, high] = ESTIMATE_PER_FINEST_SCALE_RANGE.map(Math.log) as [number, number];
  const ratio = Math.exp(low + (high - low) * rng.next());
  return ratio * finestScaleLevel(noisy, reference, start, size, channels);
}

/**
 * The RMS of the noise's finest diagonal Haar detail, (a - b - c + d) / 2 over 2 x 2 blocks, on
 * the 0..255 scale: sigma for white noise, far below the standard deviation of correlated noise.
 */
export function finestScaleLevel(noisy: Float32Array, clean: Float32Array, start: number, size: number, channels: number): number {
  let sum = 0;
  let count = 0;
  const at = (x: number, y: number, c: number): number => {
    const i = start + (y * size + x) * channels + c;
    return (noisy[i] as number) - (clean[i] as number);
  };
  for (let y = 0; y + 1 < size; y += 2) {
    for (let x = 0; x + 1 < size; x += 2) {
      for (let c = 0; c < channels; c++) {
        const d = (at(x, y, c) - at(x + 1, y, c) - at(x, y + 1, c) + at(x + 1, y + 1, c)) / 2;
        sum += d * d;
        count++;
      }
    }
  }
  return count === 0 ? 0 : Math.sqrt(sum / count) * 255;
}
