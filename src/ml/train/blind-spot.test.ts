import { describe, expect, it } from 'vitest';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { blindSpotMask, fixedNoisyCopies, inferenceSettingsOf, isZeroNoise, pixelShuffleStrideOf } from './blind-spot';

describe('blind-spot masking', () => {
  const size = 16;
  const noisy = (): Float32Array => {
    const rng = new Rng(1);
    return Float32Array.from({ length: 2 * size * size }, () => rng.next());
  };

  const reflect = (i: number): number => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);

  it('replaces one pixel per grid cell with a neighbour within the radius, never itself, and masks exactly those', () => {
    const data = noisy();
    const { input, mask } = blindSpotMask(data, size, 1, new Rng(2), { fraction: 1 / 16, radius: 2 });
    for (let p = 0; p < 2; p++) {
      let masked = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const i = p * size * size + y * size + x;
          if (mask[i] === 0) {
            expect(input[i]).toBe(data[i]);
            continue;
          }
          masked++;
          expect(input[i]).not.toBe(data[i]);
          // The new value is one of the noisy values in the 5 x 5 window (reflected at the border).
          const window: number[] = [];
          for (let dy = -2; dy <= 2; dy++) {
            for (let dx = -2; dx <= 2; dx++) {
              if (dy === 0 && dx === 0) continue;
              window.push(data[p * size * size + reflect(y + dy) * size + reflect(x + dx)] as number);
            }
          }
          expect(window).toContain(input[i]);
        }
      }
      // A 4 x 4 grid of cells, one blind spot each.
      expect(masked).toBe(16);
    }
    // One seed, one mask.
    expect(Array.from(blindSpotMask(data, size, 1, new Rng(2), { fraction: 1 / 16, radius: 2 }).mask)).toEqual(Array.from(mask));
  });

  it('masks every channel of an RGB pixel together', () => {
    const data = Float32Array.from({ length: size * size * 3 }, (_, i) => i);
    const { mask } = blindSpotMask(data, size, 3, new Rng(3), { fraction: 0.03, radius: 1 });
    for (let px = 0; px < size * size; px++) expect(new Set([mask[px * 3], mask[px * 3 + 1], mask[px * 3 + 2]]).size).toBe(1);
  });

  it('makes one fixed noisy copy per image from the seed, and leaves images alone at zero noise', () => {
    const image: FloatImage = { width: 64, height: 64, channels: 1, bitDepth: 8, data: new Float32Array(64 * 64).fill(0.5) };
    const [a] = fixedNoisyCopies([image], { type: 'gaussian', sigma: 25 }, 7);
    const [b] = fixedNoisyCopies([image], { type: 'gaussian', sigma: 25 }, 7);
    expect(Array.from(a?.data ?? [])).toEqual(Array.from(b?.data ?? []));
    const values = Array.from(a?.data ?? []);
    const std = Math.sqrt(values.reduce((s, v) => s + (v - 0.5) ** 2, 0) / values.length);
    expect(std).toBeCloseTo(25 / 255, 2);
    expect(image.data[0]).toBe(0.5);
    expect(fixedNoisyCopies([image], { type: 'gaussian', sigma: 0 }, 7)[0]).toBe(image);
    expect(isZeroNoise({ type: 'gaussian', sigma: 0, sigmaMax: 10 })).toBe(false);
  });

  it('reads the pixel-shuffle strides of a run: what it trains on and what the model stores for denoising', () => {
    const ss = (extra: object) => ({ selfSupervised: { fraction: 0.03, radius: 2, ...extra } });
    expect(pixelShuffleStrideOf({})).toBe(1);
    expect(pixelShuffleStrideOf(ss({}))).toBe(1);
    expect(pixelShuffleStrideOf(ss({ pixelShuffleStride: 4 }))).toBe(4);
    expect(inferenceSettingsOf(ss({}))).toBeUndefined();
    expect(inferenceSettingsOf(ss({ pixelShuffleStride: 4 }))).toEqual({ pixelShuffleStride: 1 });
    expect(inferenceSettingsOf(ss({ pixelShuffleStride: 4, pixelShuffleInferenceStride: 2 }))).toEqual({ pixelShuffleStride: 2 });
    expect(() => pixelShuffleStrideOf(ss({ pixelShuffleStride: 0 }))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => inferenceSettingsOf(ss({ pixelShuffleStride: 2, pixelShuffleInferenceStride: 3 }))).toThrow('cannot exceed the training stride');
    expect(() => inferenceSettingsOf(ss({ pixelShuffleInferenceStride: 2 }))).toThrow('needs a pixel-shuffle training stride above 1');
  });
});
