import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { texturePixels } from '../../test-support/textures';
import { initBackend } from '../backend';
import { Rng } from '../data/rng';
import type { Model } from '../models/model';
import { createModel, resolveModelSpec } from '../models/registry';
import { evaluatePairs } from './evaluate-pairs';

const W = 40;
const H = 32;
let dir: string;
let plain: Model;
let levelAware: Model;

async function writeGray(file: string, pixels: Uint8Array): Promise<void> {
  await sharp(Buffer.from(pixels), { raw: { width: W, height: H, channels: 1 } }).png().toFile(file);
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('eval-pairs-');
  for (const sub of ['noisy', 'clean']) await fs.mkdir(join(dir, sub));
  const rng = new Rng(5);
  for (let i = 0; i < 3; i++) {
    const clean = texturePixels(W, H, 1, i);
    const noisy = clean.map((v) => Math.max(0, Math.min(255, Math.round(v + 20 * rng.normal()))));
    await writeGray(join(dir, 'clean', `p${i}.png`), clean);
    // A different extension on the noisy side: pairs match by name without extension.
    await writeGray(join(dir, 'noisy', `p${i}.tif`), noisy);
  }
  await writeGray(join(dir, 'noisy', 'orphan.png'), texturePixels(W, H, 1, 9));
  plain = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 1);
  levelAware = createModel(resolveModelSpec('dae', 1, { size: 'tiny', noiseMap: true }), 1);
});
afterAll(async () => {
  plain.dispose();
  levelAware.dispose();
  await removeTempDir(dir);
});

describe('evaluatePairs', () => {
  it('scores each matched photo against its reference and reports the unmatched one', async () => {
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const report = await evaluatePairs(plain, join(dir, 'noisy'), join(dir, 'clean'), { gpu: false, onImage: (done, total, s) => seen.push(`${done}/${total} ${s.name}`) });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual(['1/3 p0', '2/3 p1', '3/3 p2']);
    // sigma 20 on 8 bits: about 22 dB for the noisy input.
    for (const s of report.images) expect(s.noisyPsnr).toBeGreaterThan(20);
    for (const s of report.images) expect(s.noisyPsnr).toBeLessThan(24);
    expect(report.images.every((s) => s.sigma === undefined)).toBe(true);
    expect(report.worse).toBe(report.images.filter((s) => s.psnr < s.noisyPsnr).length);
    expect(report.noisyPsnr).toBeCloseTo(report.images.reduce((a, s) => a + s.noisyPsnr, 0) / 3, 10);
    expect(report.skipped).toEqual([expect.objectContaining({ code: 'E_NOT_FOUND', file: expect.stringContaining('orphan.png') })]);
  });

  it('gives a level-aware model each photo its estimated level, or the sigma it is told', async () => {
    const auto = await evaluatePairs(levelAware, join(dir, 'noisy'), join(dir, 'clean'), { gpu: false });
    for (const s of auto.images) {
      expect(s.estimated).toBe(true);
      // The estimate reads the sigma-20 noise that was added (rounding and clipping aside).
      expect(s.sigma).toBeGreaterThan(14);
      expect(s.sigma).toBeLessThan(26);
    }
    const told = await evaluatePairs(levelAware, join(dir, 'noisy'), join(dir, 'clean'), { gpu: false, sigma: 7 });
    expect(told.images.map((s) => [s.sigma, s.estimated])).toEqual([
      [7, false],
      [7, false],
      [7, false],
    ]);
    // The level reaches the model: a different level gives a different output.
    expect(told.psnr).not.toBe(auto.psnr);
  });

  it('refuses folders with no pairs at all', async () => {
    await expect(evaluatePairs(plain, join(dir, 'noisy'), join(dir, 'noisy', 'nothing-here'), { gpu: false })).rejects.toMatchObject({ code: expect.stringMatching(/^E_/) });
  });
});
