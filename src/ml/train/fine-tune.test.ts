import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import type { Model } from '../models/model';
import { loadModel } from '../store/model-files';
import { prepareNewRun } from '../jobs/train';
import { resolveConfig, runTraining } from './train-run';

/** Fine-tuning (`train --init`): a new run that starts from another model's weights. */
let dir: string;
let data: string;
let base: TrainConfig;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('fine-tune-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  await writeTextureImages(data, 6, { width: 40, height: 40 });
  base = { ...TRAIN_DEFAULTS, dataDirs: [data], kind: 'dae', modelOptions: { size: 'tiny' }, noise: { type: 'gaussian', sigma: 20 }, patchSize: 16, batchSize: 4, maxSteps: 3, valFraction: 0.2, outDir: join(dir, 'start') };
  await runTraining(base, { backend: 'wasm' });
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function weightsOf(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.variables) out.set(name, (await v.data()) as Float32Array);
  return out;
}

function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let max = 0;
  for (const [name, values] of a) {
    const other = b.get(name) as Float32Array;
    values.forEach((v, i) => (max = Math.max(max, Math.abs(v - (other[i] as number)))));
  }
  return max;
}

describe('fine-tuning', () => {
  it("starts from the given model's weights, records where it started, and keeps that through a continue", async () => {
    const start = await loadModel(join(dir, 'start'));
    const startWeights = await weightsOf(start.model);
    start.model.dispose();
    // A rate so small that one Adam step (which moves each weight by about the rate) changes nothing visible.
    const tuned: TrainConfig = { ...base, noise: { type: 'gaussian', sigma: 5 }, learningRate: 1e-9, maxSteps: 1, seed: 99, outDir: join(dir, 'tuned'), initFrom: join(dir, 'start') };
    await runTraining(tuned, { backend: 'wasm' });
    const fine = await loadModel(join(dir, 'tuned'));
    expect(maxDifference(await weightsOf(fine.model), startWeights)).toBeLessThan(1e-6);
    fine.model.dispose();
    expect(fine.meta.training?.initFrom).toEqual({ name: start.meta.name, steps: 3 });
    expect(fine.meta.training?.steps).toBe(1);

    // A seeded start (no init) is a different model: the test above could not pass by accident.
    await runTraining({ ...tuned, initFrom: undefined, outDir: join(dir, 'fresh') } as TrainConfig, { backend: 'wasm' });
    const fresh = await loadModel(join(dir, 'fresh'));
    expect(maxDifference(await weightsOf(fresh.model), startWeights)).toBeGreaterThan(1e-3);
    fresh.model.dispose();

    // The checkpoint stores the starting point relative to the run (no machine path) and a continue keeps the record.
    const latest = JSON.parse(await fs.readFile(join(dir, 'tuned', 'checkpoints', 'latest.json'), 'utf8')) as { checkpoint: string };
    const state = JSON.parse(await fs.readFile(join(dir, 'tuned', 'checkpoints', latest.checkpoint, 'train-state.json'), 'utf8')) as { config: TrainConfig };
    expect(state.config.initFrom).toBe('../start');
    await runTraining({ ...resolveConfig(state.config, join(dir, 'tuned')), maxSteps: 2 }, { backend: 'wasm', resume: true });
    const continued = await loadModel(join(dir, 'tuned'));
    continued.model.dispose();
    expect(continued.meta.training?.steps).toBe(2);
    expect(continued.meta.training?.initFrom).toEqual({ name: start.meta.name, steps: 3 });
  }, 120_000);

  it('may set the loss anew: the weights are the start’s, the new loss is what the first step minimises', async () => {
    const start = await loadModel(join(dir, 'start'));
    const startWeights = await weightsOf(start.model);
    start.model.dispose();
    expect(start.meta.spec.options['loss']).toBe('mse');
    /** The mean loss of the first progress report (10 steps) of a run at a rate too small to move the weights. */
    const firstLoss = async (loss: string, name: string): Promise<number> => {
      const losses: number[] = [];
      const config: TrainConfig = { ...base, modelOptions: { size: 'tiny', loss }, learningRate: 1e-9, maxSteps: 10, seed: 7, outDir: join(dir, name), initFrom: join(dir, 'start') };
      await prepareNewRun(config, { overwrite: false });
      await runTraining(config, { backend: 'wasm', onEvent: (e) => (e.type === 'progress' ? losses.push(e.loss) : undefined) });
      return losses[0] as number;
    };
    const mse = await firstLoss('mse', 'same-loss');
    const l1 = await firstLoss('l1', 'l1-loss');
    const tuned = await loadModel(join(dir, 'l1-loss'));
    expect(tuned.meta.spec.options['loss']).toBe('l1');
    expect(maxDifference(await weightsOf(tuned.model), startWeights)).toBeLessThan(1e-6);
    tuned.model.dispose();
    // Same weights, same batches: mean |e| is far above mean e^2 for errors well under 1, so an L1
    // run that silently kept the start's MSE would report the same figure.
    expect(l1).toBeGreaterThan(3 * mse);
  }, 120_000);

  it('refuses a starting model that is not the run’s model', async () => {
    const other: TrainConfig = { ...base, modelOptions: { size: 'small' }, outDir: join(dir, 'mismatch'), initFrom: join(dir, 'start') };
    await expect(runTraining(other, { backend: 'wasm' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', });
    await expect(runTraining(other, { backend: 'wasm' })).rejects.toThrow(/Cannot fine-tune from .*: it is dae, RGB, loss=mse noiseMap=false residual=true size=tiny, this run needs .*size=small/);
    await expect(runTraining({ ...other, modelOptions: { size: 'tiny' }, initFrom: join(dir, 'data') }, { backend: 'wasm' })).rejects.toMatchObject({ code: expect.stringMatching(/^E_/) });
  });

  it('is checked by prepareNewRun before any data is read, and an overwrite never deletes the starting model', async () => {
    const start = join(dir, 'start');
    // The app's request names the model's kind and options; one changed by hand is refused at once.
    await expect(prepareNewRun({ ...base, modelOptions: { size: 'small' }, outDir: join(dir, 'early'), initFrom: start, dataDirs: [join(dir, 'missing')] }, { overwrite: false })).rejects.toThrow(
      /Cannot fine-tune from .*start: it is dae, RGB, .*size=tiny, this run needs dae, RGB, .*size=small/,
    );
    await expect(prepareNewRun({ ...base, channels: 1, outDir: join(dir, 'early'), initFrom: start }, { overwrite: false })).rejects.toThrow(/it is dae, RGB, .* this run needs dae, gray/);
    await expect(prepareNewRun({ ...base, outDir: join(dir, 'early'), initFrom: join(dir, 'nowhere') }, { overwrite: false })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    for (const initFrom of [start, join(start, 'checkpoints', 'ckpt-0000003')]) {
      await expect(prepareNewRun({ ...base, outDir: start, initFrom }, { overwrite: true })).rejects.toThrow(/is the new model's folder .* or lies in it/);
    }
    expect((await loadModel(start)).meta.training?.steps).toBe(3);
    await expect(prepareNewRun({ ...base, outDir: join(dir, 'early'), initFrom: start }, { overwrite: false })).resolves.toBeUndefined();
  });
});
