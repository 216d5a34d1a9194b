import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../test-support/fixtures';
import { writeTextureImages } from '../test-support/textures';

/**
 * The installed command as a user runs it (bin/denoise-studio.mjs, what `npx denoise-studio`
 * starts): Ctrl-C during training stops after the batch, keeps a checkpoint and the model, and
 * exits with 130.
 */
const BIN = fileURLToPath(new URL('../../bin/denoise-studio.mjs', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('cli-sigint-');
  await fs.mkdir(join(dir, 'data'));
  await writeTextureImages(join(dir, 'data'), 4, { width: 40, height: 40 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('denoise-studio train, interrupted', () => {
  it('saves a checkpoint and the model on SIGINT and exits 130', async () => {
    const out = join(dir, 'model');
    const args = ['train', '--data', join(dir, 'data'), '--steps', '100000', '--out', out, '--size', 'tiny', '--patch', '16', '--batch', '2', '--json'];
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DENOISE_BACKEND: 'wasm' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('"type":"progress"')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before training started: ${stderr}`)));
    });
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; reason?: string });
    expect(events.at(-1)).toMatchObject({ type: 'finished', reason: 'cancelled' });
    expect(existsSync(join(out, 'meta.json'))).toBe(true);
    expect((await fs.readdir(join(out, 'checkpoints'))).some((f) => f.startsWith('ckpt-'))).toBe(true);
  });
});
