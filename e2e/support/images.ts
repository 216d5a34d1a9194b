import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Small seeded test images: smooth gradients with a few discs, so a denoiser has structure to learn. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function writeImage(file: string, size: number, seed: number, channels: 1 | 3 = 3, noiseSigma = 0): Promise<void> {
  const r = rng(seed);
  const data = Buffer.alloc(size * size * channels);
  const discs = Array.from({ length: 4 }, () => ({ x: r() * size, y: r() * size, rad: 6 + r() * size * 0.25, c: [r(), r(), r()] }));
  const g = [r(), r(), r()];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < channels; k++) {
        let v = 0.25 + 0.5 * ((x / size) * (g[k] ?? 0.5) + (y / size) * (1 - (g[k] ?? 0.5)));
        for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.rad ** 2) v = d.c[k] ?? v;
        if (noiseSigma > 0) {
          // Box-Muller from the seeded generator: a photo-like noisy input for the denoise view.
          v += (noiseSigma / 255) * Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
        }
        data[(y * size + x) * channels + k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
  await sharp(data, { raw: { width: size, height: size, channels } }).png().toFile(file);
}

export async function writeImageFolder(dir: string, count: number, size: number, seed = 1, noiseSigma = 0): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(dir, `img-${String(i).padStart(3, '0')}.png`);
    await writeImage(file, size, seed * 1000 + i, 3, noiseSigma);
    files.push(file);
  }
  return files;
}

export function writeNonImageFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
  writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
}
