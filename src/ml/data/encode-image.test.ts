import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage, makeTempDir, removeTempDir, type GradientSpec } from '../../test-support/fixtures';
import { decodeImage } from './decode-image';
import { encodeImage, encodeImageToBuffer, outputFormatFromPath } from './encode-image';
import { createFloatImage, type FloatImage } from './image';

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir();
});

afterAll(async () => {
  await removeTempDir(dir);
});

function expectSamePixels(actual: FloatImage, expected: FloatImage): void {
  expect(actual).toMatchObject({ width: expected.width, height: expected.height, channels: expected.channels });
  expect(Array.from(actual.data)).toEqual(Array.from(expected.data));
  expect(actual.alpha === undefined).toBe(expected.alpha === undefined);
  if (expected.alpha && actual.alpha) expect(Array.from(actual.alpha)).toEqual(Array.from(expected.alpha));
}

describe('encodeImage round trips', () => {
  const cases: { name: string; spec: GradientSpec }[] = [
    { name: 'gray8.png', spec: { width: 20, height: 12, channels: 1 } },
    { name: 'rgb8.png', spec: { width: 20, height: 12, channels: 3 } },
    { name: 'rgba8.png', spec: { width: 20, height: 12, channels: 4 } },
    { name: 'gray-alpha8.png', spec: { width: 20, height: 12, channels: 2 } },
    { name: 'gray16.png', spec: { width: 20, height: 12, channels: 1, bitDepth: 16 } },
    { name: 'rgb16.png', spec: { width: 20, height: 12, channels: 3, bitDepth: 16 } },
    { name: 'rgba16.png', spec: { width: 20, height: 12, channels: 4, bitDepth: 16 } },
    { name: 'rgb16.tif', spec: { width: 20, height: 12, channels: 3, bitDepth: 16 } },
    { name: 'gray16.tiff', spec: { width: 20, height: 12, channels: 1, bitDepth: 16 } },
    { name: 'rgba8.tif', spec: { width: 20, height: 12, channels: 4 } },
  ];

  for (const { name, spec } of cases) {
    it(`gives back the same samples and depth: ${name}`, async () => {
      const image = gradientImage(spec);
      const file = join(dir, name);
      await encodeImage(image, file);
      const back = await decodeImage(file);
      expect(back.bitDepth).toBe(spec.bitDepth ?? 8);
      expectSamePixels(back, image);
    });
  }

  it('writes a 16-bit image as 8-bit when asked, rounding to the nearest level', async () => {
    const image = gradientImage({ width: 8, height: 8, channels: 3, bitDepth: 16 });
    const file = join(dir, 'down.png');
    await encodeImage(image, file, { bitDepth: 8 });
    const back = await decodeImage(file);
    expect(back.bitDepth).toBe(8);
    image.data.forEach((v, i) => expect(back.data[i]).toBeCloseTo(Math.round(v * 255) / 255, 6));
  });

  it('writes lossy formats close to the source, dropping alpha only for JPEG', async () => {
    const image = gradientImage({ width: 32, height: 24, channels: 4 });
    for (const name of ['out.jpg', 'out.webp']) {
      const file = join(dir, name);
      await encodeImage(image, file, { quality: 95 });
      const back = await decodeImage(file);
      let worst = 0;
      image.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (back.data[i] ?? 0)))));
      expect(worst).toBeLessThan(0.1);
      expect(back.alpha === undefined).toBe(name.endsWith('.jpg'));
    }
    const lossless = join(dir, 'lossless.webp');
    await encodeImage(image, lossless, { quality: 100 });
    expectSamePixels(await decodeImage(lossless), image);
  });

  it('keeps gray as one channel in every format', async () => {
    const image = gradientImage({ width: 16, height: 16, channels: 1 });
    for (const name of ['g.png', 'g.jpg', 'g.tif']) {
      await encodeImage(image, join(dir, name));
      expect((await sharp(join(dir, name)).metadata()).channels).toBe(1);
    }
  });
});

describe('encodeImage values and errors', () => {
  it('clips out-of-range values and maps NaN to 0', async () => {
    const image = createFloatImage(4, 1, 1);
    image.data.set([-0.5, 1.7, Number.NaN, 0.5]);
    const file = join(dir, 'clip.png');
    await encodeImage(image, file);
    const raw = await sharp(file).toColourspace('b-w').raw().toBuffer();
    expect(Array.from(raw)).toEqual([0, 255, 0, 128]);
  });

  it('picks the format from the extension, case-insensitively, and refuses unknown ones', async () => {
    expect(outputFormatFromPath('a/B.JPEG')).toBe('jpeg');
    expect(outputFormatFromPath('x.TIF')).toBe('tiff');
    const image = createFloatImage(2, 2, 3);
    await expect(encodeImage(image, join(dir, 'x.bmp'))).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
    await expect(encodeImage(image, join(dir, 'x.avif'))).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FORMAT' });
    const png = await encodeImageToBuffer(image, { format: 'png' });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('refuses 16-bit for JPEG and WebP, and buffers that do not match the size', async () => {
    const image = createFloatImage(2, 2, 3, 16);
    await expect(encodeImage(image, join(dir, 'x.jpg'), { bitDepth: 16 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
    // Without an explicit request a 16-bit image is simply written at 8 bits.
    await encodeImage(image, join(dir, 'x16.webp'));
    const bad: FloatImage = { ...createFloatImage(2, 2, 3), data: new Float32Array(5) };
    await expect(encodeImage(bad, join(dir, 'bad.png'))).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('overwrites an existing file and leaves no temp file behind', async () => {
    const file = join(dir, 'over', 'result.png');
    await mkdir(join(dir, 'over'));
    await encodeImage(gradientImage({ width: 4, height: 4, channels: 1 }), file);
    await encodeImage(gradientImage({ width: 6, height: 6, channels: 3 }), file);
    expect((await decodeImage(file)).width).toBe(6);
    expect(await readdir(join(dir, 'over'))).toEqual(['result.png']);
  });

  it('leaves the old file intact and no temp file when the final rename fails', async () => {
    const folder = join(dir, 'fail');
    await mkdir(folder);
    const keep = join(folder, 'keep.png');
    await encodeImage(gradientImage({ width: 4, height: 4, channels: 1 }), keep);
    const before = await readFile(keep);
    // A folder where the output should go makes the rename fail after the temp file is written.
    await mkdir(join(folder, 'taken.png'));
    await expect(encodeImage(gradientImage({ width: 4, height: 4, channels: 1 }), join(folder, 'taken.png'))).rejects
      .toMatchObject({ code: 'E_IO' });
    expect((await readdir(folder)).sort()).toEqual(['keep.png', 'taken.png']);
    expect(await readFile(keep)).toEqual(before);
  });

  it('says which folder is missing', async () => {
    const file = join(dir, 'no-such-folder', 'out.png');
    await expect(encodeImage(createFloatImage(2, 2, 1), file)).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: /no-such-folder does not exist/,
    });
  });
});
