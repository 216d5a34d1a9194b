import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, META_FILE, saveModel } from '../store/model-files';
import { createModel, resolveModelSpec } from './registry';

/** Model folders are checked against the kind's option schema when they load. */
let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(join(tmpdir(), 'stored-options-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function saveVae(target: string): Promise<void> {
  const model = createModel(resolveModelSpec('vae', 1, { input: 8, latent: 2, width: 4 }), 1);
  await saveModel(target, { model, backend: 'cpu', training: null, metrics: {} });
  model.dispose();
}

async function editOptions(target: string, edit: (options: Record<string, unknown>) => void): Promise<void> {
  const file = join(target, META_FILE);
  const meta = JSON.parse(await fs.readFile(file, 'utf8')) as { spec: { options: Record<string, unknown> } };
  edit(meta.spec.options);
  await fs.writeFile(file, JSON.stringify(meta));
}

describe('stored model options', () => {
  it('a hand-edited bad option is E_MODEL_CORRUPT naming the file, the option and the value', async () => {
    const target = join(dir, 'bad');
    await saveVae(target);
    await editOptions(target, (o) => {
      o['beta'] = -3;
    });
    const err = await loadModel(target).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_MODEL_CORRUPT' });
    expect((err as Error).message).toBe(`${join(target, META_FILE)} holds options its model cannot use: Option "beta" must be a number in [0, 10000], got -3`);
  });

  it('an option the kind does not have is refused too', async () => {
    const target = join(dir, 'extra');
    await saveVae(target);
    await editOptions(target, (o) => {
      o['depth'] = 3;
    });
    await expect(loadModel(target)).rejects.toThrow(/The vae model has no option "depth"/);
  });

  it('the shipped starter model still loads, with the options its meta.json holds', async () => {
    const starter = resolve('resources/models/dae-gray-sigma25');
    const stored = (JSON.parse(await fs.readFile(join(starter, META_FILE), 'utf8')) as { spec: { options: Record<string, unknown> } }).spec.options;
    const { model } = await loadModel(starter);
    expect(model.spec.kind).toBe('dae');
    expect(model.spec.options).toMatchObject(stored);
    model.dispose();
  });
});
