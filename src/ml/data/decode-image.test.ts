import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gradientImage,
  makeTempDir,
  removeTempDir,
  writeAvif,
  writeEmptyPng,
  writeGradientImage,
  writeGray16Png,
  writeGrayPng,
  writeHugeHeaderPng,
  writeJpeg,
  writeMultiPageTiff,
  writeRgb16Png,
  writeRgb16Tiff,
  writeRgba16Png,
  writeRgbaPng,
  writeRgbPng,
  writeSvgAsPng,
  writeTextAsJpeg,
  writeTruncatedJpeg,
  writeWebp,
} from '../../test-support/fixtures';
import { maxAbsDiff } from '../../test-support/float-images';
import { decodeImage, readImageInfo } from './decode-image';
import type { FloatImage } from './image';

let dir: string;
const W = 32;
const H = 24;

beforeAll(async () => {
  dir = await makeTempDir();
});

afterAll(async () => {
  await removeTempDir(dir);
});

function expectSameImage(actual: FloatImage, expected: FloatImage): void {
  expect(actual).toMatchObject({
    width: expected.width,
    height: expected.height,
    channels: expected.channels,
    bitDepth: expected.bitDepth,
  });
  expect(maxAbsDiff(actual.data, expected.data)).toBeLessThan(1e-6);
  if (expected.alpha === undefined) expect(actual.alpha).toBeUndefined();
  else expect(maxAbsDiff(actual.alpha ?? new Float32Array(), expected.alpha)).toBeLessThan(1e-6);
}

describe('decodeImage: good images', () => {
  it('reads 8-bit gray and RGB PNG exactly, in [0, 1]', async () => {
    expectSameImage(await decodeImage(await writeGrayPng(dir)), gradientImage({ width: W, height: H, channels: 1 }));
    expectSameImage(await decodeImage(await writeRgbPng(dir)), gradientImage({ width: W, height: H, channels: 3 }));
  });

  it('keeps alpha aside for RGBA and gray + alpha', async () => {
    expectSameImage(await decodeImage(await writeRgbaPng(dir)), gradientImage({ width: W, height: H, channels: 4 }));
    const la = await writeGradientImage(dir, 'la.png', { width: W, height: H, channels: 2 });
    expectSameImage(await decodeImage(la), gradientImage({ width: W, height: H, channels: 2 }));
  });

  it('reads 16-bit PNG and TIFF at 16 bits (not rounded to 8)', async () => {
    const gray16 = await decodeImage(await writeGray16Png(dir));
    expectSameImage(gray16, gradientImage({ width: W, height: H, channels: 1, bitDepth: 16 }));
    // Proof that the low byte survived: some samples are not multiples of 257 (= 8-bit values).
    expect(Array.from(gray16.data).some((v) => Math.round(v * 65535) % 257 !== 0)).toBe(true);
    expectSameImage(
      await decodeImage(await writeRgb16Png(dir)),
      gradientImage({ width: W, height: H, channels: 3, bitDepth: 16 }),
    );
    expectSameImage(
      await decodeImage(await writeRgba16Png(dir)),
      gradientImage({ width: W, height: H, channels: 4, bitDepth: 16 }),
    );
    expectSameImage(
      await decodeImage(await writeRgb16Tiff(dir)),
      gradientImage({ width: W, height: H, channels: 3, bitDepth: 16 }),
    );
  });

  it('reads lossy JPEG, WebP and AVIF close to the source', async () => {
    const expected = gradientImage({ width: W, height: H, channels: 3 });
    for (const file of [await writeJpeg(dir), await writeWebp(dir), await writeAvif(dir)]) {
      const image = await decodeImage(file);
      expect(image).toMatchObject({ width: W, height: H, channels: 3, bitDepth: 8 });
      expect(maxAbsDiff(image.data, expected.data)).toBeLessThan(0.12);
    }
  });

  it('converts RGB to gray with sharp and replicates gray into RGB', async () => {
    const rgbFile = await writeRgbPng(dir, 'for-gray.png');
    const gray = await decodeImage(rgbFile, { channels: 1 });
    const reference = await sharp(rgbFile).toColourspace('b-w').raw().toBuffer();
    expect(gray.channels).toBe(1);
    expect(maxAbsDiff(gray.data, Float32Array.from(reference, (v) => v / 255))).toBeLessThan(1e-6);

    const rgb = await decodeImage(await writeGrayPng(dir, 'for-rgb.png'), { channels: 3 });
    const source = gradientImage({ width: W, height: H, channels: 1 });
    expect(rgb.channels).toBe(3);
    for (let p = 0; p < W * H; p++) {
      for (let k = 0; k < 3; k++) expect(rgb.data[p * 3 + k]).toBe(source.data[p]);
    }
  });

  it('converts RGBA to gray plus the same alpha', async () => {
    const file = await writeRgbaPng(dir, 'rgba-to-gray.png');
    const gray = await decodeImage(file, { channels: 1 });
    const reference = await sharp(file).removeAlpha().toColourspace('b-w').raw().toBuffer();
    expect(maxAbsDiff(gray.data, Float32Array.from(reference, (v) => v / 255))).toBeLessThan(1e-6);
    expect(gray.alpha).toEqual(gradientImage({ width: W, height: H, channels: 4 }).alpha);
  });

  it('converts 16-bit RGB to 16-bit gray', async () => {
    const gray = await decodeImage(await writeRgb16Png(dir, 'g16.png'), { channels: 1 });
    expect(gray).toMatchObject({ channels: 1, bitDepth: 16 });
    expect(Array.from(gray.data).some((v) => Math.round(v * 65535) % 257 !== 0)).toBe(true);
  });

  it('decodes only the first page of a multi-page TIFF', async () => {
    const image = await decodeImage(await writeMultiPageTiff(dir));
    expect(image.height).toBe(H);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([1, 0, 0]);
    expect((await readImageInfo(join(dir, 'two-pages.tif'))).pages).toBe(2);
  });

  it('returns pixels upright, applying the EXIF orientation', async () => {
    const file = join(dir, 'rotated.jpg');
    const samples = new Uint8Array(W * H * 3).fill(128);
    await sharp(samples, { raw: { width: W, height: H, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(file);
    expect(await readImageInfo(file)).toMatchObject({ width: H, height: W });
    expect(await decodeImage(file)).toMatchObject({ width: H, height: W });
  });

  it('reports the header facts without decoding', async () => {
    const info = await readImageInfo(await writeRgba16Png(dir, 'info.png'));
    expect(info).toMatchObject({ format: 'png', width: W, height: H, channels: 3, hasAlpha: true, bitDepth: 16 });
  });
});

describe('decodeImage: bad inputs', () => {
  it('rejects a zero-byte file as corrupt, saying it is empty', async () => {
    const file = await writeEmptyPng(dir);
    await expect(decodeImage(file)).rejects.toMatchObject({ code: 'E_IMAGE_CORRUPT', message: /empty/ });
  });

  it('rejects text with an image extension as corrupt, naming the file', async () => {
    const file = await writeTextAsJpeg(dir);
    await expect(decodeImage(file)).rejects.toMatchObject({ code: 'E_IMAGE_CORRUPT' });
    await expect(decodeImage(file)).rejects.toThrow(file);
  });

  it('rejects a truncated JPEG as corrupt', async () => {
    await expect(decodeImage(await writeTruncatedJpeg(dir))).rejects.toMatchObject({ code: 'E_IMAGE_CORRUPT' });
  });

  it('rejects a huge header before decoding', async () => {
    const file = await writeHugeHeaderPng(dir);
    const info = await readImageInfo(file);
    expect(info).toMatchObject({ width: 100_000, height: 100_000 });
    await expect(decodeImage(file)).rejects.toMatchObject({
      code: 'E_IMAGE_TOO_LARGE',
      message: /100000 x 100000/,
      details: { width: 100_000, height: 100_000 },
    });
  });

  it('applies the pixel and file-size caps the caller sets', async () => {
    const file = await writeRgbPng(dir, 'capped.png');
    await expect(decodeImage(file, { maxPixels: W * H - 1 })).rejects.toMatchObject({ code: 'E_IMAGE_TOO_LARGE' });
    await expect(decodeImage(file, { maxFileBytes: 10 })).rejects.toMatchObject({ code: 'E_IMAGE_TOO_LARGE' });
    await expect(decodeImage(file, { maxPixels: W * H })).resolves.toMatchObject({ width: W });
  });

  it('refuses extensions outside the allow-list, and other formats disguised as allowed ones', async () => {
    const bmp = join(dir, 'old.bmp');
    await writeFile(bmp, 'BM');
    await expect(decodeImage(bmp)).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
    await expect(decodeImage(await writeSvgAsPng(dir))).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
    const gif = join(dir, 'anim.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).gif().toFile(gif);
    await expect(decodeImage(gif)).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
  });

  it('reports a missing file and a folder with their codes', async () => {
    await expect(decodeImage(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const folder = join(dir, 'folder.png');
    await mkdir(folder);
    await expect(decodeImage(folder)).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
  });

  it('refuses a link out of the granted root', async () => {
    const root = join(dir, 'granted');
    await mkdir(root);
    const target = await writeRgbPng(dir, 'private.png');
    await symlink(target, join(root, 'link.png'));
    await expect(decodeImage(join(root, 'link.png'), { root })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE_ROOT' });
    await expect(decodeImage(join(root, 'link.png'))).resolves.toMatchObject({ width: W });
  });
});
