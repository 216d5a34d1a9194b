import { DenoiseError } from '../../shared/errors';
import type { NoiseSpec } from '../../shared/noise';
import { BLIND_SPOT_DEFAULTS, BLIND_SPOT_LIMITS, type BlindSpotOptions, type TrainConfig } from '../../shared/training';
import { corrupt } from '../data/corruption';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { checkPixelShuffleStride } from '../infer/pixel-shuffle';
import type { InferenceSettings } from '../store/model-meta';

/**
 * Self-supervised denoising from noisy images only, by blind-spot masking (Krull et al.,
 * Noise2Void, 2019). A few pixels of each noisy patch are replaced by a random neighbour's
 * value, the net sees that patch, and the loss is taken only at the replaced pixels against
 * their original noisy values. The net cannot copy a pixel it does not see, and the noise of a
 * pixel is independent of its neighbours', so the best it can do is predict the expected value
 * from the context: the clean signal. No clean image is ever used.
 *
 * Pixels are drawn by stratified sampling (one per cell of a grid whose cell area is
 * 1 / fraction), as in N2V, so masked pixels are spread evenly and rarely neighbour each other;
 * replacements come from the (2 radius + 1)^2 window around the pixel, the pixel itself excluded
 * (N2V's "uniform without centre" scheme).
 *
 * That argument fails for real camera noise, which demosaicing and JPEG make spatially
 * correlated: the hidden pixel's noise is then predictable from its neighbours' noise, and the
 * net learns to keep it. A pixel-shuffle stride S > 1 (AP-BSN) masks within sub-images that take
 * every S-th pixel (infer/pixel-shuffle.ts), where neighbours are S pixels apart in the photo.
 *
 * The options, their defaults and ranges live in shared/training.ts, where the CLI and the Train
 * view build a run's settings from them (selfSupervisedSettings).
 */

/** One masked batch. */
export interface BlindSpotBatch {
  /** The noisy patches with the masked pixels replaced. */
  input: Float32Array;
  /** 1 at masked pixels (every channel), 0 elsewhere: where the loss is taken. */
  mask: Float32Array;
}

/**
 * Masks `noisy` ([n, size, size, channels] flattened). Every random choice comes from `rng`, so
 * a seed (and the rng state saved with a checkpoint) fixes the result.
 */
export function blindSpotMask(noisy: Float32Array, size: number, channels: 1 | 3, rng: Rng, options: BlindSpotOptions = BLIND_SPOT_DEFAULTS): BlindSpotBatch {
  if (!(options.fraction > 0 && options.fraction <= BLIND_SPOT_LIMITS.fraction.max)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The blind-spot fraction must be in (0, ${BLIND_SPOT_LIMITS.fraction.max}], got ${options.fraction}`);
  }
  const perPatch = size * size * channels;
  if (noisy.length % perPatch !== 0) throw new DenoiseError('E_INVALID_ARGUMENT', `Cannot split ${noisy.length} values into ${size} x ${size} x ${channels} patches`);
  const radius = Math.max(1, Math.floor(options.radius));
  const input = Float32Array.from(noisy);
  const mask = new Float32Array(noisy.length);
  // Grid cells of side `cell` hold one masked pixel each: cell^2 ~ 1 / fraction.
  const cell = Math.max(1, Math.round(Math.sqrt(1 / options.fraction)));
  const patches = noisy.length / perPatch;
  for (let p = 0; p < patches; p++) {
    const base = p * perPatch;
    for (let cy = 0; cy < size; cy += cell) {
      for (let cx = 0; cx < size; cx += cell) {
        const y = cy + rng.int(Math.min(cell, size - cy));
        const x = cx + rng.int(Math.min(cell, size - cx));
        let dy = 0;
        let dx = 0;
        while (dy === 0 && dx === 0) {
          dy = rng.int(2 * radius + 1) - radius;
          dx = rng.int(2 * radius + 1) - radius;
        }
        // Reflect at the patch border so the neighbour is always inside.
        const ny = reflect(y + dy, size);
        const nx = reflect(x + dx, size);
        const at = base + (y * size + x) * channels;
        const from = base + (ny * size + nx) * channels;
        for (let k = 0; k < channels; k++) {
          input[at + k] = noisy[from + k] as number;
          mask[at + k] = 1;
        }
      }
    }
  }
  return { input, mask };
}

/**
 * The pixel-shuffle stride of a run: the self-supervised setting, else 1 (supervised runs have
 * clean targets, whose noise-free neighbours need no split). Bad values give E_INVALID_ARGUMENT.
 */
export function pixelShuffleStrideOf(config: Pick<TrainConfig, 'selfSupervised'>): number {
  return checkPixelShuffleStride(config.selfSupervised?.pixelShuffleStride ?? 1);
}

/**
 * What a model trained with this config stores for denoising (meta.json `inference`): after a
 * pixel-shuffle run, the inference stride (1..training stride; default 1, AP-BSN's asymmetric
 * inference taken to the whole photo, which scored best on real photos); nothing otherwise.
 */
export function inferenceSettingsOf(config: Pick<TrainConfig, 'selfSupervised'>): InferenceSettings | undefined {
  const stride = pixelShuffleStrideOf(config);
  const inference = config.selfSupervised?.pixelShuffleInferenceStride;
  if (stride === 1) {
    if (inference !== undefined && inference !== 1) {
      throw new DenoiseError('E_INVALID_ARGUMENT', 'A pixel-shuffle inference stride needs a pixel-shuffle training stride above 1');
    }
    return undefined;
  }
  const used = checkPixelShuffleStride(inference ?? 1);
  if (used > stride) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The pixel-shuffle inference stride (${used}) cannot exceed the training stride (${stride})`);
  }
  return { pixelShuffleStride: used };
}

function reflect(i: number, n: number): number {
  if (i < 0) return Math.min(n - 1, -i);
  if (i >= n) return Math.max(0, 2 * (n - 1) - i);
  return i;
}

/**
 * The noisy training set for a self-supervised run on clean images (a simulation, e.g. for
 * benchmarks): each image gets one fixed noisy realisation drawn from `seed`, and the clean
 * images are dropped. Fresh noise every batch would leak the clean image (its average), so the
 * realisation is drawn once, as a camera would have. With zero noise the images are used as they
 * are (already noisy photos).
 */
export function fixedNoisyCopies(images: readonly FloatImage[], noise: NoiseSpec, seed: number): FloatImage[] {
  if (isZeroNoise(noise)) return [...images];
  const rng = new Rng(seed);
  return images.map((image) => ({ ...image, data: corrupt(image.data, noise, rng, { channels: image.channels }).noisy }));
}

/** True for corruptions that leave images unchanged (gaussian:0, salt-pepper:0, masking:0). */
export function isZeroNoise(noise: NoiseSpec): boolean {
  switch (noise.type) {
    case 'gaussian':
      return noise.sigma === 0 && (noise.sigmaMax ?? 0) === 0;
    case 'salt-pepper':
      return noise.amount === 0;
    case 'masking':
      return noise.fraction === 0;
    case 'poisson-gaussian':
    case 'camera':
      return false;
    case 'mix':
      return noise.parts.every(isZeroNoise);
  }
}
