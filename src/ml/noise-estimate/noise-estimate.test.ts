import { describe, expect, it } from 'vitest';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { texturePixels } from '../../test-support/textures';
import { estimateNoiseLevel } from './index';
import { estimateNoisePca, noiseVarianceFromEigenvalues } from './pca-estimate';
import { symmetricEigenvalues } from '../models/pca';
import { estimateNoiseWaveletMad } from './wavelet-mad';

/**
 * A generated textured image with Gaussian noise of known sigma, clipped and quantised to 8 bits
 * as a file is. The texture is squeezed into [51, 204] so that clipping (which really does take
 * noise away) stays rare and the added sigma is the level to find.
 */
function noisyTexture(side: number, channels: 1 | 3, sigma: number, seed: number): FloatImage {
  const clean = texturePixels(side, side, channels, seed);
  const rng = new Rng(seed + 1);
  const data = Float32Array.from(clean, (v) => Math.round(Math.min(255, Math.max(0, 51 + 0.6 * v + sigma * rng.normal()))) / 255);
  return { width: side, height: side, channels, bitDepth: 8, data };
}

const within = (estimate: number, sigma: number): boolean => Math.abs(estimate - sigma) <= Math.max(0.1 * sigma, 1.5);

describe('symmetric eigenvalues', () => {
  it('match a known spectrum: Q diag(l) Q^T from a random orthogonal Q', () => {
    const n = 12;
    const rng = new Rng(3);
    // Q from Gram-Schmidt on a random matrix.
    const q: number[][] = [];
    for (let i = 0; i < n; i++) {
      let v = Array.from({ length: n }, () => rng.normal());
      for (const u of q) {
        const dot = v.reduce((s, x, k) => s + x * (u[k] as number), 0);
        v = v.map((x, k) => x - dot * (u[k] as number));
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    const spectrum = Array.from({ length: n }, (_, i) => (i - 4) * 0.75);
    const a = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] = spectrum.reduce((s, l, k) => s + l * (q[k]?.[r] as number) * (q[k]?.[c] as number), 0);
    const values = Array.from(symmetricEigenvalues(a, n));
    values.forEach((v, i) => expect(v).toBeCloseTo(spectrum[i] as number, 9));
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow(RangeError);
  });
});

describe("Chen et al.'s eigenvalue rule", () => {
  it('returns the noise variance when the spectrum is noise plus a few large signal components', () => {
    const ascending = Float64Array.from([...Array.from({ length: 60 }, (_, i) => 4 + (i % 2 === 0 ? 0.1 : -0.1)), 50, 200, 900, 4000].sort((a, b) => a - b));
    expect(noiseVarianceFromEigenvalues(ascending)).toBeCloseTo(4, 1);
  });
});

describe('noise level estimate', () => {
  it.each([
    [1, 5],
    [1, 15],
    [1, 25],
    [3, 5],
    [3, 15],
    [3, 25],
  ] as const)('channels %i, sigma %i: within a tenth or 1.5 levels on an 8-bit textured image', async (channels, sigma) => {
    const image = noisyTexture(160, channels, sigma, 10 + sigma);
    const { sigma: estimate, method } = await estimateNoiseLevel(image);
    expect(method).toBe('pca-weak-texture');
    expect(within(estimate, sigma), `estimate ${estimate} for sigma ${sigma}`).toBe(true);
  });

  it('a gray image stored as RGB (three equal channels) gets its gray level, not zero', async () => {
    const gray = noisyTexture(128, 1, 20, 5);
    const data = new Float32Array(gray.data.length * 3);
    gray.data.forEach((v, i) => data.fill(v, 3 * i, 3 * i + 3));
    const asRgb: FloatImage = { ...gray, channels: 3, data };
    expect((await estimateNoiseLevel(asRgb)).sigma).toBeCloseTo((await estimateNoiseLevel(gray)).sigma, 6);
  });

  it('reads a clean image as (nearly) noise-free', async () => {
    const image = noisyTexture(128, 1, 0, 4);
    expect((await estimateNoiseLevel(image)).sigma).toBeLessThan(1.5);
  });

  it('grows with the noise (monotone over levels)', async () => {
    const estimates = [];
    for (const sigma of [2, 8, 20, 40]) estimates.push(await estimateNoisePca(noisyTexture(128, 1, sigma, 7)));
    for (let i = 1; i < estimates.length; i++) expect(estimates[i]).toBeGreaterThan(estimates[i - 1] as number);
  });

  it('wavelet MAD, the comparison method, finds the level of pure noise', () => {
    const rng = new Rng(9);
    const data = Float32Array.from({ length: 128 * 128 }, () => 0.5 + (20 / 255) * rng.normal());
    expect(estimateNoiseWaveletMad({ width: 128, height: 128, channels: 1, bitDepth: 8, data })).toBeCloseTo(20, 0);
  });

  it('refuses an image smaller than one patch with a clear error', async () => {
    const tiny: FloatImage = { width: 6, height: 40, channels: 1, bitDepth: 8, data: new Float32Array(240) };
    await expect(estimateNoiseLevel(tiny)).rejects.toMatchObject({ code: 'E_IMAGE_TOO_SMALL' });
  });
});
