import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { createModel, resolveModelSpec } from '../models/registry';
import { texturePatches } from '../models/synthetic-data';
import { greedyLevels, greedyPretrain } from './greedy-pretrain';
import { runTraining } from './train-run';

let dir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('greedy-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

const convAe = (kind = 'ae') => createModel(resolveModelSpec(kind, 1, { arch: 'conv', latent: 4 }), 1);

describe('greedy layer-wise pretraining', () => {
  it('refuses models that are not a stack of autoencoder levels, saying why', () => {
    const dense = createModel(resolveModelSpec('ae', 1, { arch: 'dense' }), 1);
    expect(() => greedyLevels(dense)).toThrow(/one hidden layer/);
    dense.dispose();
    const dae = createModel(resolveModelSpec('dae', 1, {}), 1);
    expect(() => greedyLevels(dae)).toThrow(/not a stack/);
    dae.dispose();
  });

  it('trains each level on the codes below, moving only that level, and lowers its error', async () => {
    const model = convAe('sparse');
    const x = tf.tensor4d(texturePatches(16, 16, 3), [16, 16, 16, 1]);
    const levels = greedyLevels(model);
    const levelError = (k: number): number =>
      tf.tidy(() => {
        const h = levels.slice(0, k).reduce((acc, l) => l.encode(acc), x as tf.Tensor4D);
        const target = k === 0 ? x : h;
        return (tf.mean(tf.square(tf.sub((levels[k] as (typeof levels)[0]).decode((levels[k] as (typeof levels)[0]).encode(h)), target))).arraySync() as number);
      });
    const before = levels.map((_, k) => levelError(k));
    const e1Before = await (model.variables.get('e1/w') as tf.Variable).data();
    const seen: string[] = [];
    const memory = tf.memory().numTensors;
    await greedyPretrain(model, () => ({ input: x, target: x }), { stepsPerLevel: 60, learningRate: 3e-3, onLevel: (name) => seen.push(name) });
    expect(tf.memory().numTensors).toBe(memory);
    expect(seen).toEqual(['level 1', 'level 2', 'level 3']);
    const after = levels.map((_, k) => levelError(k));
    for (let k = 0; k < 3; k++) expect(after[k]).toBeLessThan(before[k] as number);
    // Level 1 moved in its own stage; the later stages left it alone (checked: it equals the value after stage 1).
    const e1After = await (model.variables.get('e1/w') as tf.Variable).data();
    expect(Array.from(e1After)).not.toEqual(Array.from(e1Before));
    x.dispose();
    model.dispose();
  });

  it('runs before the end-to-end loop when the config asks for it', async () => {
    const data = join(dir, 'data');
    await fs.mkdir(data, { recursive: true });
    await writeTextureImages(data, 4, { width: 32, height: 32 });
    const config: TrainConfig = {
      ...TRAIN_DEFAULTS,
      dataDirs: [data],
      kind: 'ae',
      modelOptions: { arch: 'conv', latent: 4 },
      noise: { type: 'gaussian', sigma: 25 },
      patchSize: 16,
      batchSize: 4,
      maxSteps: 10,
      validateEvery: 10,
      checkpointEvery: 100,
      valFraction: 0.25,
      channels: 1,
      outDir: join(dir, 'run'),
      pretrain: { mode: 'greedy', stepsPerLevel: 5 },
    };
    const result = await runTraining(config, { backend: 'wasm' });
    expect(result.step).toBe(10);
    await expect(runTraining({ ...config, modelOptions: { arch: 'dense' }, outDir: join(dir, 'dense') }, { backend: 'wasm' })).rejects.toThrow(/one hidden layer/);
  });
});
