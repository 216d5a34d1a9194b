import { expect } from 'vitest';
import type { FloatImage } from '../ml/data/image';

/**
 * A reproducible image of uniform values in (0, 1): the Park-Miller generator from `seed`, so
 * every test that needs "some image" gets the same one for the same seed.
 */
export function seededFloatImage(width: number, height: number, channels: 1 | 3, seed = 1): FloatImage {
  let s = seed;
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) {
    s = (s * 48271) % 2147483647;
    data[i] = s / 2147483647;
  }
  return { width, height, channels, bitDepth: 8, data };
}

/** The largest absolute difference between two arrays of the same length (checked). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}
