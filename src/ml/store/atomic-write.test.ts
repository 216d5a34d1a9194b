import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, writeDirAtomic, writeFileAtomic } from './atomic-write';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const file = join(dir, 'a.json');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await fs.readFile(file, 'utf8')).toBe('new');
    expect(await fs.readdir(dir)).toEqual(['a.json']);
  });

  it('keeps the old file when the write fails', async () => {
    const file = join(dir, 'a.json');
    await writeFileAtomic(file, 'old');
    // A Uint8Array view over a detached buffer cannot be written: the write throws mid-way.
    const bad = new Uint8Array(8);
    structuredClone(bad.buffer, { transfer: [bad.buffer] });
    await expect(writeFileAtomic(file, bad)).rejects.toThrow();
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect(await fs.readdir(dir)).toEqual(['a.json']);
  });
});

describe('writeDirAtomic', () => {
  it('builds the folder whole and swaps it in', async () => {
    const target = join(dir, 'model');
    await writeDirAtomic(target, (tmp) => fs.writeFile(join(tmp, 'x'), '1'));
    await writeDirAtomic(target, (tmp) => fs.writeFile(join(tmp, 'y'), '2'));
    expect(await fs.readdir(target)).toEqual(['y']);
    expect(await fs.readdir(dir)).toEqual(['model']);
  });

  it('leaves the previous folder untouched when populating throws', async () => {
    const target = join(dir, 'model');
    await writeDirAtomic(target, (tmp) => fs.writeFile(join(tmp, 'x'), '1'));
    await expect(
      writeDirAtomic(target, async (tmp) => {
        await fs.writeFile(join(tmp, 'half'), 'partial');
        throw new Error('crash between writes');
      }),
    ).rejects.toThrow('crash between writes');
    expect(await fs.readdir(target)).toEqual(['x']);
    expect(await fs.readdir(dir)).toEqual(['model']);
  });
});

describe('removeStaleTemps', () => {
  it('removes leftovers of interrupted writes only', async () => {
    await fs.mkdir(join(dir, 'ckpt-1.tmp-123-abcd'));
    await fs.writeFile(join(dir, 'latest.json.tmp-9-ff'), '');
    await fs.writeFile(join(dir, 'keep.json'), '');
    expect((await removeStaleTemps(dir)).sort()).toEqual(['ckpt-1.tmp-123-abcd', 'latest.json.tmp-9-ff']);
    expect(await fs.readdir(dir)).toEqual(['keep.json']);
  });
});
