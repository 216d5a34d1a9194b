import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeTempDir,
  writeEmptyPng,
  writeHugeHeaderPng,
  writeTextAsJpeg,
  writeTooSmallImage,
  writeTruncatedJpeg,
} from '../test-support/fixtures';
import { writeTextureImages } from '../test-support/textures';
import { main } from './main';
import { captureCliOutput } from '../test-support/capture-output';

/**
 * The CLI end to end, in-process: a real training run, denoise and eval on generated images,
 * and every bad input the engine-core issue lists, each with its message, exit code and no
 * half-written output.
 */
let dir: string;

beforeAll(async () => {
  process.env['DENOISE_BACKEND'] = 'wasm';
  dir = await makeTempDir('cli-');
  await fs.mkdir(join(dir, 'data'));
  await writeTextureImages(join(dir, 'data'), 5, { width: 48, height: 40 });
});
afterAll(async () => {
  await removeTempDir(dir);
});
const output = captureCliOutput();

const tiny = ['--size', 'tiny', '--patch', '16', '--batch', '4', '--validate-every', '5'];

describe('denoise-studio', () => {
  it('trains, lists, denoises and evaluates', async () => {
    const model = join(dir, 'model');
    expect(await main(['train', '--data', join(dir, 'data'), '--kind', 'dae', '--noise', 'gaussian:25', '--steps', '10', '--out', model, ...tiny])).toBe(0);
    expect(output.stderr).toContain('Model saved to');
    expect(existsSync(join(model, 'meta.json'))).toBe(true);

    expect(await main(['models', '--dir', dir])).toBe(0);
    expect(output.stdout).toContain('kind=dae');

    const out = join(dir, 'denoised');
    expect(await main(['denoise', '--model', model, '--input', join(dir, 'data'), '--out', out, '--format', 'png', '--bit-depth', '16'])).toBe(0);
    expect((await fs.readdir(out)).length).toBe(5);

    output.stdout = '';
    expect(await main(['eval', '--model', model, '--data', join(dir, 'data'), '--noise', 'gaussian:25', '--seed', '0', '--json'])).toBe(0);
    const report = JSON.parse(output.stdout) as { psnr: number; ssim: number; noisy_psnr: number; images: number };
    expect(report.images).toBe(5);
    expect(report.noisy_psnr).toBeGreaterThan(19);
    expect(report.noisy_psnr).toBeLessThan(21.5);
    expect(Number.isFinite(report.psnr) && report.ssim > 0 && report.ssim <= 1).toBe(true);
  });

  it('continues a run from its folder alone; a bound given then is how much more to train', async () => {
    const model = join(dir, 'resumable');
    expect(await main(['train', '--data', join(dir, 'data'), '--steps', '4', '--out', model, ...tiny])).toBe(0);
    expect(await main(['train', '--continue', '--out', model, '--steps', '3'])).toBe(0);
    expect(output.stderr).toMatch(/continued from step 4/);
    const meta = JSON.parse(await fs.readFile(join(model, 'meta.json'), 'utf8')) as { training: { steps: number; patchSize: number } };
    expect(meta.training).toMatchObject({ steps: 7, patchSize: 16 });
    expect(await main(['train', '--continue', '--out', join(dir, 'data'), '--steps', '7'])).toBe(1);
    expect(output.stderr).toMatch(/No checkpoint to continue from.*\[E_NOT_FOUND\]/);
  });

  it('manages the library: a stopped run is listed as continuable; rename, export, import', async () => {
    const lib = join(dir, 'library');
    await fs.mkdir(lib);
    const run = join(lib, 'stopped');
    expect(await main(['train', '--data', join(dir, 'data'), '--steps', '4', '--checkpoint-every', '2', '--out', run, ...tiny])).toBe(0);
    // A run killed after a checkpoint has no meta.json of its own.
    await fs.rm(join(run, 'meta.json'));
    expect(await main(['models', '--dir', lib])).toBe(0);
    expect(output.stdout).toMatch(/dae run stopped at step 4.*train --continue --out/);
    expect(await main(['models', 'list', '--dir', lib, '--json'])).toBe(0);
    const listed = JSON.parse(output.stdout.trim().split('\n').pop() as string) as { runs: { dir: string; step: number }[]; models: unknown[] };
    expect(listed.runs).toEqual([expect.objectContaining({ dir: run, step: 4 })]);
    expect(listed.models).toEqual([]);

    expect(await main(['models', 'rename', join(dir, 'model'), 'renamed'])).toBe(0);
    const renamed = join(dir, 'renamed');
    expect(await main(['models', 'export', renamed, join(dir, 'exported')])).toBe(0);
    expect(existsSync(join(dir, 'exported', 'renamed', 'meta.json'))).toBe(true);
    expect(await main(['models', 'import', join(dir, 'exported', 'renamed'), '--dir', lib])).toBe(0);
    expect(existsSync(join(lib, 'renamed', 'meta.json'))).toBe(true);
    expect(existsSync(join(lib, 'renamed', 'checkpoints'))).toBe(false);
    expect(await main(['models', 'rename', renamed, 'bad/name'])).toBe(2);
    expect(output.stderr).toMatch(/A model name uses letters/);
    expect(await main(['models', 'rename', join(lib, 'renamed'), 'model'])).toBe(0);
    expect(await main(['models', 'rename', renamed, 'model'])).toBe(0);
  });

  it('refuses to train over an existing model unless asked', async () => {
    expect(await main(['train', '--data', join(dir, 'data'), '--steps', '1', '--out', join(dir, 'model'), ...tiny])).toBe(2);
    expect(output.stderr).toMatch(/already holds a model.*--continue.*--overwrite/);
  });

  it('refuses an --out that is a file before reading any data, and a denoise --out that is a file', async () => {
    const file = join(dir, 'a-file.txt');
    await fs.writeFile(file, 'keep me');
    expect(await main(['train', '--data', join(dir, 'no-such-folder'), '--steps', '1', '--out', file, ...tiny])).toBe(2);
    expect(output.stderr).toMatch(/a-file\.txt is a file.*\[E_INVALID_ARGUMENT\]/);
    expect(await main(['denoise', '--model', join(dir, 'model'), '--input', join(dir, 'data'), '--out', file])).toBe(2);
    expect(output.stderr).toMatch(/a-file\.txt is a file.*\[E_INVALID_ARGUMENT\]/);
    expect(await fs.readFile(file, 'utf8')).toBe('keep me');
  });

  describe('bad input: a clear message, a non-zero exit and nothing written', () => {
    async function expectTrainFails(dataDir: string, pattern: RegExp, code: string, extra: string[] = []): Promise<void> {
      const out = join(dir, `never-${Math.random().toString(36).slice(2)}`);
      const exit = await main(['train', '--data', dataDir, '--steps', '2', '--out', out, ...tiny, ...extra]);
      expect(exit).not.toBe(0);
      expect(output.stderr).toMatch(pattern);
      expect(output.stderr).toContain(`[${code}]`);
      expect(existsSync(out)).toBe(false);
    }

    it('a missing path', async () => {
      await expectTrainFails(join(dir, 'no-such-folder'), /not found|does not exist/i, 'E_NOT_FOUND');
    });

    it('an empty folder', async () => {
      const empty = join(dir, 'empty');
      await fs.mkdir(empty);
      await expectTrainFails(empty, /no images|empty/i, 'E_NO_IMAGES');
    });

    it('a folder of non-images, zero-byte, truncated and huge-header files', async () => {
      const bad = join(dir, 'bad');
      await fs.mkdir(bad);
      await fs.writeFile(join(bad, 'notes.txt'), 'hello');
      await writeTextAsJpeg(bad);
      await writeEmptyPng(bad);
      await writeTruncatedJpeg(bad);
      await writeHugeHeaderPng(bad);
      await expectTrainFails(bad, /None of the 4 image file\(s\) .* could be used/, 'E_NO_IMAGES');
      expect(output.stderr).toMatch(/empty \(0 bytes\).*\[E_IMAGE_CORRUPT\]/);
      expect(output.stderr).toMatch(/100000 x 100000 pixels.*not decoded.*\[E_IMAGE_TOO_LARGE\]/);
    });

    it('images smaller than the patch size', async () => {
      const small = join(dir, 'small');
      await fs.mkdir(small);
      await writeTooSmallImage(small, 16);
      await expectTrainFails(small, /smaller than/i, 'E_IMAGE_TOO_SMALL');
    });

    it('an unknown --kind and a malformed --noise', async () => {
      await expectTrainFails(join(dir, 'data'), /Unknown model kind "wavelet"/, 'E_INVALID_ARGUMENT', ['--kind', 'wavelet']);
      await expectTrainFails(join(dir, 'data'), /Malformed noise|Unknown noise/, 'E_INVALID_ARGUMENT', ['--noise', 'gaussian:abc']);
      await expectTrainFails(join(dir, 'data'), /Unknown noise type/, 'E_INVALID_ARGUMENT', ['--noise', 'pink:3']);
    });

    it('a model folder with its weights file missing', async () => {
      const broken = join(dir, 'broken');
      await fs.cp(join(dir, 'model'), broken, { recursive: true });
      const weights = (await fs.readdir(broken)).find((f) => f.startsWith('weights-'));
      await fs.rm(join(broken, weights ?? 'none'));
      const out = join(dir, 'never-denoised');
      expect(await main(['denoise', '--model', broken, '--input', join(dir, 'data'), '--out', out])).toBe(1);
      expect(output.stderr).toMatch(/weights file .* is missing/);
      expect(output.stderr).toContain('[E_MODEL_CORRUPT]');
      expect(existsSync(out)).toBe(false);
    });

    it('a damaged image among good ones is reported and the others are still denoised', async () => {
      const mixed = join(dir, 'mixed');
      await fs.mkdir(mixed);
      await writeTextureImages(mixed, 2);
      await writeTruncatedJpeg(mixed);
      const out = join(dir, 'mixed-out');
      expect(await main(['denoise', '--model', join(dir, 'model'), '--input', mixed, '--out', out])).toBe(1);
      expect(output.stderr).toMatch(/failed: .*truncated\.jpg.*\[E_IMAGE_CORRUPT\]/);
      expect((await fs.readdir(out)).sort()).toEqual(['texture-000.png', 'texture-001.png']);
    });

    it('an unknown command or flag', async () => {
      expect(await main(['tarin'])).toBe(2);
      expect(output.stderr).toContain('unknown command "tarin"');
      expect(await main(['eval', '--modle', 'x'])).toBe(2);
      expect(output.stderr).toMatch(/Unknown option '--modle'/);
    });
  });
});
