import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import { createFloatImage } from '../data/image';
import { mse, psnr, psnrFromMse } from './psnr';

describe('psnr', () => {
  it('is 10*log10(1/MSE) for a known MSE', () => {
    const ref = new Float32Array(1000).fill(0.5);
    const out = ref.map((v, i) => (i % 2 === 0 ? v + 0.1 : v - 0.1));
    expect(mse(out, ref)).toBeCloseTo(0.01, 7);
    expect(psnr(out, ref)).toBeCloseTo(20, 5);
    expect(psnrFromMse(1e-3)).toBeCloseTo(30, 10);
  });

  it('clips the output but not the reference, unless told not to', () => {
    const ref = new Float32Array([1, 0, 0.5, 0.5]);
    const out = new Float32Array([1.3, -0.2, 0.5, 0.5]);
    expect(psnr(out, ref)).toBe(Infinity);
    expect(mse(out, ref, { clip: false })).toBeCloseTo((0.09 + 0.04) / 4, 7);
    // A reference outside [0, 1] stays as it is.
    expect(mse(new Float32Array([1]), new Float32Array([1.5]))).toBeCloseTo(0.25, 7);
  });

  it('accepts FloatImages and refuses mismatched shapes', () => {
    const a = createFloatImage(4, 3, 3);
    const b = createFloatImage(3, 4, 3);
    expect(() => psnr(a, b)).toThrow(DenoiseError);
    expect(() => psnr(new Float32Array(3), new Float32Array(4))).toThrow(DenoiseError);
    a.data.fill(0.25);
    expect(psnr(a, createFloatImage(4, 3, 3))).toBeCloseTo(10 * Math.log10(16), 5);
  });
});
