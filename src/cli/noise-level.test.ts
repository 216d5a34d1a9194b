import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../ml/data/rng';
import { captureCliOutput } from '../test-support/capture-output';
import { makeTempDir, removeTempDir } from '../test-support/fixtures';
import { texturePixels, writeTextureImages } from '../test-support/textures';
import { main } from './main';

/**
 * The noise level on the command line: estimate-noise per image (text and JSON), a level-aware
 * model trained over a range, then denoise with the level estimated per image or given, and
 * eval passing the protocol's level.
 */
let dir: string;
const output = captureCliOutput();

async function writeNoisy(file: string, sigma: number, seed: number): Promise<void> {
  const clean = texturePixels(96, 96, 1, seed);
  const rng = new Rng(seed);
  const pixels = Uint8Array.from(clean, (v) => Math.round(Math.min(255, Math.max(0, 51 + 0.6 * v + sigma * rng.normal()))));
  await sharp(Buffer.from(pixels), { raw: { width: 96, height: 96, channels: 1 } }).png().toFile(file);
}

beforeAll(async () => {
  process.env['DENOISE_BACKEND'] = 'wasm';
  dir = await makeTempDir('cli-noise-');
  await fs.mkdir(join(dir, 'noisy'));
  await writeNoisy(join(dir, 'noisy', 'light.png'), 5, 1);
  await writeNoisy(join(dir, 'noisy', 'heavy.png'), 30, 2);
  await fs.mkdir(join(dir, 'data'));
  await writeTextureImages(join(dir, 'data'), 5, { width: 48, height: 40 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('noise level on the command line', () => {
  it('estimate-noise prints each image\'s sigma, and --json the documented object', async () => {
    expect(await main(['estimate-noise', join(dir, 'noisy'), '--json'])).toBe(0);
    const report = JSON.parse(output.stdout) as { images: { file: string; sigma: number }[]; method: string };
    expect(report.images.map((i) => i.file.split(/[\\/]/).pop())).toEqual(['heavy.png', 'light.png']);
    const [heavy, light] = report.images.map((i) => i.sigma) as [number, number];
    expect(Math.abs(heavy - 30)).toBeLessThanOrEqual(3);
    expect(Math.abs(light - 5)).toBeLessThanOrEqual(1.5);
    output.stdout = '';
    expect(await main(['estimate-noise', join(dir, 'noisy', 'light.png')])).toBe(0);
    expect(output.stdout).toMatch(/light\.png: sigma \d+\.\d\d/);
    expect(await main(['estimate-noise', join(dir, 'missing')])).not.toBe(0);
  });

  it('denoise tells a level-aware model the estimated or the given level, and eval passes the protocol level', async () => {
    const model = join(dir, 'level-aware');
    const train = ['train', '--data', join(dir, 'data'), '--noise', 'gaussian:0-50', '--opt', 'noiseMap=true', '--steps', '4', '--out', model];
    expect(await main([...train, '--size', 'tiny', '--patch', '16', '--batch', '2'])).toBe(0);
    output.stdout = '';
    expect(await main(['denoise', '--model', model, '--input', join(dir, 'noisy'), '--out', join(dir, 'auto')])).toBe(0);
    expect(output.stdout).toMatch(/heavy\.png -> .*\(sigma \d+\.\d\d, estimated\)/);
    output.stdout = '';
    expect(await main(['denoise', '--model', model, '--input', join(dir, 'noisy'), '--out', join(dir, 'fixed'), '--sigma', '12'])).toBe(0);
    expect(output.stdout).toMatch(/light\.png -> .*\(sigma 12\.00\)/);
    expect(await main(['denoise', '--model', model, '--input', join(dir, 'noisy'), '--out', join(dir, 'bad'), '--sigma', 'lots'])).not.toBe(0);
    expect(await main(['eval', '--model', model, '--data', join(dir, 'data'), '--noise', 'gaussian:25', '--json'])).toBe(0);

    // Fine-tuning it on camera noise mixed with gaussian: the model comes from --init, and model flags are refused.
    const tuned = join(dir, 'tuned');
    const fineTune = ['train', '--init', model, '--data', join(dir, 'data'), '--noise', 'gaussian:0-50+camera', '--steps', '2', '--patch', '16', '--batch', '2', '--out', tuned];
    expect(await main([...fineTune, '--size', 'small'])).not.toBe(0);
    expect(output.stderr).toMatch(/--init takes the model from .*; leave out --size/);
    // --loss shapes only the objective, so it may be set anew (the start was trained with MSE).
    expect(await main([...fineTune, '--loss', 'l1'])).toBe(0);
    const meta = JSON.parse(await fs.readFile(join(tuned, 'meta.json'), 'utf8')) as { spec: { options: Record<string, unknown> }; training: { noise: string; learningRate: number; initFrom: { steps: number } } };
    expect(meta.spec.options['noiseMap']).toBe(true);
    expect(meta.spec.options['loss']).toBe('l1');
    expect(meta.training.noise).toBe('gaussian:0-50+camera');
    expect(meta.training.initFrom.steps).toBe(4);
    // No --lr given: the dae's recipe rate, not the engine-wide default.
    expect(meta.training.learningRate).toBe(2e-3);
    output.stdout = '';
    expect(await main(['models', 'show', tuned])).toBe(0);
    expect(output.stdout).toContain('fine-tuned from level-aware (4 steps before)');

    // eval --pairs: the noisy folder against itself scores infinite input PSNR and counts what the model changes.
    output.stdout = '';
    expect(await main(['eval', '--model', tuned, '--pairs', `${join(dir, 'noisy')}:${join(dir, 'noisy')}`, '--sigma', '3', '--json'])).toBe(0);
    const report = JSON.parse(output.stdout) as { images: number; worse: number; per_image: { name: string; sigma: number; estimated: boolean }[] };
    expect(report.images).toBe(2);
    expect(report.per_image.map((p) => [p.name, p.sigma, p.estimated])).toEqual([
      ['heavy', 3, false],
      ['light', 3, false],
    ]);
    expect(await main(['eval', '--model', tuned, '--pairs', join(dir, 'noisy')])).not.toBe(0);
    expect(await main(['eval', '--model', tuned, '--data', join(dir, 'data'), '--sigma', '3'])).not.toBe(0);
  }, 120_000);
});
