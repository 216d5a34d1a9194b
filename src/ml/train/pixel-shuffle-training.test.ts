import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { initBackend } from '../backend';
import { encodeImage } from '../data/encode-image';
import type { FloatImage } from '../data/image';
import { loadModel, readModelMeta } from '../store/model-files';
import { prepareTrainingData } from './training-data';
import { runTraining } from './train-run';

/**
 * Self-supervised runs with a pixel-shuffle stride train on sub-images: a photo whose columns
 * alternate 0 and 1 splits at stride 2 into sub-images that are all 0 or all 1, so every patch
 * of such a run is constant, while patches of a run without the split hold both values.
 */
let dir: string;
let data: string;

function stripes(width: number, height: number): FloatImage {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = x % 2;
  return { width, height, channels: 1, bitDepth: 8, data: out };
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('pd-train-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  for (let i = 0; i < 4; i++) await encodeImage(stripes(48 + 2 * i, 40), join(data, `stripes-${i}.png`));
});
afterAll(async () => {
  await removeTempDir(dir);
});

function config(out: string, stride?: number, inferenceStride?: number): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    dataDirs: [data],
    kind: 'dae',
    modelOptions: { size: 'tiny' },
    noise: { type: 'gaussian', sigma: 0 },
    selfSupervised: {
      fraction: 0.05,
      radius: 2,
      ...(stride === undefined ? {} : { pixelShuffleStride: stride }),
      ...(inferenceStride === undefined ? {} : { pixelShuffleInferenceStride: inferenceStride }),
    },
    patchSize: 16,
    batchSize: 4,
    maxSteps: 3,
    validateEvery: 2,
    checkpointEvery: 2,
    valFraction: 0.25,
    channels: 1,
    outDir: join(dir, out),
  };
}

/** Per patch of a [n, size, size, 1] batch: the set of values it holds. */
async function patchValues(t: tf.Tensor, size: number): Promise<Array<Set<number>>> {
  const values = (await t.data()) as Float32Array;
  const per = size * size;
  return Array.from({ length: values.length / per }, (_, p) => new Set(values.subarray(p * per, (p + 1) * per)));
}

describe('self-supervised training with pixel shuffle', () => {
  it('feeds sub-image patches: constant for stripes at stride 2, both values without the split', async () => {
    const pd = await prepareTrainingData(config('pd-data', 2));
    const plain = await prepareTrainingData(config('plain-data'));
    const seen = new Set<number>();
    for (let b = 0; b < 5; b++) {
      const batch = pd.nextBatch();
      const [targets, inputs] = [await patchValues(batch.target, 16), await patchValues(batch.input, 16)];
      for (const [i, values] of targets.entries()) {
        expect(values.size).toBe(1);
        // Blind spots take a neighbour in the sub-image, so the input stays constant too.
        expect(inputs[i]).toEqual(values);
        seen.add([...values][0] as number);
      }
      tf.dispose([batch.input, batch.target, ...(batch.mask ? [batch.mask] : [])]);
    }
    expect(seen).toEqual(new Set([0, 1]));
    // The held-out crops are sub-images too.
    expect(new Set(pd.validation.target.subarray(0, pd.validation.size ** 2)).size).toBe(1);

    const batch = plain.nextBatch();
    for (const values of await patchValues(batch.target, 16)) expect(values).toEqual(new Set([0, 1]));
    tf.dispose([batch.input, batch.target, ...(batch.mask ? [batch.mask] : [])]);
  });

  it('needs photos of at least stride x patch pixels: smaller ones are skipped, with the reason', async () => {
    // 48-pixel-wide stripes at stride 3 give 16-pixel sub-images; 40 rows give only 13 or 14.
    await expect(prepareTrainingData(config('too-small', 3))).rejects.toMatchObject({
      code: 'E_IMAGE_TOO_SMALL',
      message: expect.stringContaining('At pixel-shuffle stride 3, 16-pixel patches need images of at least 48 pixels a side'),
    });
  });

  it('stores the inference stride in the model and its checkpoints (default 1); a run without pixel shuffle stores nothing; no tensors leak', async () => {
    const before = tf.memory().numTensors;
    const result = await runTraining(config('pd-run', 2, 2), { backend: 'wasm' });
    const asymmetric = await runTraining(config('pd-default-run', 2), { backend: 'wasm' });
    const plain = await runTraining(config('plain-run'), { backend: 'wasm' });
    expect(tf.memory().numTensors).toBe(before);
    expect((await readModelMeta(result.modelDir)).inference).toEqual({ pixelShuffleStride: 2 });
    expect((await readModelMeta(join(result.modelDir, 'checkpoints', 'ckpt-0000002'))).inference).toEqual({ pixelShuffleStride: 2 });
    expect((await readModelMeta(asymmetric.modelDir)).inference).toEqual({ pixelShuffleStride: 1 });
    expect((await readModelMeta(plain.modelDir)).inference).toBeUndefined();
    const loaded = await loadModel(result.modelDir);
    expect(loaded.model.pixelShuffleStride).toBe(2);
    loaded.model.dispose();
    // Continuing keeps the split (the settings are the run's own) and the stored stride.
    const continued = await runTraining({ ...config('pd-run', 2, 2), maxSteps: 5 }, { backend: 'wasm', resume: true });
    expect(continued).toMatchObject({ reason: 'max-steps', step: 5 });
    expect((await readModelMeta(continued.modelDir)).inference).toEqual({ pixelShuffleStride: 2 });
    await expect(runTraining({ ...config('pd-run', 3, 2), maxSteps: 7 }, { backend: 'wasm', resume: true })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad strides with E_INVALID_ARGUMENT before training', async () => {
    for (const bad of [0, 7, 2.5]) {
      await expect(runTraining(config(`bad-${bad}`, bad), { backend: 'wasm' })).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
        message: expect.stringContaining('pixel-shuffle stride must be an integer from 1 to 6'),
      });
      await expect(prepareTrainingData(config(`bad-data-${bad}`, bad))).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    }
    await expect(runTraining(config('bad-inference', 2, 3), { backend: 'wasm' })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: 'The pixel-shuffle inference stride (3) cannot exceed the training stride (2)',
    });
    await expect(runTraining(config('inference-alone', undefined, 2), { backend: 'wasm' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
