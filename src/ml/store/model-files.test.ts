import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createModel, resolveModelSpec } from '../models/registry';
import { deleteModel, listModels, loadModel, loadOptimizerWeights, META_FILE, readModelMeta, saveModel } from './model-files';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'models-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const spec = resolveModelSpec('dae', 1, { size: 'tiny' });

async function saveTiny(target: string, seed = 3) {
  const model = createModel(spec, seed);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([2, 16, 16, 1]) as tf.Tensor4D;
  opt.minimize(() => model.loss({ input: x, target: x }).total, false, [...model.variables.values()]);
  const meta = await saveModel(target, { model, backend: 'cpu', training: null, metrics: { val_psnr: 30 }, optimizer: { name: 'adam', step: 1, weights: await opt.getWeights() } });
  return { model, opt, x, meta };
}

describe('model files', () => {
  it('round-trips weights, predictions and optimizer state', async () => {
    const target = join(dir, 'm');
    const { model, opt, x, meta } = await saveTiny(target);
    const loaded = await loadModel(target);
    expect(loaded.meta.spec).toEqual(spec);
    expect(loaded.meta.metrics['val_psnr']).toBe(30);
    const a = model.predict(x);
    const b = loaded.model.predict(x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    const restored = await loadOptimizerWeights(target, meta);
    const original = await opt.getWeights();
    expect(restored?.map((w) => w.name).sort()).toEqual(original.map((w) => w.name).sort());
    for (const w of original) {
      const r = restored?.find((q) => q.name === w.name);
      expect(Array.from(r?.tensor.dataSync() ?? [])).toEqual(Array.from(w.tensor.dataSync()));
    }
    tf.dispose([a, b, x, ...(restored ?? []).map((w) => w.tensor)]);
    model.dispose();
    loaded.model.dispose();
    opt.dispose();
  });

  it('does not leak tensors across save and load', async () => {
    const target = join(dir, 'm');
    const { model, opt, x } = await saveTiny(target);
    const before = tf.memory().numTensors;
    const loaded = await loadModel(target);
    loaded.model.dispose();
    await saveModel(target, { model, backend: 'cpu', training: null, metrics: {} });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    opt.dispose();
    x.dispose();
  });

  it('re-saving replaces the weights file and keeps other content of the folder', async () => {
    const target = join(dir, 'm');
    const first = await saveTiny(target, 1);
    await fs.mkdir(join(target, 'checkpoints'));
    const second = await saveTiny(target, 2);
    const files = (await fs.readdir(target)).sort();
    expect(files).toContain('checkpoints');
    expect(files.filter((f) => f.startsWith('weights-'))).toEqual([second.meta.weights.file]);
    for (const r of [first, second]) {
      r.model.dispose();
      r.opt.dispose();
      r.x.dispose();
    }
  });

  it('reports a missing folder, a foreign folder, a missing and a damaged weights file', async () => {
    await expect(loadModel(join(dir, 'nope'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await fs.mkdir(join(dir, 'foreign'));
    await fs.writeFile(join(dir, 'foreign', 'notes.txt'), 'hello');
    await expect(loadModel(join(dir, 'foreign'))).rejects.toMatchObject({ code: 'E_MODEL_CORRUPT', message: expect.stringContaining('no meta.json') });
    await fs.writeFile(join(dir, 'foreign', META_FILE), '{"format":"other"}');
    await expect(loadModel(join(dir, 'foreign'))).rejects.toMatchObject({ code: 'E_MODEL_CORRUPT', message: expect.stringContaining('not a Denoise Studio model') });

    const target = join(dir, 'm');
    const { model, opt, x, meta } = await saveTiny(target);
    await fs.rm(join(target, meta.weights.file));
    await expect(loadModel(target)).rejects.toMatchObject({ code: 'E_MODEL_CORRUPT', message: expect.stringContaining('missing') });
    await fs.writeFile(join(target, meta.weights.file), new Uint8Array(meta.weights.bytes));
    await expect(loadModel(target)).rejects.toMatchObject({ code: 'E_MODEL_CORRUPT', message: expect.stringContaining('checksum') });
    await fs.writeFile(join(target, meta.weights.file), new Uint8Array(10));
    await expect(loadModel(target)).rejects.toMatchObject({ code: 'E_MODEL_CORRUPT', message: expect.stringContaining('truncated') });
    model.dispose();
    opt.dispose();
    x.dispose();
  });

  it('refuses a model from a newer format and an unknown kind', async () => {
    const target = join(dir, 'm');
    const { model, opt, x } = await saveTiny(target);
    const meta = JSON.parse(await fs.readFile(join(target, META_FILE), 'utf8'));
    await fs.writeFile(join(target, META_FILE), JSON.stringify({ ...meta, formatVersion: 99 }));
    await expect(readModelMeta(target)).rejects.toMatchObject({ code: 'E_MODEL_INCOMPATIBLE' });
    await fs.writeFile(join(target, META_FILE), JSON.stringify({ ...meta, spec: { ...meta.spec, kind: 'quantum' } }));
    await expect(loadModel(target)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('quantum') });
    model.dispose();
    opt.dispose();
    x.dispose();
  });

  it('lists models (damaged ones with their error) and deletes only model folders', async () => {
    const { model, opt, x } = await saveTiny(join(dir, 'good'));
    await fs.mkdir(join(dir, 'bad'));
    await fs.writeFile(join(dir, 'bad', META_FILE), 'not json');
    await fs.mkdir(join(dir, 'photos'));
    const list = await listModels(dir);
    expect(list.map((m) => [m.dir.endsWith('good'), m.meta !== undefined, m.error?.code])).toEqual([
      [false, false, 'E_MODEL_CORRUPT'],
      [true, true, undefined],
    ]);
    await expect(deleteModel(join(dir, 'photos'))).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await deleteModel(join(dir, 'good'));
    expect((await fs.readdir(dir)).sort()).toEqual(['bad', 'photos']);
    model.dispose();
    opt.dispose();
    x.dispose();
  });
});
