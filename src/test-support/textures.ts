import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../ml/data/rng';

/**
 * Small textured training images (stripes, blobs and edges at random scales), so tests of
 * training have something a denoiser can learn and never need a real dataset.
 */
export function texturePixels(width: number, height: number, channels: 1 | 3, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const waves = Array.from({ length: 4 }, () => ({ fx: rng.next() * 0.5, fy: rng.next() * 0.5, phase: rng.next() * 6.28, amp: 0.1 + rng.next() * 0.2 }));
  const edgeX = Math.floor(rng.next() * width);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0.5 + (x > edgeX ? 0.15 : -0.15);
      for (const w of waves) v += w.amp * Math.sin(w.fx * x + w.fy * y + w.phase);
      for (let c = 0; c < channels; c++) {
        const tint = channels === 3 ? (c - 1) * 0.08 : 0;
        out[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round((v + tint) * 255)));
      }
    }
  }
  return out;
}

export async function writeTextureImages(dir: string, count: number, options: { width?: number; height?: number; channels?: 1 | 3; seed?: number } = {}): Promise<string[]> {
  const width = options.width ?? 48;
  const height = options.height ?? 48;
  const channels = options.channels ?? 1;
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(dir, `texture-${String(i).padStart(3, '0')}.png`);
    await sharp(Buffer.from(texturePixels(width, height, channels, (options.seed ?? 1) * 1000 + i)), { raw: { width, height, channels } })
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}
