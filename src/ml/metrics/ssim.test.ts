import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { meanMetrics, scoreImage } from './mean-metrics';
import { gaussianKernel1d, SSIM_RADIUS, SSIM_WIN_SIZE, ssim, ssimPerChannel } from './ssim';

function texture(width: number, height: number, channels: 1 | 3, phase = 0): FloatImage {
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = 0.5 + 0.4 * Math.sin(0.5 * x + phase) * Math.cos(0.3 * y + c);
      }
    }
  }
  return { width, height, channels, data, bitDepth: 8 };
}

describe('ssim', () => {
  it('uses the 11-tap window skimage derives from truncate 3.5, sigma 1.5', () => {
    expect(SSIM_RADIUS).toBe(5);
    expect(SSIM_WIN_SIZE).toBe(11);
    const k = gaussianKernel1d(1.5, 5);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(k[5]).toBeGreaterThan(k[4] as number);
    expect(k[0]).toBeCloseTo(k[10] as number, 15);
  });

  it('is 1 for identical images, gray and colour', () => {
    const g = texture(40, 23, 1);
    const c = texture(17, 30, 3);
    expect(ssim(g, g)).toBeCloseTo(1, 12);
    expect(ssim(c, c)).toBeCloseTo(1, 12);
    expect(ssimPerChannel(c.data, c.data, 17, 30, 3)).toHaveLength(3);
  });

  it('is symmetric and drops for a different image', () => {
    const a = texture(32, 32, 1);
    const b = texture(32, 32, 1, 0.7);
    expect(ssim(a, b)).toBeLessThan(0.9);
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 12);
  });

  it('colour SSIM is the mean of the per-channel SSIMs', () => {
    const a = texture(20, 20, 3);
    const b = texture(20, 20, 3, 0.3);
    const per = ssimPerChannel(a.data, b.data, 20, 20, 3);
    expect(ssim(a, b)).toBeCloseTo(per.reduce((s, v) => s + v, 0) / 3, 12);
  });

  it('refuses images smaller than the window, as skimage does', () => {
    const a = texture(10, 40, 1);
    expect(() => ssim(a, a)).toThrow(DenoiseError);
    expect(ssim(texture(11, 11, 1), texture(11, 11, 1))).toBeCloseTo(1, 12);
  });
});

describe('meanMetrics', () => {
  it('averages per-image scores', () => {
    const a = texture(16, 16, 1);
    const s = scoreImage(a, a);
    expect(s.psnr).toBe(Infinity);
    expect(meanMetrics([{ psnr: 20, ssim: 0.5 }, { psnr: 30, ssim: 0.7 }])).toEqual({ psnr: 25, ssim: 0.6 });
    expect(() => meanMetrics([])).toThrow(DenoiseError);
  });
});
