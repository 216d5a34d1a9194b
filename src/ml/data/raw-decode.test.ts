import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { EXIF_TAG, makeDng, readExifTags } from '../../test-support/photo-metadata';
import { decodeImage, displaySource, readImageInfo } from './decode-image';
import { encodeImage } from './encode-image';

let dir: string;
const W = 64;
const H = 48;

beforeAll(async () => {
  dir = await makeTempDir('denoise-raw-test-');
});

afterAll(async () => {
  await removeTempDir(dir);
});

/** A flat mid-gray scene: every photosite the same, so the developed image is neutral and even. */
const flat = (): number => 20000;
/** Brighter to the right, so a quarter turn is visible in where the bright side ends up. */
const ramp = (x: number): number => 2000 + Math.round((50000 * x) / (W - 1));

function meanOf(data: Float32Array, channels: number, channel: number): number {
  let sum = 0;
  for (let i = channel; i < data.length; i += channels) sum += data[i] as number;
  return sum / (data.length / channels);
}

describe('camera RAW (DNG) through LibRaw', () => {
  it('reads the size from the header and develops a 16-bit upright RGB image with the camera data in EXIF tags', async () => {
    const file = join(dir, 'flat.dng');
    await writeFile(file, makeDng({ width: W, height: H, sample: flat, make: 'Testmaker', model: 'Synthetic One' }));
    const info = await readImageInfo(file);
    expect(info).toMatchObject({ format: 'raw', width: W, height: H, channels: 3, bitDepth: 16, hasAlpha: false });

    const image = await decodeImage(file);
    expect(image).toMatchObject({ width: W, height: H, channels: 3, bitDepth: 16 });
    expect(image.alpha).toBeUndefined();
    expect(image.source?.exifTags).toMatchObject({ 'exif-ifd0-Make': 'Testmaker', 'exif-ifd0-Model': 'Synthetic One' });
    // Neutral scene, identity colour matrix and white balance: the channels agree.
    const [r, g, b] = [0, 1, 2].map((c) => meanOf(image.data, 3, c)) as [number, number, number];
    expect(g).toBeGreaterThan(0.05);
    expect(g).toBeLessThan(1);
    expect(Math.abs(r - g)).toBeLessThan(0.02);
    expect(Math.abs(b - g)).toBeLessThan(0.02);
  });

  it('applies the file orientation (6: a quarter turn clockwise swaps the sides)', async () => {
    const file = join(dir, 'turned.dng');
    await writeFile(file, makeDng({ width: W, height: H, sample: ramp, orientation: 6 }));
    expect(await readImageInfo(file)).toMatchObject({ width: H, height: W });
    const image = await decodeImage(file);
    expect(image).toMatchObject({ width: H, height: W });
    // The bright right-hand side of the sensor ends up at the bottom after a clockwise turn.
    const row = (y: number): number => {
      let sum = 0;
      for (let x = 0; x < image.width; x++) sum += image.data[(y * image.width + x) * 3 + 1] as number;
      return sum / image.width;
    };
    expect(row(image.height - 4)).toBeGreaterThan(row(3) + 0.2);
  });

  it('writes the developed image as 16-bit PNG with Make and Model in its EXIF', async () => {
    const file = join(dir, 'out-src.dng');
    const output = join(dir, 'out.png');
    await writeFile(file, makeDng({ width: W, height: H, sample: flat, make: 'Testmaker', model: 'Synthetic One' }));
    await encodeImage(await decodeImage(file), output, { note: { software: 'Denoise Studio test', model: 'm' } });
    const meta = await sharp(output).metadata();
    expect(meta.depth).toBe('ushort');
    const tags = readExifTags(meta.exif ?? new Uint8Array());
    expect(tags.get(EXIF_TAG.Make)).toBe('Testmaker');
    expect(tags.get(EXIF_TAG.Model)).toBe('Synthetic One');
    expect(tags.get(EXIF_TAG.Software)).toBe('Denoise Studio test');
  });

  it('gives sharp something it can show: a half-size upright development when the file has no preview', async () => {
    const file = join(dir, 'preview.dng');
    await writeFile(file, makeDng({ width: W, height: H, sample: ramp, orientation: 6 }));
    const shown = await displaySource(file);
    expect(Buffer.isBuffer(shown)).toBe(true);
    expect(await sharp(shown as Buffer).metadata()).toMatchObject({ format: 'png', width: H / 2, height: W / 2 });
    const png = join(dir, 'plain.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toFile(png);
    expect(await displaySource(png)).toBe(png);
  });

  it('gives E_IMAGE_CORRUPT for a file named .dng that is not a RAW file', async () => {
    const file = join(dir, 'fake.dng');
    await writeFile(file, Buffer.from('this is not a camera raw file, only text with a raw name'));
    await expect(readImageInfo(file)).rejects.toMatchObject({ code: 'E_IMAGE_CORRUPT' });
    await expect(decodeImage(file)).rejects.toMatchObject({ code: 'E_IMAGE_CORRUPT' });
  });

  it('refuses a RAW above the pixel cap before developing it', async () => {
    const file = join(dir, 'big.dng');
    await writeFile(file, makeDng({ width: W, height: H, sample: flat }));
    await expect(decodeImage(file, { maxPixels: W * H - 1 })).rejects.toMatchObject({ code: 'E_IMAGE_TOO_LARGE' });
  });
});
