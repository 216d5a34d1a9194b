import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { createModel, resolveModelSpec } from '../models/registry';
import { saveModel } from '../store/model-files';
import { compareModels, formatCompareTable } from './compare';

let dir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('compare-');
  await fs.mkdir(join(dir, 'data'));
  await writeTextureImages(join(dir, 'data'), 3, { width: 48, height: 40 });
  const save = async (name: string, kind: string, options: Record<string, string | number | boolean>): Promise<void> => {
    const model = createModel(resolveModelSpec(kind, 1, options), 1);
    await saveModel(join(dir, name), { model, backend: 'wasm', training: null, metrics: {} });
    model.dispose();
  };
  await save('dae', 'dae', { size: 'tiny' });
  await save('cae', 'cae', { arch: 'conv', latent: 4 });
  await save('sparse', 'sparse', { input: 8, latent: 16 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('compare', () => {
  it('scores every model on the same noisy images and prints one table', async () => {
    const before = tf.memory().numTensors;
    const models = ['dae', 'cae', 'sparse', 'dae'].map((m) => join(dir, m));
    const report = await compareModels(models, join(dir, 'data'), { gpu: false, noise: { type: 'gaussian', sigma: 25 }, seed: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.rows.map((r) => r.kind)).toEqual(['dae', 'cae', 'sparse', 'dae']);
    // Same seed, same noise: every model saw identical inputs.
    const noisy = new Set(report.rows.map((r) => r.noisyPsnr.toFixed(6)));
    expect(noisy.size).toBe(1);
    // And the same model scores the same both times.
    expect(report.rows[3]?.psnr).toBe(report.rows[0]?.psnr);
    for (const r of report.rows) expect(r.images).toBe(3);
    const table = formatCompareTable(report);
    expect(table.split('\n')).toHaveLength(2 + 1 + 4);
    expect(table).toContain('noise gaussian:25, seed 4');
    expect(table).toMatch(/sparse\s+sparse\s+3\s+\d+\.\d\d\s+\d\.\d{4}/);
  });

  it('reports a folder that is not a model and still scores the others', async () => {
    const report = await compareModels([join(dir, 'data'), join(dir, 'dae')], join(dir, 'data'), { gpu: false, noise: { type: 'gaussian', sigma: 25 }, seed: 0 });
    expect(report.failed).toEqual([{ dir: join(dir, 'data'), error: expect.objectContaining({ code: 'E_MODEL_CORRUPT' }) }]);
    expect(report.rows.map((r) => r.dir)).toEqual([join(dir, 'dae')]);
    expect(formatCompareTable(report)).toContain(`failed: ${join(dir, 'data')}`);
  });
});
