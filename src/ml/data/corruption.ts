import { DenoiseError } from '../../shared/errors';
import type { NoiseSpec, SingleNoiseSpec } from '../../shared/noise';
import { addCameraNoise } from './camera-noise';
import { cameraNoiseLevel } from './noise-level';
import { samplePoisson } from './poisson';
import type { Rng } from './rng';

export interface CorruptOptions {
  /**
   * Side of the square patches packed in `clean` ([n, size, size, channels]). Noise levels drawn
   * from a range (gaussian sigma..sigmaMax) and the exact salt-and-pepper / masking counts apply
   * per patch. Default: the whole array is one patch.
   */
  patchSize?: number;
  /** Channels per pixel (default 1). Salt-and-pepper hits whole pixels, all channels at once. */
  channels?: 1 | 3;
}

export interface Corruption {
  noisy: Float32Array;
  /** Masking only: 1 where the input was zeroed, one entry per value (for blind-spot losses). */
  mask?: Uint8Array;
  /**
   * The level (0..255 scale) of each patch, for noise-level-aware models: a gaussian patch's
   * sigma, a camera patch's level in the automatic estimate's units (noise-level.ts). Absent when some patch's
   * corruption has no level (salt-and-pepper, masking, Poisson-Gaussian).
   */
  sigmas?: Float32Array;
  /**
   * What the model should give back, where that is not the clean input: camera noise's
   * reference (the same camera's photo without sensor noise, camera-noise.ts), the clean values
   * elsewhere. Absent when every patch's aim is its clean input.
   */
  target?: Float32Array;
}

function invalid(noise: NoiseSpec, why: string): DenoiseError {
  return new DenoiseError('E_INVALID_ARGUMENT', `Invalid ${noise.type} noise: ${why}.`, { noise });
}

function checkSpec(noise: NoiseSpec): void {
  const inUnit = (v: number): boolean => v >= 0 && v <= 1;
  switch (noise.type) {
    case 'mix':
      if (noise.parts.length < 2) throw invalid(noise, 'a mix needs at least two parts');
      // Checked here, not when a batch happens to draw it: its blind-spot mask covers the whole batch.
      if (noise.parts.some((part) => part.type === 'masking')) throw invalid(noise, 'masking cannot be mixed with other noise');
      for (const part of noise.parts) checkSpec(part);
      return;
    case 'camera':
      return;
    case 'gaussian':
      if (!(noise.sigma >= 0)) throw invalid(noise, 'sigma must be 0 or more');
      if (noise.sigmaMax !== undefined && !(noise.sigmaMax >= noise.sigma)) {
        throw invalid(noise, 'the top of the sigma range is below its bottom');
      }
      return;
    case 'salt-pepper':
      if (!inUnit(noise.amount)) throw invalid(noise, 'amount must be in [0, 1]');
      return;
    case 'masking':
      if (!inUnit(noise.fraction)) throw invalid(noise, 'fraction must be in [0, 1]');
      return;
    case 'poisson-gaussian':
      if (!(noise.peak > 0)) throw invalid(noise, 'peak must be above 0');
      if (!(noise.sigma >= 0)) throw invalid(noise, 'sigma must be 0 or more');
      return;
  }
}

interface Layout {
  patches: number;
  valuesPerPatch: number;
  channels: number;
}

function layoutOf(length: number, options: CorruptOptions): Layout {
  const channels = options.channels ?? 1;
  if (length === 0) return { patches: 0, valuesPerPatch: channels, channels };
  const valuesPerPatch = options.patchSize === undefined ? length : options.patchSize * options.patchSize * channels;
  if (valuesPerPatch <= 0 || length % valuesPerPatch !== 0 || valuesPerPatch % channels !== 0) {
    throw new DenoiseError(
      'E_INVALID_ARGUMENT',
      `Cannot split ${length} values into patches of ${options.patchSize ?? '?'} x ${options.patchSize ?? '?'} x ${channels}.`,
    );
  }
  return { patches: length / valuesPerPatch, valuesPerPatch, channels };
}

/**
 * Picks exactly `k` distinct indices in [0, n) (partial Fisher-Yates). Exact counts rather than
 * a coin per pixel keep every patch at the requested difficulty, which matters for small patches.
 */
function chooseIndices(n: number, k: number, rng: Rng, scratch: Uint32Array): Uint32Array {
  for (let i = 0; i < n; i++) scratch[i] = i;
  for (let j = 0; j < k; j++) {
    const r = j + rng.int(n - j);
    const tmp = scratch[j] ?? 0;
    scratch[j] = scratch[r] ?? 0;
    scratch[r] = tmp;
  }
  return scratch.subarray(0, k);
}

function gaussian(clean: Float32Array, noise: { sigma: number; sigmaMax?: number }, rng: Rng, layout: Layout): Corruption {
  const noisy = new Float32Array(clean.length);
  const sigmas = new Float32Array(layout.patches);
  for (let p = 0; p < layout.patches; p++) {
    const sigma = noise.sigmaMax === undefined ? noise.sigma : noise.sigma + (noise.sigmaMax - noise.sigma) * rng.next();
    sigmas[p] = sigma;
    const scale = sigma / 255;
    const end = (p + 1) * layout.valuesPerPatch;
    // Not clipped to [0, 1]: the benchmark protocol feeds unclipped noisy inputs, and clipping
    // would bias the noise at dark and bright pixels.
    for (let i = p * layout.valuesPerPatch; i < end; i++) noisy[i] = (clean[i] ?? 0) + scale * rng.normal();
  }
  return { noisy, sigmas };
}

function saltPepper(clean: Float32Array, amount: number, rng: Rng, layout: Layout): Corruption {
  const noisy = Float32Array.from(clean);
  const pixels = layout.valuesPerPatch / layout.channels;
  const k = Math.round(amount * pixels);
  const scratch = new Uint32Array(pixels);
  for (let p = 0; p < layout.patches; p++) {
    for (const pixel of chooseIndices(pixels, k, rng, scratch)) {
      const value = rng.next() < 0.5 ? 0 : 1;
      const start = p * layout.valuesPerPatch + pixel * layout.channels;
      noisy.fill(value, start, start + layout.channels);
    }
  }
  return { noisy };
}

function masking(clean: Float32Array, fraction: number, rng: Rng, layout: Layout): Corruption {
  const noisy = Float32Array.from(clean);
  const mask = new Uint8Array(clean.length);
  const k = Math.round(fraction * layout.valuesPerPatch);
  const scratch = new Uint32Array(layout.valuesPerPatch);
  for (let p = 0; p < layout.patches; p++) {
    for (const index of chooseIndices(layout.valuesPerPatch, k, rng, scratch)) {
      const i = p * layout.valuesPerPatch + index;
      noisy[i] = 0;
      mask[i] = 1;
    }
  }
  return { noisy, mask };
}

function poissonGaussian(clean: Float32Array, peak: number, sigma: number, rng: Rng): Corruption {
  const noisy = new Float32Array(clean.length);
  const scale = sigma / 255;
  for (let i = 0; i < clean.length; i++) {
    const photons = samplePoisson((clean[i] ?? 0) * peak, rng);
    noisy[i] = photons / peak + (scale > 0 ? scale * rng.normal() : 0);
  }
  return { noisy };
}

function camera(clean: Float32Array, rng: Rng, layout: Layout): Corruption {
  const size = Math.round(Math.sqrt(layout.valuesPerPatch / layout.channels));
  if (size * size * layout.channels !== layout.valuesPerPatch) throw new DenoiseError('E_INVALID_ARGUMENT', 'Camera noise needs square patches (give patchSize)');
  const channels = layout.channels === 3 ? 3 : 1;
  const { noisy, reference } = addCameraNoise(clean, rng, { patches: layout.patches, patchSize: size, channels });
  const sigmas = new Float32Array(layout.patches);
  for (let p = 0; p < layout.patches; p++) sigmas[p] = cameraNoiseLevel(noisy, reference, p * layout.valuesPerPatch, size, channels, rng);
  return { noisy, sigmas, target: reference };
}

/** Each patch through one part drawn at random; levels only when every part has them. */
function mix(clean: Float32Array, parts: SingleNoiseSpec[], rng: Rng, layout: Layout): Corruption {
  const noisy = new Float32Array(clean.length);
  const sigmas = new Float32Array(layout.patches);
  // Filled only if some patch's aim differs from its clean input.
  let target: Float32Array | undefined;
  let everyPatchHasLevel = true;
  const patchLayout: Layout = { ...layout, patches: 1 };
  for (let p = 0; p < layout.patches; p++) {
    const part = parts[rng.int(parts.length)] as SingleNoiseSpec;
    const range = [p * layout.valuesPerPatch, (p + 1) * layout.valuesPerPatch] as const;
    const one = corruptSingle(clean.subarray(...range), part, rng, patchLayout);
    noisy.set(one.noisy, range[0]);
    if (one.target) {
      target ??= Float32Array.from(clean);
      target.set(one.target, range[0]);
    }
    if (one.sigmas) sigmas[p] = one.sigmas[0] as number;
    else everyPatchHasLevel = false;
  }
  return { noisy, ...(everyPatchHasLevel ? { sigmas } : {}), ...(target ? { target } : {}) };
}

/**
 * Makes the noisy input of a training pair from clean values in [0, 1]. Levels use the units of
 * NoiseSpec (sigma on the 0..255 scale). Every random choice comes from `rng`, so a seed fixes
 * the result. `clean` is never modified.
 */
export function corrupt(clean: Float32Array, noise: NoiseSpec, rng: Rng, options: CorruptOptions = {}): Corruption {
  checkSpec(noise);
  const layout = layoutOf(clean.length, options);
  if (noise.type === 'mix') return mix(clean, noise.parts, rng, layout);
  return corruptSingle(clean, noise, rng, layout);
}

function corruptSingle(clean: Float32Array, noise: SingleNoiseSpec, rng: Rng, layout: Layout): Corruption {
  switch (noise.type) {
    case 'camera':
      return camera(clean, rng, layout);
    case 'gaussian':
      return gaussian(clean, noise, rng, layout);
    case 'salt-pepper':
      return saltPepper(clean, noise.amount, rng, layout);
    case 'masking':
      return masking(clean, noise.fraction, rng, layout);
    case 'poisson-gaussian':
      return poissonGaussian(clean, noise.peak, noise.sigma, rng);
  }
}
