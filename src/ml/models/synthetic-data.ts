import { Rng } from '../data/rng';

/**
 * Small seeded synthetic images for the model tests (and quick demos): they must be fast to
 * make, never read from disk, and have the structure of image patches (smooth regions, edges,
 * blobs), so that the properties tested hold for the same reasons they hold on photos.
 */

/**
 * n gray patches of size x size, [n, size, size, 1] flattened, values in [0, 1]: a smooth
 * gradient, an edge at a random angle and two Gaussian blobs, plus a little pixel noise.
 */
export function texturePatches(n: number, size: number, seed: number, pixelNoise = 0.02): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * size * size);
  for (let k = 0; k < n; k++) {
    const base = 0.2 + 0.6 * rng.next();
    const gx = (rng.next() - 0.5) * 0.4;
    const gy = (rng.next() - 0.5) * 0.4;
    const angle = rng.next() * Math.PI;
    const offset = (rng.next() - 0.5) * size;
    const step = (rng.next() - 0.5) * 0.6;
    const blobs = [0, 1].map(() => ({ x: rng.next() * size, y: rng.next() * size, r: 1 + rng.next() * size * 0.3, a: (rng.next() - 0.5) * 0.8 }));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = x / size - 0.5;
        const v = y / size - 0.5;
        const side = (x - size / 2) * Math.cos(angle) + (y - size / 2) * Math.sin(angle) - offset;
        let value = base + gx * u + gy * v + step / (1 + Math.exp(-side));
        for (const b of blobs) value += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
        value += pixelNoise * rng.normal();
        out[(k * size + y) * size + x] = Math.min(1, Math.max(0, value));
      }
    }
  }
  return out;
}

/** n gray images of one bright disc (random centre, radius and brightness) on a dark ground. */
export function discImages(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * size * size);
  for (let k = 0; k < n; k++) {
    const cx = size * (0.25 + 0.5 * rng.next());
    const cy = size * (0.25 + 0.5 * rng.next());
    const r = size * (0.12 + 0.18 * rng.next());
    const level = 0.5 + 0.5 * rng.next();
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        // A one-pixel soft edge, so the images are not binary.
        out[(k * size + y) * size + x] = 0.05 + (level - 0.05) * Math.min(1, Math.max(0, r - d + 0.5));
      }
    }
  }
  return out;
}
