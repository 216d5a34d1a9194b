import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig, type TrainEvent } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { texturePixels } from '../../test-support/textures';
import { initBackend } from '../backend';
import { describePairReport, loadImagePairs, matchNames, pairKey, PairedPatchSampler } from './pairs';
import { prepareTrainingData } from './training-data';
import { runTraining } from './train-run';

let dir: string;
let noisyDir: string;
let cleanDir: string;

async function writeGray(file: string, pixels: Uint8Array, width: number, height: number): Promise<void> {
  await fs.mkdir(join(file, '..'), { recursive: true });
  const image = sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } });
  // Lossless either way: sharp's TIFF default is JPEG compression.
  await (file.endsWith('.tif') ? image.tiff({ compression: 'lzw' }) : image.png()).toFile(file);
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('pairs-');
  noisyDir = join(dir, 'noisy');
  cleanDir = join(dir, 'clean');
  // Pairs: the "noisy" image is the clean one inverted, so aligned crops always sum to 1.
  const names = ['a', 'b', 'sub/c', 'd'];
  for (const [i, name] of names.entries()) {
    const clean = texturePixels(40, 40, 1, i + 1);
    await writeGray(join(cleanDir, `${name}.png`), clean, 40, 40);
    await writeGray(join(noisyDir, `${name}${i % 2 ? '.tif' : '.png'}`), clean.map((v) => 255 - v), 40, 40);
  }
  await writeGray(join(noisyDir, 'orphan-noisy.png'), texturePixels(40, 40, 1, 9), 40, 40);
  await writeGray(join(cleanDir, 'orphan-clean.png'), texturePixels(40, 40, 1, 9), 40, 40);
  await writeGray(join(noisyDir, 'sized.png'), texturePixels(40, 40, 1, 9), 40, 40);
  await writeGray(join(cleanDir, 'sized.png'), texturePixels(44, 40, 1, 9), 44, 40);
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('paired folders', () => {
  it('matches names without their extension, and reports what has no partner or is ambiguous', () => {
    expect(pairKey('x/y.z.png')).toBe('x/y.z');
    expect(pairKey('.hidden')).toBe('.hidden');
    const m = matchNames(['a.png', 'b.jpg', 'x/c.tif', 'd.png', 'd.tif', 'only-noisy.png'], ['a.tif', 'b.png', 'x/c.png', 'd.png', 'c.png', 'only-clean.png']);
    expect(m.pairs).toEqual([
      { key: 'a', noisy: 'a.png', clean: 'a.tif' },
      { key: 'b', noisy: 'b.jpg', clean: 'b.png' },
      { key: 'x/c', noisy: 'x/c.tif', clean: 'x/c.png' },
    ]);
    expect(m.unmatchedNoisy).toEqual(['only-noisy.png']);
    expect(m.unmatchedClean).toEqual(['c.png', 'only-clean.png']);
    expect(m.ambiguous).toEqual([{ key: 'd', names: ['noisy/d.png', 'noisy/d.tif', 'clean/d.png'] }]);
  });

  it('loads pairs from disk with a clear report of unmatched files and size mismatches', async () => {
    const report = await loadImagePairs(noisyDir, cleanDir);
    expect(report.pairs.map((p) => p.name)).toEqual(['a', 'b', 'd', 'sub/c']);
    expect(report.unmatchedNoisy).toEqual(['orphan-noisy.png']);
    expect(report.unmatchedClean).toEqual(['orphan-clean.png']);
    expect(report.rejected).toEqual([{ name: 'sized', reason: 'sizes differ: noisy 40 x 40, clean 44 x 40' }]);
    const text = describePairReport(report);
    expect(text).toContain('Matched 4 pair(s)');
    expect(text).toContain('1 noisy file(s) have no clean file of the same name: orphan-noisy.png');
    expect(text).toContain('1 clean file(s) have no noisy file of the same name: orphan-clean.png');
    expect(text).toContain('Left out sized: sizes differ');
    await expect(loadImagePairs(noisyDir, join(cleanDir, 'sub'))).rejects.toMatchObject({ code: 'E_NO_IMAGES' });
  });

  it('samples aligned crops (same place, same flip or turn) from both images of a pair', async () => {
    const report = await loadImagePairs(noisyDir, cleanDir);
    const sampler = new PairedPatchSampler(report.pairs, 16, 8, true, 3);
    for (let i = 0; i < 3; i++) {
      const { noisy, clean } = sampler.next();
      for (let k = 0; k < noisy.length; k++) expect((noisy[k] as number) + (clean[k] as number)).toBeCloseTo(1, 5);
    }
    // Resuming from the saved state continues the same sequence.
    const again = new PairedPatchSampler(report.pairs, 16, 8, true, 99, sampler.state());
    const a = sampler.next();
    const b = again.next();
    expect(Array.from(b.noisy)).toEqual(Array.from(a.noisy));
  });

  it('trains from pairs through the one training loop, listing unmatched files in the started event', async () => {
    const config: TrainConfig = {
      ...TRAIN_DEFAULTS,
      dataDirs: [noisyDir, cleanDir],
      pairs: { noisyDir, cleanDir },
      kind: 'dae',
      modelOptions: { size: 'tiny' },
      noise: { type: 'gaussian', sigma: 0 },
      patchSize: 16,
      batchSize: 4,
      maxSteps: 4,
      validateEvery: 100,
      checkpointEvery: 100,
      valFraction: 0.25,
      outDir: join(dir, 'model'),
    };
    const data = await prepareTrainingData(config);
    const batch = tf.tidy(() => {
      const b = data.nextBatch();
      return tf.add(b.input, b.target).dataSync();
    });
    expect(Math.abs((batch[0] as number) - 1)).toBeLessThan(1e-5);
    expect(data.validation.count).toBeGreaterThan(0);
    for (let k = 0; k < data.validation.input.length; k++) expect((data.validation.input[k] as number) + (data.validation.target[k] as number)).toBeCloseTo(1, 5);

    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    const result = await runTraining(config, { backend: 'wasm', onEvent: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.step).toBe(4);
    const started = events[0];
    expect(started?.type).toBe('started');
    if (started?.type === 'started') {
      expect(started.dataset.trainImages + started.dataset.valImages).toBe(4);
      expect(started.dataset.skipped.map((s) => s.message)).toEqual(
        expect.arrayContaining([expect.stringContaining('no clean image named orphan-noisy'), expect.stringContaining('no noisy image named orphan-clean'), expect.stringContaining('sizes differ')]),
      );
    }
  });
});
