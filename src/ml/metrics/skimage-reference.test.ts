import { describe, expect, it } from 'vitest';
import type { FloatImage } from '../data/image';
import { psnr } from './psnr';
import { ssim } from './ssim';

/*
 * Expected values were produced once with Debian's python3-skimage 0.19.3 (scipy 1.10.1,
 * numpy 1.24.2) by the functions of ../shared/bench/common.py on the inputs built below:
 *
 *   def lcg(seed, n):                      # MINSTD, exact in float64 and in JS numbers
 *       s = seed; out = np.empty(n)
 *       for i in range(n):
 *           s = (s * 48271) % 2147483647; out[i] = s / 2147483647
 *       return out
 *   def pattern(w, h, c, seed):
 *       y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing='ij')
 *       clean_d = 0.5 + 0.35*np.sin(0.37*x + 0.11*y + 0.9*ch)*np.cos(0.23*y - 0.05*x + 0.4*ch)
 *       noisy = (clean_d + 0.5*(lcg(seed, w*h*c).reshape(h, w, c) - 0.5)).astype(np.float32)
 *       return clean_d.astype(np.float32), noisy
 *   # gray: pattern(37, 29, 1, 12345)[..., 0]; color: pattern(24, 31, 3, 777)
 *   psnr(np.clip(noisy, 0, 1), clean), psnr(noisy, clean),
 *   ssim(np.clip(noisy, 0, 1), clean), ssim(noisy, clean)
 *   # scaled: (clean.astype(np.float64)*0.8 + 0.1).astype(np.float32) against the gray clean
 *
 * The noisy images reach outside [0, 1] on purpose, so the clipped and unclipped scores differ.
 */
function lcg(seed: number, n: number): Float64Array {
  let s = seed;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 48271) % 2147483647;
    out[i] = s / 2147483647;
  }
  return out;
}

function pattern(width: number, height: number, channels: 1 | 3, seed: number): { clean: FloatImage; noisy: FloatImage } {
  const n = width * height * channels;
  const u = lcg(seed, n);
  const clean = new Float32Array(n);
  const noisy = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * width + x) * channels + c;
        const v = 0.5 + 0.35 * Math.sin(0.37 * x + 0.11 * y + 0.9 * c) * Math.cos(0.23 * y - 0.05 * x + 0.4 * c);
        clean[i] = v;
        noisy[i] = v + 0.5 * ((u[i] as number) - 0.5);
      }
    }
  }
  const image = (data: Float32Array): FloatImage => ({ width, height, channels, data, bitDepth: 8 });
  return { clean: image(clean), noisy: image(noisy) };
}

// Observed agreement is ~1e-15; the margin only allows for libm differences in Math.sin.
const TOL = 1e-9;

describe('metrics against scikit-image', () => {
  it('gray 37x29', () => {
    const { clean, noisy } = pattern(37, 29, 1, 12345);
    expect(Math.min(...noisy.data)).toBeLessThan(0);
    expect(psnr(noisy, clean)).toBeCloseTo(16.86401765381844, 9);
    expect(psnr(noisy, clean, { clip: false })).toBeCloseTo(16.826647627562906, 9);
    expect(Math.abs(ssim(noisy, clean) - 0.5136837832087835)).toBeLessThan(TOL);
    expect(Math.abs(ssim(noisy, clean, { clip: false }) - 0.512585705719629)).toBeLessThan(TOL);
  });

  it('colour 24x31x3 (mean over channels)', () => {
    const { clean, noisy } = pattern(24, 31, 3, 777);
    expect(psnr(noisy, clean)).toBeCloseTo(16.77515153067549, 9);
    expect(psnr(noisy, clean, { clip: false })).toBeCloseTo(16.72204467763931, 9);
    expect(Math.abs(ssim(noisy, clean) - 0.4875895752611277)).toBeLessThan(TOL);
    expect(Math.abs(ssim(noisy, clean, { clip: false }) - 0.48689190151826117)).toBeLessThan(TOL);
  });

  it('a contrast and brightness change (luminance term)', () => {
    const { clean } = pattern(37, 29, 1, 12345);
    const scaled: FloatImage = { ...clean, data: clean.data.map((v) => v * 0.8 + 0.1) };
    expect(psnr(scaled, clean)).toBeCloseTo(29.126658704935355, 9);
    expect(Math.abs(ssim(scaled, clean) - 0.9746390707072597)).toBeLessThan(TOL);
  });
});
