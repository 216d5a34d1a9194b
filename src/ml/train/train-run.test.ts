import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig, TrainEvent } from '../../shared/training';
import { TRAIN_DEFAULTS } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { loadModel } from '../store/model-files';
import { runTraining } from './train-run';

let dir: string;
let data: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('train-run-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  await writeTextureImages(data, 6, { width: 40, height: 40 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

function config(out: string, extra: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    dataDirs: [data],
    kind: 'dae',
    modelOptions: { size: 'tiny' },
    noise: { type: 'gaussian', sigma: 25 },
    patchSize: 16,
    batchSize: 4,
    validateEvery: 4,
    checkpointEvery: 3,
    valFraction: 0.2,
    outDir: join(dir, out),
    ...extra,
  };
}

async function weightsOf(modelDir: string): Promise<Map<string, Float32Array>> {
  const { model } = await loadModel(modelDir);
  const out = new Map([...model.variables].map(([name, v]) => [name, v.dataSync() as Float32Array]));
  model.dispose();
  return out;
}

describe('runTraining', () => {
  it('trains, reports events in order, saves the model and does not leak tensors', async () => {
    const events: TrainEvent[] = [];
    const before = tf.memory().numTensors;
    const result = await runTraining(config('plain', { maxSteps: 20, validateEvery: 10 }), { backend: 'wasm', onEvent: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    expect(result).toMatchObject({ reason: 'max-steps', step: 20 });
    expect(events[0]).toMatchObject({ type: 'started', step: 0, resumed: false, dataset: { trainImages: expect.any(Number), valImages: expect.any(Number) } });
    expect(events.at(-1)).toMatchObject({ type: 'finished', reason: 'max-steps' });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.map((e) => e.step)).toEqual([10, 20]);
    const vals = events.filter((e) => e.type === 'validation');
    expect(vals.length).toBeGreaterThanOrEqual(2);
    // A denoiser that learned anything beats the noisy input it started from.
    expect(result.metrics['val_psnr']).toBeGreaterThan(20.5);
    const loaded = await loadModel(result.modelDir);
    expect(loaded.meta.training).toMatchObject({ steps: 20, noise: 'gaussian:25', stopReason: 'max-steps' });
    loaded.model.dispose();
  });

  it('stops on cancel with a checkpoint, and a resumed run ends exactly where an uninterrupted one does', async () => {
    await runTraining(config('straight', { maxSteps: 6 }), { backend: 'wasm' });

    const controller = new AbortController();
    let steps = 0;
    const cancelled = await runTraining(config('interrupted', { maxSteps: 6 }), {
      backend: 'wasm',
      signal: controller.signal,
      beforeStep: async () => {
        if (++steps === 4) controller.abort();
      },
    });
    expect(cancelled).toMatchObject({ reason: 'cancelled', step: 3 });
    const ckpts = await fs.readdir(join(dir, 'interrupted', 'checkpoints'));
    expect(ckpts).toContain('ckpt-0000003');

    const resumedEvents: TrainEvent[] = [];
    const resumed = await runTraining(config('interrupted', { maxSteps: 6 }), { backend: 'wasm', resume: true, onEvent: (e) => resumedEvents.push(e) });
    expect(resumedEvents[0]).toMatchObject({ type: 'started', step: 3, resumed: true });
    expect(resumed).toMatchObject({ reason: 'max-steps', step: 6 });

    const a = await weightsOf(join(dir, 'straight'));
    const b = await weightsOf(join(dir, 'interrupted'));
    for (const [name, values] of a) expect(Array.from(b.get(name) ?? []), name).toEqual(Array.from(values));
  });

  it('refuses to resume with different settings, and to run without a bound', async () => {
    await expect(runTraining(config('interrupted', { maxSteps: 9, patchSize: 20 }), { backend: 'wasm', resume: true })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
    await expect(runTraining(config('unbounded'), { backend: 'wasm' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('reports a folder without images clearly', async () => {
    const empty = join(dir, 'empty');
    await fs.mkdir(empty);
    await expect(runTraining({ ...config('none', { maxSteps: 1 }), dataDirs: [empty] }, { backend: 'wasm' })).rejects.toMatchObject({ code: 'E_NO_IMAGES' });
  });
});

describe('early stopping', () => {
  it('stops after `patience` validations without a better PSNR', async () => {
    // A learning rate this small cannot improve the score measurably between validations.
    const result = await runTraining(config('patient', { maxSteps: 40, validateEvery: 2, patience: 2, learningRate: 1e-9 }), { backend: 'wasm' });
    expect(result.reason).toBe('early-stop');
    expect(result.step).toBeLessThan(40);
  });
});
