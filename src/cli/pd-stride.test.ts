import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCliOutput } from '../test-support/capture-output';
import { makeTempDir, removeTempDir } from '../test-support/fixtures';
import { writeTextureImages } from '../test-support/textures';
import { main } from './main';

/** `train --pd-stride S`: self-supervised training on pixel-shuffle sub-images, stored in the model. */
let dir: string;
let data: string;

beforeAll(async () => {
  process.env['DENOISE_BACKEND'] = 'wasm';
  dir = await makeTempDir('cli-pd-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  await writeTextureImages(data, 4, { width: 48, height: 48 });
});
afterAll(async () => {
  await removeTempDir(dir);
});
const output = captureCliOutput();

const quick = ['--batch', '2', '--patch', '16', '--validate-every', '100', '--steps', '2', '--channels', 'gray', '--size', 'tiny'];

describe('train --pd-stride', () => {
  it('refuses strides outside 1..6 and the flag without --self-supervised, with the reason', async () => {
    for (const bad of ['0', '7', '2.5', 'two']) {
      expect(await main(['train', '--data', data, '--out', join(dir, 'x'), '--self-supervised', '--noise', 'gaussian:0', '--pd-stride', bad, ...quick])).toBe(2);
      expect(output.stderr).toContain(`--pd-stride must be an integer in [1, 6], got "${bad}"`);
    }
    expect(await main(['train', '--data', data, '--out', join(dir, 'x'), '--pd-stride', '2', ...quick])).toBe(2);
    expect(output.stderr).toContain('--pd-stride only applies with --self-supervised');
    const ss = ['--self-supervised', '--noise', 'gaussian:0'];
    expect(await main(['train', '--data', data, '--out', join(dir, 'x'), ...ss, '--pd-infer-stride', '2', ...quick])).toBe(2);
    expect(output.stderr).toContain('--pd-infer-stride only applies with --pd-stride 2 or more');
    expect(await main(['train', '--data', data, '--out', join(dir, 'x'), ...ss, '--pd-stride', '2', '--pd-infer-stride', '3', ...quick])).toBe(2);
    expect(output.stderr).toContain('--pd-infer-stride (3) cannot exceed --pd-stride (2)');
  });

  it('trains on sub-images and writes the inference stride to meta.json (default 1); stride 1 writes nothing', async () => {
    const inference = async (name: string): Promise<unknown> => (JSON.parse(await fs.readFile(join(dir, name, 'meta.json'), 'utf8')) as { inference?: unknown }).inference;
    expect(await main(['train', '--data', data, '--out', join(dir, 'pd2'), '--self-supervised', '--noise', 'gaussian:0', '--pd-stride', '2', ...quick])).toBe(0);
    expect(await inference('pd2')).toEqual({ pixelShuffleStride: 1 });
    expect(await main(['train', '--data', data, '--out', join(dir, 'pd2-2'), '--self-supervised', '--noise', 'gaussian:0', '--pd-stride', '2', '--pd-infer-stride', '2', ...quick])).toBe(0);
    expect(await inference('pd2-2')).toEqual({ pixelShuffleStride: 2 });
    expect(await main(['train', '--data', data, '--out', join(dir, 'pd1'), '--self-supervised', '--noise', 'gaussian:0', '--pd-stride', '1', ...quick])).toBe(0);
    const plain = JSON.parse(await fs.readFile(join(dir, 'pd1', 'meta.json'), 'utf8')) as { inference?: unknown };
    expect(plain).not.toHaveProperty('inference');
  });
});
