import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import type { Model } from '../models/model';
import { createModel, resolveModelSpec } from '../models/registry';
import { META_FILE, readModelMeta, saveModel } from '../store/model-files';
import { CHECKPOINTS_DIR, findLatestCheckpoint, listModelsAndRuns, writeCheckpoint } from './checkpoints';

/**
 * Choosing where a run continues from: the newest checkpoint whose files verify (meta, train
 * state, and the weights and optimizer files by size and SHA-256), with what was passed over
 * and why; and the model listing, where a run that saved checkpoints but no final model shows
 * up as one that can be continued.
 */
let dir: string;
let model: Model;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 1);
});
afterAll(() => model.dispose());
beforeEach(async () => {
  dir = await makeTempDir('ckpt-');
});
afterEach(async () => {
  await removeTempDir(dir);
});

const config = (outDir: string): TrainConfig => ({
  ...TRAIN_DEFAULTS,
  dataDirs: ['/data/photos'],
  kind: 'dae',
  modelOptions: { size: 'tiny' },
  noise: { type: 'gaussian', sigma: 25 },
  maxSteps: 100,
  outDir,
});

async function save(outDir: string, step: number): Promise<string> {
  const weights = [{ name: 'm', tensor: tf.fill([3], step) }];
  const state = { version: 1, config: config(outDir), step, elapsedMs: step * 1000 };
  try {
    return await writeCheckpoint(outDir, step, { model, backend: 'cpu', training: null, metrics: {}, optimizer: { name: 'adam', step, weights } }, state);
  } finally {
    tf.dispose(weights.map((w) => w.tensor));
  }
}

async function damage(ckptDir: string, which: 'weights' | 'optimizer', how: 'flip' | 'truncate' | 'remove'): Promise<void> {
  const meta = await readModelMeta(ckptDir);
  const file = join(ckptDir, which === 'weights' ? meta.weights.file : (meta.optimizer?.file ?? ''));
  if (how === 'remove') return fs.rm(file);
  const bytes = await fs.readFile(file);
  if (how === 'truncate') return fs.writeFile(file, bytes.subarray(0, bytes.length - 4));
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
  return fs.writeFile(file, bytes);
}

describe('findLatestCheckpoint', () => {
  it('takes the newest checkpoint when it verifies', async () => {
    const out = join(dir, 'run');
    await save(out, 3);
    await save(out, 6);
    const found = await findLatestCheckpoint(out);
    expect(found).toMatchObject({ step: 6, skipped: [] });
    expect(found.dir).toBe(join(out, CHECKPOINTS_DIR, 'ckpt-0000006'));
  });

  for (const [which, how, says] of [
    ['weights', 'flip', 'checksum'],
    ['weights', 'truncate', 'bytes'],
    ['optimizer', 'flip', 'checksum'],
    ['optimizer', 'remove', 'missing'],
  ] as const) {
    it(`passes over a newest checkpoint whose ${which} file is damaged (${how}) and says so`, async () => {
      const out = join(dir, 'run');
      await save(out, 3);
      const newest = await save(out, 6);
      await damage(newest, which, how);
      const found = await findLatestCheckpoint(out);
      expect(found.step).toBe(3);
      expect(found.dir).toBe(join(out, CHECKPOINTS_DIR, 'ckpt-0000003'));
      expect(found.skipped).toEqual([{ checkpoint: 'ckpt-0000006', step: 6, code: 'E_CHECKPOINT_CORRUPT', message: expect.stringContaining(says) }]);
    });
  }

  it('fails with E_CHECKPOINT_CORRUPT, naming each, when no checkpoint verifies', async () => {
    const out = join(dir, 'run');
    await damage(await save(out, 3), 'weights', 'flip');
    await damage(await save(out, 6), 'weights', 'truncate');
    await expect(findLatestCheckpoint(out)).rejects.toMatchObject({
      code: 'E_CHECKPOINT_CORRUPT',
      message: expect.stringMatching(/ckpt-0000006.*ckpt-0000003/),
    });
  });

  it('orders checkpoints by step, past seven digits too', async () => {
    const out = join(dir, 'run');
    await save(out, 9_999_999);
    await save(out, 10_000_000);
    expect((await findLatestCheckpoint(out)).step).toBe(10_000_000);
  });

  it('drops checkpoints ahead of the one a continued run started from (they belong to the abandoned attempt)', async () => {
    const out = join(dir, 'run');
    await save(out, 3);
    await damage(await save(out, 6), 'weights', 'flip');
    // Continued from 3 (6 was damaged), the run saves at 5: 6 must not win the next choice.
    await save(out, 5);
    expect((await fs.readdir(join(out, CHECKPOINTS_DIR))).filter((n) => n.startsWith('ckpt-')).sort()).toEqual(['ckpt-0000003', 'ckpt-0000005']);
    expect(await findLatestCheckpoint(out)).toMatchObject({ step: 5, skipped: [] });
  });
});

describe('listModelsAndRuns', () => {
  it('lists finished models, runs that can be continued, and runs with no usable checkpoint', async () => {
    await saveModel(join(dir, 'finished'), { model, backend: 'cpu', training: null, metrics: {} });
    await save(join(dir, 'stopped'), 3);
    await damage(await save(join(dir, 'stopped'), 6), 'weights', 'flip');
    await damage(await save(join(dir, 'wrecked'), 2), 'optimizer', 'remove');
    await fs.mkdir(join(dir, 'photos'));
    await fs.mkdir(join(dir, 'empty-run', CHECKPOINTS_DIR), { recursive: true });
    const list = await listModelsAndRuns(dir);
    expect(list.map((e) => e.dir)).toEqual([join(dir, 'finished'), join(dir, 'stopped'), join(dir, 'wrecked')]);
    expect(list[0]).toMatchObject({ meta: { name: 'finished' } });
    expect(list[0]).not.toHaveProperty('continuable');
    expect(list[1]).toEqual({
      dir: join(dir, 'stopped'),
      continuable: true,
      run: {
        step: 3,
        checkpointDir: join(dir, 'stopped', CHECKPOINTS_DIR, 'ckpt-0000003'),
        elapsedMs: 3000,
        updatedAt: expect.any(String),
        config: config(join(dir, 'stopped')),
        skipped: [{ checkpoint: 'ckpt-0000006', step: 6, code: 'E_CHECKPOINT_CORRUPT', message: expect.stringContaining('checksum') }],
      },
    });
    expect(list[2]).toMatchObject({ dir: join(dir, 'wrecked'), error: { code: 'E_CHECKPOINT_CORRUPT' } });
    expect(list[2]).not.toHaveProperty('continuable');
    // A finished model that also kept its checkpoints is listed as the model, once.
    await fs.rm(join(dir, 'stopped', META_FILE), { force: true });
  });
});
