import { describe, expect, it } from 'vitest';
import {
  BLUE_GAIN_RANGE,
  RED_GAIN_RANGE,
  bayerChannel,
  demosaicBilinear,
  linearToSrgb,
  linearToSrgbFast,
  randomCameraColour,
  sensorMosaic,
  srgbToLinear,
  srgbToLinearFast,
} from './camera-pipeline';
import { Rng } from './rng';

describe('camera pipeline: curves', () => {
  it('linearToSrgb inverts srgbToLinear, and both are monotone with fixed ends', () => {
    let previous = -1;
    for (let k = 0; k <= 1000; k++) {
      const y = k / 1000;
      const x = srgbToLinear(y);
      expect(x).toBeGreaterThanOrEqual(previous);
      previous = x;
      expect(linearToSrgb(x)).toBeCloseTo(y, 6);
    }
    expect(srgbToLinear(1)).toBeCloseTo(1, 9);
    expect(srgbToLinear(0)).toBeLessThan(1e-12);
    // Mid-gray is much darker in linear light (tone curve, then gamma 2.2): 0.5^2.2.
    expect(srgbToLinear(0.5)).toBeCloseTo(0.5 ** 2.2, 6);
  });

  it('the table versions stay within their stated accuracy', () => {
    let forward = 0;
    let roundTrip = 0;
    let backward = 0;
    for (let k = 0; k <= 200000; k++) {
      const v = k / 200000;
      forward = Math.max(forward, Math.abs(srgbToLinearFast(v) - srgbToLinear(v)));
      roundTrip = Math.max(roundTrip, Math.abs(linearToSrgb(srgbToLinearFast(v)) - v));
      backward = Math.max(backward, Math.abs(linearToSrgbFast(v) - linearToSrgb(v)));
    }
    expect(forward).toBeLessThan(0.005);
    expect(roundTrip * 255).toBeLessThan(0.02);
    expect(backward).toBeLessThan(1e-6);
  });
});

describe('camera pipeline: random camera', () => {
  it('draws colour matrices whose rows sum to 1 with an exact inverse, and gains in range', () => {
    const rng = new Rng(3);
    for (let draw = 0; draw < 50; draw++) {
      const { rgbToCam, camToRgb, gains } = randomCameraColour(rng);
      for (let r = 0; r < 3; r++) {
        expect((rgbToCam[r * 3] ?? 0) + (rgbToCam[r * 3 + 1] ?? 0) + (rgbToCam[r * 3 + 2] ?? 0)).toBeCloseTo(1, 9);
        for (let c = 0; c < 3; c++) {
          let product = 0;
          for (let k = 0; k < 3; k++) product += (camToRgb[r * 3 + k] ?? 0) * (rgbToCam[k * 3 + c] ?? 0);
          expect(product).toBeCloseTo(r === c ? 1 : 0, 9);
        }
      }
      const [red, green, blue] = gains;
      expect(green).toBeGreaterThanOrEqual(1 / 1.1 - 1e-12);
      expect(green).toBeLessThanOrEqual(2 + 1e-12);
      expect(red / green).toBeGreaterThanOrEqual(RED_GAIN_RANGE[0]);
      expect(red / green).toBeLessThanOrEqual(RED_GAIN_RANGE[1]);
      expect(blue / green).toBeGreaterThanOrEqual(BLUE_GAIN_RANGE[0]);
      expect(blue / green).toBeLessThanOrEqual(BLUE_GAIN_RANGE[1]);
    }
  });
});

describe('camera pipeline: mosaic and demosaic', () => {
  it('lays out RGGB', () => {
    expect([bayerChannel(0, 0), bayerChannel(0, 1), bayerChannel(1, 0), bayerChannel(1, 1), bayerChannel(2, 3)]).toEqual([0, 1, 1, 2, 1]);
  });

  it('records gray as gray / gain per site, and keeps white saturated (highlight-preserving inverse gains)', () => {
    const size = 4;
    const colour = randomCameraColour(new Rng(11));
    const out = new Float32Array(size * size);
    sensorMosaic(new Float32Array(size * size * 3).fill(0.2), size, colour, out);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        expect(out[row * size + col]).toBeCloseTo(0.2 / (colour.gains[bayerChannel(row, col)] ?? 1), 6);
      }
    }
    sensorMosaic(new Float32Array(size * size * 3).fill(1), size, colour, out);
    for (const v of out) expect(v).toBeCloseTo(1, 6);
  });

  it('demosaics bilinearly: known sites kept, linear images rebuilt exactly inside the border', () => {
    const size = 8;
    // Each channel a different plane a + b * row + c * col, sampled on its own Bayer sites.
    const plane = (channel: number, row: number, col: number): number => 0.1 * channel + 0.03 * row + 0.02 * (channel + 1) * col;
    const bayer = new Float32Array(size * size);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) bayer[row * size + col] = plane(bayerChannel(row, col), row, col);
    }
    const rgb = new Float32Array(size * size * 3);
    demosaicBilinear(bayer, size, rgb);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        const own = bayerChannel(row, col);
        expect(rgb[(row * size + col) * 3 + own]).toBe(bayer[row * size + col]);
        if (row === 0 || col === 0 || row === size - 1 || col === size - 1) continue;
        for (let c = 0; c < 3; c++) expect(rgb[(row * size + col) * 3 + c]).toBeCloseTo(plane(c, row, col), 5);
      }
    }
  });
});
