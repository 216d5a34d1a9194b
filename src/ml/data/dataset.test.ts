import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeTempDir,
  writeGrayPng,
  writeMixedDataset,
  writeRgbPng,
  writeTextAsJpeg,
  writeTooSmallImage,
  writeTruncatedJpeg,
  type MixedDataset,
} from '../../test-support/fixtures';
import { DenoiseError } from '../../shared/errors';
import { loadImageDataset } from './dataset';

let base: string;

beforeAll(async () => {
  base = await makeTempDir();
});

afterAll(async () => {
  await removeTempDir(base);
});

async function folder(name: string): Promise<string> {
  const dir = join(base, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<DenoiseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DenoiseError) return error;
    throw error;
  }
  throw new Error('expected a DenoiseError');
}

describe('loadImageDataset', () => {
  let mixedDir: string;
  let mixed: MixedDataset;

  beforeAll(async () => {
    mixedDir = await folder('mixed');
    mixed = await writeMixedDataset(mixedDir);
  });

  it('loads the good files and lists every bad one with its code, without throwing', async () => {
    const progress: number[] = [];
    const dataset = await loadImageDataset([mixedDir], { onProgress: (done) => progress.push(done) });
    expect(dataset.images.map((i) => i.file)).toEqual(mixed.good);
    expect(dataset.images.map((i) => i.name)).toEqual(mixed.good.map((f) => basename(f)));
    const codes = Object.fromEntries(dataset.skipped.map((s) => [s.file, s.code]));
    expect(codes).toEqual(Object.fromEntries(mixed.bad.map((b) => [b.file, b.code])));
    expect(dataset.summary).toEqual({
      count: 3,
      gray: 1,
      color: 2,
      totalPixels: 48 * 40 + 40 * 48 + 64 * 48,
      skipped: mixed.bad.length,
      channels: 3,
    });
    expect(dataset.images.every(({ image }) => image.channels === 3)).toBe(true);
    expect(progress.at(-1)).toBe(7);
  });

  it('uses one channel when every image is gray, and obeys an explicit choice', async () => {
    const dir = await folder('gray');
    await writeGrayPng(dir, 'a.png');
    await writeGrayPng(dir, 'b.png');
    expect((await loadImageDataset([dir])).summary.channels).toBe(1);
    const forced = await loadImageDataset([dir], { channels: 3 });
    expect(forced.images.every(({ image }) => image.channels === 3)).toBe(true);
  });

  it('skips images smaller than the patch size', async () => {
    const dir = await folder('sizes');
    await writeRgbPng(dir, 'big.png', { width: 40, height: 40 });
    const small = await writeTooSmallImage(dir, 32);
    const dataset = await loadImageDataset([dir], { minSize: 32 });
    expect(dataset.images.map((i) => i.name)).toEqual(['big.png']);
    expect(dataset.skipped).toEqual([expect.objectContaining({ file: small, code: 'E_IMAGE_TOO_SMALL' })]);
  });

  it('says E_IMAGE_TOO_SMALL when every image is too small', async () => {
    const dir = await folder('all-small');
    await writeTooSmallImage(dir, 64, 'a.png');
    await writeTooSmallImage(dir, 64, 'b.png');
    const error = await failure(loadImageDataset([dir], { minSize: 64 }));
    expect(error.code).toBe('E_IMAGE_TOO_SMALL');
    expect(error.message).toMatch(/patch size/);
  });

  it('says E_NO_IMAGES for an empty folder, hinting at subfolders', async () => {
    const dir = await folder('empty');
    await folder('empty/inside');
    await writeFile(join(dir, 'readme.md'), '# hi');
    const error = await failure(loadImageDataset([dir]));
    expect(error.code).toBe('E_NO_IMAGES');
    expect(error.message).toMatch(/No images found/);
    expect(error.message).toMatch(/1 subfolder/);
  });

  it('says E_NO_IMAGES with the first reasons when every image fails', async () => {
    const dir = await folder('all-bad');
    await writeTruncatedJpeg(dir);
    await writeTextAsJpeg(dir);
    const error = await failure(loadImageDataset([dir]));
    expect(error.code).toBe('E_NO_IMAGES');
    expect(error.message).toMatch(/None of the 2 image file/);
    expect(error.message).toMatch(/not-an-image\.jpg/);
    expect(error.message).toMatch(/E_IMAGE_CORRUPT/);
  });

  it('throws E_NOT_FOUND for a missing input folder', async () => {
    await expect(loadImageDataset([join(base, 'missing')])).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('combines several inputs (folders and files), recursing when asked, without duplicates', async () => {
    const dir = await folder('multi');
    await writeRgbPng(dir, 'top.png');
    const sub = await folder('multi/sub');
    const nested = await writeRgbPng(sub, 'nested.png');
    const flat = await loadImageDataset([dir, nested]);
    expect(flat.images.map((i) => i.name)).toEqual(['top.png', 'nested.png']);
    const deep = await loadImageDataset([dir, nested], { recursive: true });
    expect(deep.images.map((i) => i.name)).toEqual(['sub/nested.png', 'top.png']);
  });

  it('accepts a single file named directly even when it is a link to another folder', async () => {
    const target = await writeRgbPng(await folder('real-place'), 'photo.png');
    const links = await folder('links');
    await symlink(target, join(links, 'photo-link.png'));
    const dataset = await loadImageDataset([join(links, 'photo-link.png')]);
    expect(dataset.images.map((i) => i.name)).toEqual(['photo-link.png']);
    // Inside a folder input the same link is refused.
    const error = await failure(loadImageDataset([links]));
    expect(error.code).toBe('E_NO_IMAGES');
    expect(error.message).toMatch(/E_PATH_OUTSIDE_ROOT/);
  });

  it('skips images beyond the memory budget instead of running out of memory', async () => {
    const dir = await folder('budget');
    await writeRgbPng(dir, 'a.png', { width: 20, height: 20 });
    await writeRgbPng(dir, 'b.png', { width: 20, height: 20 });
    const dataset = await loadImageDataset([dir], { maxTotalBytes: 20 * 20 * 3 * 4 });
    expect(dataset.images).toHaveLength(1);
    expect(dataset.skipped).toEqual([expect.objectContaining({ code: 'E_IMAGE_TOO_LARGE' })]);
  });

  it('stops with E_CANCELLED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(loadImageDataset([mixedDir], { signal: controller.signal })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
  });
});
