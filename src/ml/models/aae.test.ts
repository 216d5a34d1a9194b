import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainEvent } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { Rng } from '../data/rng';
import { generateSamples } from '../jobs/generate';
import { loadModel } from '../store/model-files';
import { runTraining } from '../train/train-run';
import { drawPrior } from './aae';
import { resolveModelSpec } from './registry';

let dir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('aae-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

const SMALL = { input: 8, latent: 2, width: 4, discWidth: 32, adversarial: 0.5 };

describe('adversarial autoencoder', () => {
  it('resolves options (mixture components only with the mixture prior) and refuses bad ones', () => {
    expect(resolveModelSpec('aae', 1, {}).options).toEqual({ input: 32, latent: 8, width: 32, prior: 'gaussian', adversarial: 1, discWidth: 256 });
    expect(resolveModelSpec('aae', 1, { prior: 'mixture' }).options['components']).toBe(8);
    expect(() => resolveModelSpec('aae', 1, { input: 12 })).toThrow(/input/);
    expect(() => resolveModelSpec('aae', 1, { prior: 'laplace' })).toThrow(/prior/);
  });

  it('draws the mixture prior as a ring of clusters in the first two axes', () => {
    const z = drawPrior('mixture', 400, 3, new Rng(1), 8);
    for (let i = 0; i < 400; i++) {
      const r = Math.hypot(z[3 * i] as number, z[3 * i + 1] as number);
      expect(Math.abs(r - 2)).toBeLessThan(1.2);
    }
  });

  it('trains through the one loop with three loss parts, saves, loads and generates', async () => {
    const data = join(dir, 'data');
    await fs.mkdir(data, { recursive: true });
    await writeTextureImages(data, 4, { width: 32, height: 32 });
    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    const outDir = join(dir, 'model');
    await runTraining(
      {
        ...TRAIN_DEFAULTS,
        dataDirs: [data],
        kind: 'aae',
        modelOptions: SMALL,
        noise: { type: 'gaussian', sigma: 0 },
        patchSize: 16,
        batchSize: 4,
        maxSteps: 20,
        validateEvery: 10,
        checkpointEvery: 100,
        valFraction: 0.25,
        channels: 1,
        outDir,
      },
      { backend: 'wasm', onEvent: (e) => events.push(e) },
    );
    expect(tf.memory().numTensors).toBe(before);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) if (p.type === 'progress') expect(Object.keys(p.parts)).toEqual(['reconstruction', 'generator', 'discriminator']);
    const { model } = await loadModel(outDir);
    expect(model.generative?.latentSize).toBe(2);
    const result = await generateSamples(model, { count: 4, seed: 1, temperature: 1, outDir: join(dir, 'samples'), scale: 2 });
    expect(result.files).toHaveLength(4);
    model.dispose();
  });
});
