import { describe, expect, it } from 'vitest';
import type { NoiseSpec } from '../../shared/noise';
import { corrupt } from './corruption';
import { ESTIMATE_PER_FINEST_SCALE_RANGE, finestScaleLevel } from './noise-level';
import { Rng } from './rng';

function stats(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ?? 0;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += ((values[i] ?? 0) - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

function residual(noisy: Float32Array, clean: Float32Array, from = 0, to = clean.length): Float64Array {
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = (noisy[i] ?? 0) - (clean[i] ?? 0);
  return out;
}

const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (i % 101) / 100);

describe('corrupt: gaussian', () => {
  it('adds zero-mean noise with std sigma/255 and does not clip', () => {
    const clean = ramp(200_000);
    const { noisy, sigmas } = corrupt(clean, { type: 'gaussian', sigma: 25 }, new Rng(1));
    const { mean, std } = stats(residual(noisy, clean));
    expect(std).toBeCloseTo(25 / 255, 3);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(Array.from(sigmas ?? [])).toEqual([25]);
    // Clean 0 and 1 are in the ramp; unclipped noise must leave [0, 1] on both sides.
    expect(noisy.some((v) => v < 0)).toBe(true);
    expect(noisy.some((v) => v > 1)).toBe(true);
  });

  it('draws one sigma per patch from [sigma, sigmaMax] and uses it for that patch', () => {
    const size = 32;
    const patches = 64;
    const clean = new Float32Array(patches * size * size).fill(0.5);
    const { noisy, sigmas } = corrupt(clean, { type: 'gaussian', sigma: 5, sigmaMax: 50 }, new Rng(2), { patchSize: size });
    expect(sigmas).toHaveLength(patches);
    const values = Array.from(sigmas ?? []);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...values)).toBeLessThanOrEqual(50);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(20);
    values.forEach((sigma, p) => {
      const { std } = stats(residual(noisy, clean, p * size * size, (p + 1) * size * size));
      // 1024 samples per patch: the std estimate is within about 10 % (4.5 standard errors).
      expect(Math.abs(std - sigma / 255) / (sigma / 255)).toBeLessThan(0.1);
    });
  });

  it('is reproducible from the seed and leaves the input untouched', () => {
    const clean = ramp(1000);
    const copy = Float32Array.from(clean);
    const a = corrupt(clean, { type: 'gaussian', sigma: 10, sigmaMax: 30 }, new Rng(5), { patchSize: 10 });
    const b = corrupt(clean, { type: 'gaussian', sigma: 10, sigmaMax: 30 }, new Rng(5), { patchSize: 10 });
    const c = corrupt(clean, { type: 'gaussian', sigma: 10, sigmaMax: 30 }, new Rng(6), { patchSize: 10 });
    expect(a).toEqual(b);
    expect(a.noisy).not.toEqual(c.noisy);
    expect(clean).toEqual(copy);
  });
});

describe('corrupt: salt-and-pepper', () => {
  it('sets exactly the requested fraction of pixels, all channels, to 0 or 1', () => {
    const size = 16;
    const clean = new Float32Array(10 * size * size * 3).fill(0.5);
    const { noisy } = corrupt(clean, { type: 'salt-pepper', amount: 0.2 }, new Rng(3), { patchSize: size, channels: 3 });
    for (let p = 0; p < 10; p++) {
      let hit = 0;
      let salt = 0;
      for (let px = 0; px < size * size; px++) {
        const i = (p * size * size + px) * 3;
        const v = [noisy[i], noisy[i + 1], noisy[i + 2]];
        if (v[0] !== 0.5) {
          hit += 1;
          if (v[0] === 1) salt += 1;
          expect(v[0] === 0 || v[0] === 1).toBe(true);
          expect(v[1]).toBe(v[0]);
          expect(v[2]).toBe(v[0]);
        }
      }
      expect(hit).toBe(Math.round(0.2 * size * size));
      expect(salt).toBeGreaterThan(10);
      expect(salt).toBeLessThan(hit - 10);
    }
  });
});

describe('corrupt: masking', () => {
  it('zeroes exactly the requested fraction of inputs and reports them in the mask', () => {
    const size = 8;
    const clean = ramp(20 * size * size).map((v) => v + 0.01);
    const { noisy, mask } = corrupt(clean, { type: 'masking', fraction: 0.25 }, new Rng(4), { patchSize: size });
    expect(mask).toBeDefined();
    for (let p = 0; p < 20; p++) {
      let masked = 0;
      for (let i = p * size * size; i < (p + 1) * size * size; i++) {
        if (mask?.[i] === 1) {
          masked += 1;
          expect(noisy[i]).toBe(0);
        } else {
          expect(noisy[i]).toBe(clean[i]);
        }
      }
      expect(masked).toBe(16);
    }
  });
});

describe('corrupt: poisson-gaussian', () => {
  it('has mean x and variance x/peak + (sigma/255)^2', () => {
    for (const [x, peak] of [
      [0.5, 30],
      [0.2, 4],
      [0.8, 1000],
    ] as const) {
      const clean = new Float32Array(100_000).fill(x);
      const { noisy } = corrupt(clean, { type: 'poisson-gaussian', peak, sigma: 5 }, new Rng(8));
      const { mean, std } = stats(noisy);
      const expectedStd = Math.sqrt(x / peak + (5 / 255) ** 2);
      expect(Math.abs(mean - x)).toBeLessThan(4 * (expectedStd / Math.sqrt(100_000)));
      expect(Math.abs(std - expectedStd) / expectedStd).toBeLessThan(0.02);
    }
  });

  it('gives pure shot noise (integer photon counts / peak) when sigma is 0', () => {
    const clean = new Float32Array(1000).fill(0.3);
    const { noisy } = corrupt(clean, { type: 'poisson-gaussian', peak: 10, sigma: 0 }, new Rng(1));
    noisy.forEach((v) => expect(Math.abs(v * 10 - Math.round(v * 10))).toBeLessThan(1e-5));
  });
});

describe('corrupt: arguments', () => {
  it('rejects impossible levels and a patch size that does not divide the data', () => {
    const clean = new Float32Array(64);
    const bad: NoiseSpec[] = [
      { type: 'gaussian', sigma: -1 },
      { type: 'gaussian', sigma: 20, sigmaMax: 10 },
      { type: 'salt-pepper', amount: 1.5 },
      { type: 'masking', fraction: Number.NaN },
      { type: 'poisson-gaussian', peak: 0, sigma: 1 },
    ];
    for (const noise of bad) {
      expect(() => corrupt(clean, noise, new Rng(0))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    }
    expect(() => corrupt(clean, { type: 'gaussian', sigma: 1 }, new Rng(0), { patchSize: 3 })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(corrupt(new Float32Array(0), { type: 'masking', fraction: 0.5 }, new Rng(0)).noisy).toHaveLength(0);
  });
});

describe('corrupt: camera noise and mixes', () => {
  const size = 16;
  const patches = 8;
  /** Smooth mid-tone patches (one gentle ramp each): no texture for JPEG to alter. */
  const midGray = (channels: 1 | 3): Float32Array =>
    Float32Array.from({ length: patches * size * size * channels }, (_, i) => {
      const pixel = Math.floor(i / channels);
      return 0.35 + 0.02 * Math.floor(pixel / (size * size)) + (0.1 * (pixel % size)) / size;
    });

  it('gives camera patches a level below the noise std, a drawn share of its finest-scale level (what the automatic estimate may read of correlated noise)', () => {
    const clean = midGray(3);
    const { noisy, sigmas, target } = corrupt(clean, { type: 'camera' }, new Rng(3), { patchSize: size, channels: 3 });
    expect(sigmas).toHaveLength(patches);
    if (!target) throw new Error('camera noise gives its reference as the target');
    const per = size * size * 3;
    const [low, high] = ESTIMATE_PER_FINEST_SCALE_RANGE;
    const ratios: number[] = [];
    for (let p = 0; p < patches; p++) {
      const std = stats(residual(noisy, target, p * per, (p + 1) * per)).std * 255;
      const finest = finestScaleLevel(noisy, target, p * per, size, 3);
      const level = sigmas?.[p] ?? Number.NaN;
      expect(level).toBeGreaterThan(0);
      // Demosaicing spreads the noise over neighbours, so its finest scale holds less than all of it.
      expect(finest).toBeLessThan(std);
      expect(level).toBeGreaterThanOrEqual(low * finest);
      expect(level).toBeLessThanOrEqual(high * finest);
      ratios.push(level / finest);
    }
    // One ratio for every patch taught models that a low level means no noise (noise-level.ts).
    expect(Math.max(...ratios) / Math.min(...ratios)).toBeGreaterThan(2);
  });

  it('the finest-scale level reads white noise at its sigma', () => {
    const clean = new Float32Array(64 * 64).fill(0.5);
    const noisy = corrupt(clean, { type: 'gaussian', sigma: 20 }, new Rng(1), { patchSize: 64 }).noisy;
    expect(finestScaleLevel(noisy, clean, 0, 64, 1)).toBeGreaterThan(19);
    expect(finestScaleLevel(noisy, clean, 0, 64, 1)).toBeLessThan(21);
    const mixed = corrupt(clean, { type: 'mix', parts: [{ type: 'gaussian', sigma: 20 }, { type: 'gaussian', sigma: 20 }] }, new Rng(1), { patchSize: 64 });
    expect(mixed.sigmas?.[0]).toBe(20);
  });

  it('draws one part per patch, keeps levels when every part has one, and is seeded', () => {
    const clean = midGray(1);
    const noise: NoiseSpec = { type: 'mix', parts: [{ type: 'gaussian', sigma: 50 }, { type: 'camera' }] };
    const a = corrupt(clean, noise, new Rng(9), { patchSize: size, channels: 1 });
    const b = corrupt(clean, noise, new Rng(9), { patchSize: size, channels: 1 });
    expect(Array.from(a.noisy)).toEqual(Array.from(b.noisy));
    const levels = Array.from(a.sigmas ?? []);
    expect(levels).toHaveLength(patches);
    // Both parts were drawn: some patches are exactly sigma 50, the camera ones are not.
    expect(levels.filter((l) => l === 50).length).toBeGreaterThan(0);
    expect(levels.filter((l) => l !== 50).length).toBeGreaterThan(0);
    // The aim is the clean patch for gaussian patches and the camera's reference for camera ones.
    const per = size * size;
    for (let p = 0; p < patches; p++) {
      const aim = Array.from(a.target?.subarray(p * per, (p + 1) * per) ?? []);
      const own = Array.from(clean.subarray(p * per, (p + 1) * per));
      if (levels[p] === 50) expect(aim).toEqual(own);
      else for (let i = 0; i < per; i++) expect(Math.abs((aim[i] ?? 0) - (own[i] ?? 0)) * 255).toBeLessThan(3);
    }
    expect(corrupt(clean, { type: 'mix', parts: [{ type: 'gaussian', sigma: 5 }, { type: 'gaussian', sigma: 9 }] }, new Rng(2), { patchSize: size, channels: 1 }).target).toBeUndefined();
    const withoutLevel = corrupt(clean, { type: 'mix', parts: [{ type: 'gaussian', sigma: 5 }, { type: 'salt-pepper', amount: 0.1 }] }, new Rng(2), { patchSize: size, channels: 1 });
    expect(withoutLevel.sigmas).toBeUndefined();
  });

  it('refuses a mix of one part, masking in a mix, and camera noise on non-square data', () => {
    const clean = midGray(1);
    const bad = (noise: NoiseSpec, options = { patchSize: size, channels: 1 as const }): void => {
      expect(() => corrupt(clean, noise, new Rng(0), options)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    };
    bad({ type: 'mix', parts: [{ type: 'camera' }] });
    bad({ type: 'mix', parts: [{ type: 'camera' }, { type: 'masking', fraction: 0.2 }] });
    expect(() => corrupt(new Float32Array(12 * 10), { type: 'camera' }, new Rng(0))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
