import { existsSync, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../test-support/fixtures';
import { writeTextureImages } from '../test-support/textures';
import { parseOptionStrings } from '../ml/models/registry';
import { parsePairs } from './args';
import { kindFlags } from './commands/train';
import { main } from './main';
import { captureCliOutput } from '../test-support/capture-output';

/** The autoencoder family's CLI: per-kind train flags, generate, interpolate and compare. */
let dir: string;
let data: string;

beforeAll(async () => {
  process.env['DENOISE_BACKEND'] = 'wasm';
  dir = await makeTempDir('cli-family-');
  data = join(dir, 'data');
  await fs.mkdir(data);
  await writeTextureImages(data, 4, { width: 48, height: 48 });
});
afterAll(async () => {
  await removeTempDir(dir);
});
const output = captureCliOutput();

const quick = ['--batch', '4', '--validate-every', '100', '--steps', '3', '--channels', 'gray'];

describe('train flags of the family', () => {
  it('map to model options', () => {
    // Text values are typed by the kind's option schema.
    expect(parseOptionStrings('sparse', kindFlags({ latent: '12', lambda: '0.5', rho: '0.1', tied: true, dense: true, loss: 'bce' }))).toEqual({
      latent: 12,
      lambda: 0.5,
      rho: 0.1,
      tied: true,
      arch: 'dense',
      loss: 'bce',
    });
    expect(parseOptionStrings('vae', kindFlags({ beta: '2' }))).toEqual({ beta: 2 });
    expect(kindFlags({ conv: true })).toEqual({ arch: 'conv' });
    expect(() => kindFlags({ conv: true, dense: true })).toThrow(/exclude/);
    expect(() => parseOptionStrings('ae', kindFlags({ latent: 'many' }))).toThrow('Option "latent" must be an integer in [1, 65536], got many');
  });

  it('split --pairs at the right colon, drive letters included', () => {
    expect(parsePairs('noisy:clean')).toEqual({ noisyDir: resolve('noisy'), cleanDir: resolve('clean') });
    expect(parsePairs('/a/n:/b/c')).toEqual({ noisyDir: '/a/n', cleanDir: '/b/c' });
    const win = parsePairs('C:\\data\\noisy:D:/clean');
    expect(win.noisyDir.endsWith('C:\\data\\noisy')).toBe(true);
    expect(win.cleanDir.endsWith('D:/clean')).toBe(true);
    expect(() => parsePairs('only-one')).toThrow(/NOISY_DIR:CLEAN_DIR/);
  });

  it('reject contradictions and patches that do not fit a block model, before loading anything', async () => {
    expect(await main(['train', '--data', data, '--out', join(dir, 'x'), '--self-supervised', '--pairs', `${data}:${data}`, ...quick])).toBe(2);
    expect(output.stderr).toContain('exclude each other');
    expect(await main(['train', '--data', data, '--out', join(dir, 'x'), '--kind', 'vae', '--patch', '48', ...quick])).toBe(2);
    expect(output.stderr).toContain('patch size that is a multiple of 32');
    expect(await main(['train', '--data', data, '--out', join(dir, 'x'), '--kind', 'sparse', '--rho', '2', ...quick])).toBe(2);
    expect(output.stderr).toMatch(/"rho" must be a number in/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('trains a dense AE with its options in meta.json, warning when the code can learn the identity', async () => {
    const out = join(dir, 'ae');
    expect(await main(['train', '--data', data, '--out', out, '--kind', 'ae', '--dense', '--tied', '--latent', '300', '--patch', '16', ...quick])).toBe(0);
    expect(output.stderr).toMatch(/warning: The code \(300 code units\) is not smaller than the input \(256 values\)/);
    const meta = JSON.parse(await fs.readFile(join(out, 'meta.json'), 'utf8')) as { spec: unknown; training: { noise: string } };
    expect(meta.spec).toEqual({ kind: 'ae', channels: 1, options: { arch: 'dense', input: 16, latent: 300, activation: 'sigmoid', tied: true, loss: 'mse' } });
    // Kinds other than dae reconstruct by default: no corruption.
    expect(meta.training.noise).toBe('gaussian:0');
  });

  it('trains a VAE, then generates, interpolates and compares', async () => {
    const vae = join(dir, 'vae');
    expect(await main(['train', '--data', data, '--out', vae, '--kind', 'vae', '--latent', '4', '--beta', '0.5', '--opt', 'input=16', '--opt', 'width=8', '--patch', '16', ...quick])).toBe(0);
    expect(await main(['generate', '--model', vae, '--count', '4', '--seed', '1', '--temperature', '0.7', '--out', join(dir, 'gen')])).toBe(0);
    expect((await fs.readdir(join(dir, 'gen'))).sort()).toEqual(['grid.png', 'sample-000.png', 'sample-001.png', 'sample-002.png', 'sample-003.png']);
    const [a, b] = (await fs.readdir(data)).map((f) => join(data, f));
    expect(await main(['interpolate', '--model', vae, a as string, b as string, '--steps', '3', '--out', join(dir, 'walk')])).toBe(0);
    expect(await fs.readdir(join(dir, 'walk'))).toContain('strip.png');
    expect(await main(['interpolate', '--model', vae, a as string, '--out', join(dir, 'walk')])).toBe(2);

    const ae = join(dir, 'ae');
    expect(await main(['compare', '--models', `${vae},${ae}`, '--data', data, '--noise', 'gaussian:25'])).toBe(0);
    const lines = output.stdout.trim().split('\n');
    expect(lines[0]).toContain('noise gaussian:25, seed 0');
    expect(lines.slice(3).map((l) => l.trim().replace(/^\*/, '').split(/\s+/).slice(0, 3))).toEqual([
      ['vae', 'vae', '4'],
      ['ae', 'ae', '4'],
    ]);
    output.stdout = '';
    expect(await main(['compare', '--models', `${vae},${ae}`, '--data', data, '--json'])).toBe(0);
    const json = JSON.parse(output.stdout) as { rows: { kind: string; psnr: number }[] };
    expect(json.rows.map((r) => r.kind)).toEqual(['vae', 'ae']);
    // A model that cannot generate is refused with the reason.
    expect(await main(['generate', '--model', ae, '--out', join(dir, 'nope')])).toBe(2);
    expect(output.stderr).toContain('cannot generate images; train a VAE');
  });
});
