import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import type { FloatImage } from '../data/image';
import { createModel, resolveModelSpec } from '../models/registry';
import { discImages } from '../models/synthetic-data';
import { composeGrid, fitToModel, generateSamples, interpolateImages } from './generate';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await makeTempDir('generate-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

const vae = () => createModel(resolveModelSpec('vae', 1, { input: 16, latent: 4, width: 8 }), 3);
const image = (seed: number, size = 40): FloatImage => ({ width: size, height: size + 8, channels: 1, bitDepth: 8, data: discImages(1, size + 8, seed).slice(0, size * (size + 8)) });

describe('generation jobs', () => {
  it('writes seeded samples and a grid; the same seed gives the same files', async () => {
    const model = vae();
    const a = await generateSamples(model, { count: 5, seed: 9, temperature: 1, outDir: join(dir, 'a'), scale: 2 });
    const b = await generateSamples(model, { count: 5, seed: 9, temperature: 1, outDir: join(dir, 'b'), scale: 2 });
    expect(a.files.map((f) => f.split('/').at(-1))).toEqual(['sample-000.png', 'sample-001.png', 'sample-002.png', 'sample-003.png', 'sample-004.png']);
    for (let i = 0; i < 5; i++) expect(await fs.readFile(a.files[i] as string)).toEqual(await fs.readFile(b.files[i] as string));
    const one = await sharp(a.files[0]).metadata();
    expect([one.width, one.height]).toEqual([16, 16]);
    // 3 columns x 2 rows of 32-pixel cells with 2-pixel gaps.
    const grid = await sharp(a.grid).metadata();
    expect([grid.width, grid.height]).toEqual([3 * 34 + 2, 2 * 34 + 2]);
    model.dispose();
  });

  it('refuses models that cannot generate', async () => {
    const ae = createModel(resolveModelSpec('ae', 1, {}), 1);
    await expect(generateSamples(ae, { count: 1, seed: 0, temperature: 1, outDir: join(dir, 'x') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('VAE') });
    ae.dispose();
  });

  it('interpolates from the posterior mean of A to that of B, framed by the inputs', async () => {
    const model = vae();
    const gen = model.generative;
    if (!gen) throw new Error('the VAE has no generative face');
    const a = image(1);
    const b = image(2);
    const before = tf.memory().numTensors;
    const result = await interpolateImages(model, a, b, { steps: 4, outDir: join(dir, 'interp'), scale: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.files).toHaveLength(4);
    const strip = await sharp(result.strip).metadata();
    expect([strip.width, strip.height]).toEqual([6 * 18 + 2, 18 + 2]);
    // The first step is the decoded posterior mean of A.
    const expected = tf.tidy(() => {
      const { mean, logVar } = gen.encode(fitToModel(a, 16, 1));
      logVar.dispose();
      return Array.from(gen.decode(mean).dataSync()).map((v) => Math.round(v * 255));
    });
    const first = await sharp(result.files[0]).extractChannel(0).raw().toBuffer();
    const diff = Array.from(first).map((v, i) => Math.abs(v - (expected[i] as number)));
    expect(Math.max(...diff)).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it('fits an image to the model: a central patch at its own scale, or the whole image reduced', () => {
    // Columns 0 and 5 bright, 1 and 4 mid, 2 and 3 dark.
    const level = [1, 0.5, 0, 0, 0.5, 1];
    const img: FloatImage = { width: 6, height: 4, channels: 1, bitDepth: 8, data: Float32Array.from({ length: 24 }, (_, i) => level[i % 6] as number) };
    const crop = fitToModel(img, 2, 1);
    expect(Array.from(crop.dataSync())).toEqual([0, 0, 0, 0]);
    // Resize: the 4 x 4 centre (columns 1-4) box-averaged 2 x 2.
    const resized = fitToModel(img, 2, 1, 'resize');
    expect(Array.from(resized.dataSync())).toEqual([0.25, 0.25, 0.25, 0.25]);
    // Smaller than the model: always resized up.
    const up = fitToModel(img, 8, 1);
    expect(up.shape).toEqual([1, 8, 8, 1]);
    tf.dispose([crop, resized, up]);
    const grid = composeGrid([img, img], 2, 1, 1);
    expect([grid.width, grid.height]).toEqual([2 * 7 + 1, 4 + 2]);
  });
});
