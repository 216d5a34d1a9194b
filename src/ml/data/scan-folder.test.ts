import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeGrayPng, writeRgbPng } from '../../test-support/fixtures';
import { relativeImageName, scanImageFolder } from './scan-folder';

let base: string;
let root: string;
let outside: string;

beforeAll(async () => {
  base = await makeTempDir();
  root = join(base, 'photos');
  outside = join(base, 'elsewhere');
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await mkdir(join(root, '.hidden-dir'));
  await mkdir(outside);

  await writeGrayPng(root, 'b.png');
  await writeRgbPng(root, 'A.PNG');
  await writeFile(join(root, 'c.JpEg'), 'x');
  await writeFile(join(root, 'd.tiff'), 'x');
  await writeFile(join(root, 'e.avif'), 'x');
  await writeFile(join(root, 'f.webp'), 'x');
  await writeFile(join(root, 'g.TIF'), 'x');
  await writeFile(join(root, 'notes.txt'), 'x');
  await writeFile(join(root, '.hidden.png'), 'x');
  await writeFile(join(root, '.hidden-dir', 'in-hidden.png'), 'x');
  await writeFile(join(root, 'sub', 's.png'), 'x');
  await writeFile(join(root, 'sub', 'deeper', 't.jpg'), 'x');

  await writeRgbPng(outside, 'secret.png');
  await symlink(join(outside, 'secret.png'), join(root, 'escape.png'));
  await symlink(outside, join(root, 'escape-dir'));
  await symlink(join(root, 'b.png'), join(root, 'z-link-inside.png'));
  await symlink(root, join(root, 'sub', 'loop'));
});

afterAll(async () => {
  await removeTempDir(base);
});

const names = (files: string[]): string[] => files.map((f) => relativeImageName(root, f));

describe('scanImageFolder', () => {
  it('lists allow-listed images, case-insensitively, sorted and absolute, without hidden entries', async () => {
    const scan = await scanImageFolder(root);
    expect(scan.root).toBe(root);
    expect(names(scan.files)).toEqual(['A.PNG', 'b.png', 'c.JpEg', 'd.tiff', 'e.avif', 'f.webp', 'g.TIF']);
    expect(scan.files.every((f) => f.startsWith(root))).toBe(true);
    expect(scan.subfoldersNotScanned).toBe(1);
  });

  it('reports other file types as unsupported instead of silently dropping them', async () => {
    const scan = await scanImageFolder(root);
    const notes = scan.skipped.find((s) => s.file.endsWith('notes.txt'));
    expect(notes?.code).toBe('E_UNSUPPORTED_FORMAT');
    expect(scan.skipped.some((s) => s.file.includes('.hidden'))).toBe(false);
  });

  it('refuses symlinks that lead outside the root', async () => {
    const scan = await scanImageFolder(root, { recursive: true });
    const escape = scan.skipped.find((s) => s.file.endsWith('escape.png'));
    expect(escape?.code).toBe('E_PATH_OUTSIDE_ROOT');
    const escapeDir = scan.skipped.find((s) => s.file.endsWith('escape-dir'));
    expect(escapeDir?.code).toBe('E_PATH_OUTSIDE_ROOT');
    expect(scan.files.some((f) => f.includes('secret'))).toBe(false);
  });

  it('descends into subfolders when recursive, survives link loops and lists each real file once', async () => {
    const scan = await scanImageFolder(root, { recursive: true });
    expect(names(scan.files)).toEqual([
      'A.PNG',
      'b.png',
      'c.JpEg',
      'd.tiff',
      'e.avif',
      'f.webp',
      'g.TIF',
      'sub/deeper/t.jpg',
      'sub/s.png',
    ]);
    // z-link-inside.png points at b.png, which is already listed.
    expect(scan.files.some((f) => f.endsWith('z-link-inside.png'))).toBe(false);
    expect(scan.subfoldersNotScanned).toBe(0);
  });

  it('accepts a single image file as the input', async () => {
    const file = join(root, 'b.png');
    const scan = await scanImageFolder(file);
    expect(scan).toMatchObject({ input: 'file', root, files: [file], skipped: [] });
    expect(relativeImageName(scan.root, file)).toBe('b.png');
  });

  it('rejects a single non-image file and a missing path with their codes', async () => {
    await expect(scanImageFolder(join(root, 'notes.txt'))).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
    await expect(scanImageFolder(join(base, 'nope'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('returns an empty list for an empty folder', async () => {
    const empty = join(base, 'empty');
    await mkdir(empty);
    const scan = await scanImageFolder(empty);
    expect(scan.files).toEqual([]);
    expect(scan.skipped).toEqual([]);
  });
});
