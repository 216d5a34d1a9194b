import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig, type TrainEvent } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { loadModel } from '../store/model-files';
import { prepareTrainingData } from './training-data';
import { runTraining } from './train-run';

/** The autoencoder family through the one training loop: loss parts and self-supervision. */
let dir: string;
let data: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('family-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  await writeTextureImages(data, 5, { width: 48, height: 48 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

function config(out: string, extra: Partial<TrainConfig>): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    dataDirs: [data],
    kind: 'dae',
    modelOptions: { size: 'tiny' },
    noise: { type: 'gaussian', sigma: 25 },
    patchSize: 16,
    batchSize: 4,
    maxSteps: 20,
    validateEvery: 10,
    checkpointEvery: 100,
    valFraction: 0.2,
    channels: 1,
    outDir: join(dir, out),
    ...extra,
  };
}

describe('training the family', () => {
  it('a DAE with L corruptions per clean patch: L different inputs share each target, and it trains', async () => {
    const data3 = await prepareTrainingData(config('l3', { corruptionSamples: 3 }));
    const batch = data3.nextBatch();
    expect(batch.input.shape).toEqual([12, 16, 16, 1]);
    const target = (await batch.target.data()) as Float32Array;
    const input = (await batch.input.data()) as Float32Array;
    const per = 16 * 16;
    const patch = (a: Float32Array, i: number): Float32Array => a.subarray(i * per, (i + 1) * per);
    for (const i of [0, 3, 6, 9]) {
      expect(patch(target, i + 1)).toEqual(patch(target, i));
      expect(patch(target, i + 2)).toEqual(patch(target, i));
      expect(patch(input, i + 1)).not.toEqual(patch(input, i));
    }
    expect(patch(target, 3)).not.toEqual(patch(target, 0));
    tf.dispose([batch.input, batch.target, ...(batch.noiseLevel ? [batch.noiseLevel] : [])]);
    const result = await runTraining(config('l3-run', { corruptionSamples: 3, maxSteps: 3, validateEvery: 100 }), { backend: 'wasm' });
    expect(result.step).toBe(3);
    await expect(prepareTrainingData(config('l3-none', { corruptionSamples: 2, noise: { type: 'gaussian', sigma: 0 } }))).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('reports a VAE\'s reconstruction and KL separately in progress events', async () => {
    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    const result = await runTraining(config('vae', { kind: 'vae', modelOptions: { input: 16, latent: 4, width: 8, beta: 0.5 }, noise: { type: 'gaussian', sigma: 0 } }), {
      backend: 'wasm',
      onEvent: (e) => events.push(e),
    });
    expect(tf.memory().numTensors).toBe(before);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress).toHaveLength(2);
    for (const p of progress) {
      if (p.type !== 'progress') continue;
      expect(Object.keys(p.parts)).toEqual(['reconstruction', 'kl']);
      // The loss is the negative ELBO: reconstruction + beta * KL (means over the same window).
      expect(p.loss).toBeCloseTo((p.parts['reconstruction'] as number) + 0.5 * (p.parts['kl'] as number), 2);
      expect(p.parts['kl']).toBeGreaterThan(0);
    }
    const loaded = await loadModel(result.modelDir);
    expect(loaded.meta.spec).toEqual({ kind: 'vae', channels: 1, options: { input: 16, latent: 4, width: 8, beta: 0.5, loss: 'mse', sigma: 0.1 } });
    loaded.model.dispose();
  });

  it('self-supervised batches hold only noisy values, with the loss mask on the blind spots', async () => {
    const cfg = config('n2v-data', { selfSupervised: { fraction: 1 / 16, radius: 2 }, batchSize: 8 });
    const prepared = await prepareTrainingData(cfg);
    const { input, target, mask } = tf.tidy(() => {
      const b = prepared.nextBatch();
      return { input: b.input.dataSync(), target: b.target.dataSync(), mask: b.mask?.dataSync() };
    });
    // The clean PNGs hold multiples of 1/255; a noisy value almost never is.
    const onGrid = (v: number): boolean => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4;
    expect(Array.from(target).filter(onGrid).length / target.length).toBeLessThan(0.01);
    expect(Array.from(input).filter(onGrid).length / input.length).toBeLessThan(0.01);
    expect(mask).toBeDefined();
    const masked = Array.from(mask ?? []).filter((v) => v === 1).length;
    expect(masked).toBe(8 * 16);
    // The same fixed noisy realisation in every batch (drawn once per image, not per batch).
    const again = await prepareTrainingData(cfg);
    const t2 = tf.tidy(() => again.nextBatch().target.dataSync());
    expect(Array.from(t2)).toEqual(Array.from(target));
  });

  it('trains a denoiser self-supervised through the loop without leaking', async () => {
    const before = tf.memory().numTensors;
    const events: TrainEvent[] = [];
    const result = await runTraining(config('n2v', { selfSupervised: { fraction: 0.03, radius: 2 } }), { backend: 'wasm', onEvent: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.step).toBe(20);
    expect(events.some((e) => e.type === 'progress' && Number.isFinite(e.loss))).toBe(true);
    await expect(runTraining(config('both', { selfSupervised: { fraction: 0.03, radius: 2 }, pairs: { noisyDir: data, cleanDir: data } }), { backend: 'wasm' })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
  });
});
