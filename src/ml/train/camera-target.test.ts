import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import type { NoiseSpec } from '../../shared/noise';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { prepareTrainingData } from './training-data';

/**
 * Camera noise is measured against the same camera's file without sensor noise, so a training
 * pair's aim is that reference, not the clean crop: otherwise the model is taught that the
 * scene's JPEG error is noise (camera-noise.ts). The same seed draws the same crops, so a run
 * with nothing added (gaussian:0) shows the clean crops the camera run started from.
 */
let dir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('camera-target-');
  await fs.mkdir(join(dir, 'data'));
  await writeTextureImages(join(dir, 'data'), 4, { width: 48, height: 48, channels: 3 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

const config = (noise: NoiseSpec): TrainConfig => ({
  ...TRAIN_DEFAULTS,
  dataDirs: [join(dir, 'data')],
  kind: 'dae',
  modelOptions: { size: 'tiny' },
  noise,
  patchSize: 16,
  batchSize: 4,
  valFraction: 0.25,
  outDir: join(dir, 'out'),
});

/** Largest and mean absolute difference on the 0..255 scale. */
function difference(a: Float32Array, b: Float32Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0)) * 255;
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

describe('camera-noise training pairs', () => {
  it("aim at the camera's reference: the clean crop with the file's compression error, never the noisy input", async () => {
    const clean = await prepareTrainingData(config({ type: 'gaussian', sigma: 0 }));
    const camera = await prepareTrainingData(config({ type: 'camera' }));
    const cleanBatch = clean.nextBatch();
    const cameraBatch = camera.nextBatch();
    const [cleanTarget, target, input] = await Promise.all([cleanBatch.target.data(), cameraBatch.target.data(), cameraBatch.input.data()]);
    tf.dispose([cleanBatch.input, cleanBatch.target, cameraBatch.input, cameraBatch.target]);
    const fromClean = difference(target as Float32Array, cleanTarget as Float32Array);
    // Compression moves textured crops by a level or more here and there, and never far.
    expect(fromClean.mean).toBeGreaterThan(0.2);
    expect(fromClean.max).toBeLessThan(40);
    // The sensor noise is still to be removed.
    expect(difference(input as Float32Array, target as Float32Array).mean).toBeGreaterThan(0.5);
    // The fixed validation set aims at the references too.
    expect(difference(camera.validation.target, clean.validation.target).mean).toBeGreaterThan(0.2);
    expect(difference(camera.validation.input, camera.validation.target).mean).toBeGreaterThan(0.5);
  });
});
