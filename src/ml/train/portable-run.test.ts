import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { prepareContinue } from '../jobs/train';
import { runTraining } from './train-run';

/**
 * A training run's files carry no absolute path of the machine (model metadata names its data
 * folders, checkpoints store them relative to the run), so a run moved together with its data
 * resumes in the new place.
 */
let dir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('portable-run-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => join(e.parentPath, e.name));
}

describe('portable training runs', () => {
  it('writes no absolute path and resumes after the run and its data move together', async () => {
    const before = join(dir, 'machine-a');
    await fs.mkdir(join(before, 'datasets', 'textures'), { recursive: true });
    await writeTextureImages(join(before, 'datasets', 'textures'), 4, { width: 32, height: 32 });
    const config: TrainConfig = {
      ...TRAIN_DEFAULTS,
      dataDirs: [join(before, 'datasets', 'textures')],
      kind: 'dae',
      modelOptions: { size: 'tiny' },
      noise: { type: 'gaussian', sigma: 25 },
      patchSize: 16,
      batchSize: 2,
      maxSteps: 4,
      validateEvery: 100,
      checkpointEvery: 2,
      valFraction: 0.25,
      outDir: join(before, 'models', 'run'),
    };
    await runTraining(config, { backend: 'wasm' });
    for (const file of await filesUnder(join(before, 'models', 'run'))) {
      expect(await fs.readFile(file, 'utf8'), file).not.toContain(dir);
    }
    const meta = JSON.parse(await fs.readFile(join(before, 'models', 'run', 'meta.json'), 'utf8')) as { training: { dataset: { roots: string[] } } };
    expect(meta.training.dataset.roots).toEqual(['textures']);

    const after = join(dir, 'machine-b');
    await fs.rename(before, after);
    const saved = (await prepareContinue(join(after, 'models', 'run'))).config;
    expect(saved.dataDirs).toEqual([join(after, 'datasets', 'textures')]);
    const resumed = await runTraining({ ...saved, maxSteps: 6 }, { backend: 'wasm', resume: true });
    expect(resumed).toMatchObject({ reason: 'max-steps', step: 6 });
  });
});
