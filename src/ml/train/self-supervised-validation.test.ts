import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type TrainConfig, type TrainEvent } from '../../shared/training';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { writeTextureImages } from '../../test-support/textures';
import { initBackend } from '../backend';
import { runTraining } from './train-run';

/**
 * Self-supervised runs on photos that are already noisy have no clean image: their progress
 * must report the blind-spot loss on held-out pixels and no PSNR, while a simulation on clean
 * images (noise added) still scores against the clean crops.
 */
let dir: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  dir = await makeTempDir('ssv-');
  await fs.mkdir(join(dir, 'data'));
  await writeTextureImages(join(dir, 'data'), 5, { width: 40, height: 40 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

function config(out: string, sigma: number): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    dataDirs: [join(dir, 'data')],
    kind: 'dae',
    modelOptions: { size: 'tiny' },
    noise: { type: 'gaussian', sigma },
    selfSupervised: { fraction: 0.05, radius: 2 },
    patchSize: 16,
    batchSize: 2,
    maxSteps: 6,
    validateEvery: 3,
    checkpointEvery: 100,
    valFraction: 0.2,
    outDir: join(dir, out),
  };
}

describe('self-supervised validation', () => {
  it('with nothing added (gaussian:0) reports the held-out blind-spot loss and no PSNR', async () => {
    const events: TrainEvent[] = [];
    const result = await runTraining(config('real', 0), { backend: 'wasm', onEvent: (e) => events.push(e) });
    const validations = events.filter((e) => e.type === 'validation');
    expect(validations.length).toBeGreaterThan(0);
    for (const v of validations) {
      expect(v).toMatchObject({ reference: 'none' });
      expect(v.psnr).toBeNaN();
      expect(v.loss).toBeGreaterThan(0);
    }
    expect(result.metrics).not.toHaveProperty('val_psnr');
    expect(result.metrics['val_blind_spot_loss']).toBeGreaterThan(0);
  });

  it('on clean images with noise added still scores against the clean crops', async () => {
    const events: TrainEvent[] = [];
    const result = await runTraining(config('simulated', 25), { backend: 'wasm', onEvent: (e) => events.push(e) });
    const v = events.find((e) => e.type === 'validation');
    expect(v).toMatchObject({ reference: 'clean' });
    expect(Number.isFinite(result.metrics['val_psnr'])).toBe(true);
  });
});
