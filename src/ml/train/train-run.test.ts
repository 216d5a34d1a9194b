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
import { listModelsAndRuns } from './checkpoints';
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

/**
 * Checkpoints by time: steps can be minutes apart, so a run also saves once `checkpointSeconds`
 * have passed. A fake clock, advanced 25 s before each step, stands in for wall time.
 */
describe('timed checkpoints', () => {
  const fakeClock = (onStep: (step: number) => void = () => undefined): { now: () => number; beforeStep: () => Promise<void> } => {
    let clock = 0;
    let steps = 0;
    return {
      now: () => clock,
      beforeStep: async () => {
        clock += 25_000;
        onStep(++steps);
      },
    };
  };
  const checkpointSteps = (events: TrainEvent[]): number[] => events.flatMap((e) => (e.type === 'checkpoint' ? [e.step] : []));

  it('saves when 60 s have passed since the last save, however far apart the step checkpoints are', async () => {
    const events: TrainEvent[] = [];
    expect(TRAIN_DEFAULTS.checkpointSeconds).toBe(60);
    await runTraining(config('timed', { maxSteps: 7, checkpointEvery: 1_000_000 }), { backend: 'wasm', ...fakeClock(), onEvent: (e) => events.push(e) });
    // 25 s a step: 75 s at step 3, 75 s more at step 6, then the final save at 7.
    expect(checkpointSteps(events)).toEqual([3, 6, 7]);
  });

  it('counts from any save, and 0 turns the clock off', async () => {
    const events: TrainEvent[] = [];
    await runTraining(config('timed-mixed', { maxSteps: 7, checkpointEvery: 2, checkpointSeconds: 60 }), { backend: 'wasm', ...fakeClock(), onEvent: (e) => events.push(e) });
    expect(checkpointSteps(events)).toEqual([2, 4, 6, 7]);
    const off: TrainEvent[] = [];
    await runTraining(config('timed-off', { maxSteps: 7, checkpointEvery: 1_000_000, checkpointSeconds: 0 }), { backend: 'wasm', ...fakeClock(), onEvent: (e) => off.push(e) });
    expect(checkpointSteps(off)).toEqual([7]);
  });

  it('a run killed after its first timed save is listed as continuable and continues exactly', async () => {
    const settings = { maxSteps: 6, checkpointEvery: 1_000_000 };
    await runTraining(config('timed-straight', settings), { backend: 'wasm' });
    // A crash (not a cancel): nothing more is written after the timed checkpoint at step 3.
    const killed = runTraining(config('timed-killed', settings), {
      backend: 'wasm',
      ...fakeClock((step) => {
        if (step === 5) throw new Error('killed');
      }),
    });
    await expect(killed).rejects.toThrow('killed');
    await expect(fs.stat(join(dir, 'timed-killed', 'meta.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    const listed = (await listModelsAndRuns(dir)).find((e) => e.dir === join(dir, 'timed-killed'));
    expect(listed).toMatchObject({ continuable: true, run: { step: 3, skipped: [], config: { kind: 'dae', maxSteps: 6 } } });

    const events: TrainEvent[] = [];
    const resumed = await runTraining(config('timed-killed', settings), { backend: 'wasm', resume: true, onEvent: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ type: 'started', step: 3, resumed: true, skippedCheckpoints: [] });
    expect(resumed).toMatchObject({ reason: 'max-steps', step: 6 });
    const a = await weightsOf(join(dir, 'timed-straight'));
    const b = await weightsOf(join(dir, 'timed-killed'));
    for (const [name, values] of a) expect(Array.from(b.get(name) ?? []), name).toEqual(Array.from(values));
  });

  it('continues from the newest checkpoint that verifies and says which it passed over', async () => {
    await runTraining(config('damaged', { maxSteps: 6, checkpointEvery: 2 }), { backend: 'wasm' });
    const newest = join(dir, 'damaged', 'checkpoints', 'ckpt-0000006');
    const meta = JSON.parse(await fs.readFile(join(newest, 'meta.json'), 'utf8')) as { weights: { file: string } };
    const weights = await fs.readFile(join(newest, meta.weights.file));
    weights[8] = (weights[8] as number) ^ 0xff;
    await fs.writeFile(join(newest, meta.weights.file), weights);

    const events: TrainEvent[] = [];
    const resumed = await runTraining(config('damaged', { maxSteps: 8, checkpointEvery: 2 }), { backend: 'wasm', resume: true, onEvent: (e) => events.push(e) });
    expect(events[0]).toMatchObject({
      type: 'started',
      step: 4,
      resumed: true,
      skippedCheckpoints: [{ checkpoint: 'ckpt-0000006', step: 6, code: 'E_CHECKPOINT_CORRUPT', message: expect.stringContaining('checksum') }],
    });
    expect(resumed).toMatchObject({ reason: 'max-steps', step: 8 });
  });
});
