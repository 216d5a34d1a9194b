import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { maxAbsDiff } from '../../test-support/float-images';
import { texturePixels, writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { applyModel } from '../infer/apply-model';
import { denoisePreview } from '../jobs/denoise';
import { psnr } from '../metrics/psnr';
import { loadModel, saveModel } from '../store/model-files';
import { runTraining } from '../train/train-run';
import { createModel, resolveModelSpec } from './registry';

/**
 * Noise-level-aware dae (FFDNet-style level map): the level is an input, so one model trained
 * over a range of levels denoises each level as that level; fixed-level models keep loading.
 */
let dir: string;
let data: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('noise-map-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  await writeTextureImages(data, 8, { width: 48, height: 48 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

const level = (n: number, sigma: number): tf.Tensor4D => tf.fill([n, 1, 1, 1], sigma / 255) as tf.Tensor4D;

function grayImage(seed: number, side = 48): FloatImage {
  const pixels = texturePixels(side, side, 1, seed);
  return { width: side, height: side, channels: 1, bitDepth: 8, data: Float32Array.from(pixels, (v) => v / 255) };
}

function withNoise(image: FloatImage, sigma: number, seed: number): FloatImage {
  const rng = new Rng(seed);
  return { ...image, data: image.data.map((v) => v + (sigma / 255) * rng.normal()) };
}

describe('noise-level map', () => {
  it('takes the level as an extra input channel and refuses to run without it', () => {
    const model = createModel(resolveModelSpec('dae', 3, { size: 'tiny', noiseMap: true }), 0);
    expect(model.takesNoiseLevel).toBe(true);
    expect(model.variables.get('head/w')?.shape).toEqual([3, 3, 4, 16]);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    expect(() => model.predict(x)).toThrow(/noise-level-aware/);
    // A per-sample level is the same input as a constant map of it.
    const perSample = model.predict(x, level(2, 25));
    const map = model.predict(x, tf.fill([2, 16, 16, 1], 25 / 255) as tf.Tensor4D);
    expect(tf.max(tf.abs(tf.sub(perSample, map))).dataSync()[0]).toBe(0);
    const other = model.predict(x, level(2, 50));
    expect(tf.max(tf.abs(tf.sub(perSample, other))).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, perSample, map, other]);
    model.dispose();
  });

  it('fixed-level models have no level input and ignore a level given to them', () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 0);
    expect(model.takesNoiseLevel).toBeFalsy();
    expect(model.spec.options['noiseMap']).toBe(false);
    const x = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const a = model.predict(x);
    const b = model.predict(x, level(1, 40));
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    tf.dispose([x, a, b]);
    model.dispose();
  });

  it('a model folder written before level maps existed (no noiseMap option) loads as fixed-level', async () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 5);
    const target = join(dir, 'old-format');
    await saveModel(target, { model, backend: 'wasm', training: null, metrics: {} });
    // Rewrite meta.json exactly as the fixed-level dae stored it before: no noiseMap option.
    const metaFile = join(target, 'meta.json');
    const meta = JSON.parse(await fs.readFile(metaFile, 'utf8')) as { spec: { options: Record<string, unknown> } };
    meta.spec.options = { size: 'tiny', residual: true, loss: 'mse' };
    await fs.writeFile(metaFile, JSON.stringify(meta));
    const loaded = await loadModel(target);
    expect(loaded.model.takesNoiseLevel).toBeFalsy();
    const image = grayImage(1);
    const a = await applyModel(model, image, { gpu: false });
    const b = await applyModel(loaded.model, image, { gpu: false });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    model.dispose();
    loaded.model.dispose();
  });

  it('inference passes the level through every tile: tiled equals untiled, and a missing level is a clear error', async () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny', noiseMap: true }), 1);
    const noisy = withNoise(grayImage(2, 200), 20, 9);
    await expect(applyModel(model, noisy, { gpu: false })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    const before = tf.memory().numTensors;
    const whole = await applyModel(model, noisy, { gpu: false, sigma: 20, tileSize: 256 });
    const tiled = await applyModel(model, noisy, { gpu: false, sigma: 20, tileSize: 136 });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(whole.data, tiled.data)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('trained over a range of levels, it denoises best when told the true level', async () => {
    const out = join(dir, 'range');
    const config: TrainConfig = {
      ...TRAIN_DEFAULTS,
      dataDirs: [data],
      kind: 'dae',
      modelOptions: { size: 'tiny', noiseMap: true },
      noise: { type: 'gaussian', sigma: 5, sigmaMax: 60 },
      patchSize: 16,
      batchSize: 8,
      maxSteps: 200,
      learningRate: 3e-3,
      validateEvery: 1000,
      checkpointEvery: 1000,
      valFraction: 0.25,
      outDir: out,
    };
    await runTraining(config, { backend: 'wasm' });
    const { model, meta } = await loadModel(out);
    expect(meta.spec.options['noiseMap']).toBe(true);
    expect(model.takesNoiseLevel).toBe(true);
    const clean = grayImage(77);
    const score = async (trueSigma: number, toldSigma: number): Promise<number> => {
      const out = await applyModel(model, withNoise(clean, trueSigma, 4), { gpu: false, sigma: toldSigma });
      return psnr(out.data.map((v) => Math.min(1, Math.max(0, v))), clean.data);
    };
    // Light noise told as heavy gets over-smoothed; heavy noise told as light keeps noise.
    expect(await score(10, 10)).toBeGreaterThan(await score(10, 55));
    expect(await score(55, 55)).toBeGreaterThan(await score(55, 10));
    model.dispose();
  }, 120_000);

  it("the app's preview gives a level-aware model the image's estimate when no level is set, and says so", async () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny', noiseMap: true }), 3);
    const noisy = withNoise(grayImage(5, 96), 20, 2);
    const file = join(dir, 'preview.png');
    await sharp(Buffer.from(noisy.data.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255))), { raw: { width: 96, height: 96, channels: 1 } })
      .png()
      .toFile(file);
    const auto = await denoisePreview(model, file, 4096, { gpu: false });
    expect(auto.estimatedSigma).toBeGreaterThan(15);
    expect(auto.estimatedSigma).toBeLessThan(25);
    const given = await denoisePreview(model, file, 4096, { gpu: false, sigma: 20 });
    expect(given.estimatedSigma).toBeUndefined();
    model.dispose();
  });

  it('refuses a level map with noise whose level it cannot know', async () => {
    const base = { ...TRAIN_DEFAULTS, dataDirs: [data], kind: 'dae', modelOptions: { size: 'tiny', noiseMap: true }, patchSize: 16, batchSize: 2, maxSteps: 1 };
    await expect(
      runTraining({ ...base, noise: { type: 'salt-pepper', amount: 0.1 }, outDir: join(dir, 'sp') }, { backend: 'wasm' }),
    ).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    const mixedWithSaltPepper: TrainConfig['noise'] = { type: 'mix', parts: [{ type: 'gaussian', sigma: 10 }, { type: 'salt-pepper', amount: 0.1 }] };
    await expect(runTraining({ ...base, noise: mixedWithSaltPepper, outDir: join(dir, 'sp-mix') }, { backend: 'wasm' })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
  });

  it('trains with camera noise mixed with a gaussian range: every patch has a level', async () => {
    const out = join(dir, 'camera-mix');
    const noise: TrainConfig['noise'] = { type: 'mix', parts: [{ type: 'gaussian', sigma: 0, sigmaMax: 30 }, { type: 'camera' }] };
    const config: TrainConfig = { ...TRAIN_DEFAULTS, dataDirs: [data], kind: 'dae', modelOptions: { size: 'tiny', noiseMap: true }, noise, patchSize: 16, batchSize: 4, maxSteps: 2, valFraction: 0.25, outDir: out };
    await runTraining(config, { backend: 'wasm' });
    const { model, meta } = await loadModel(out);
    expect(meta.training?.noise).toBe('gaussian:0-30+camera');
    expect(model.takesNoiseLevel).toBe(true);
    model.dispose();
  }, 60_000);
});
