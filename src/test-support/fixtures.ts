/**
 * Test images, written on the fly into a temp folder (nothing is checked in, nothing is read
 * from ../shared).
 *
 * Usage:
 *
 *   const dir = await makeTempDir();
 *   const photo = await writeRgbPng(dir);                 // dir/rgb.png, 32 x 24 gradient
 *   const bomb = await writeHugeHeaderPng(dir);           // dir/huge-header.png, ~100 bytes
 *   ...
 *   await removeTempDir(dir);
 *
 * Every writer returns the absolute path it wrote and takes an optional file name, so several
 * variants can live in one folder. The good images are smooth gradients (see `gradientSamples`)
 * whose exact integer samples are known, so lossless round trips can be checked sample by
 * sample: `gradientImage(spec)` is what decoding a PNG/TIFF written from `spec` must return.
 *
 * Good images:  writeGrayPng, writeRgbPng, writeRgbaPng, writeGray16Png, writeRgb16Png,
 *               writeRgba16Png, writeRgb16Tiff, writeJpeg, writeWebp, writeAvif,
 *               writeMultiPageTiff, writeGradientImage (any of the above, your size),
 *               writeTooSmallImage (one pixel under a patch size).
 * Bad inputs (and the code the decoder gives them):
 *               writeTruncatedJpeg -> E_IMAGE_CORRUPT, writeEmptyPng -> E_IMAGE_CORRUPT,
 *               writeTextAsJpeg -> E_IMAGE_CORRUPT, writeHugeHeaderPng -> E_IMAGE_TOO_LARGE,
 *               writeSvgAsPng -> E_UNSUPPORTED_FORMAT.
 * A whole folder: writeMixedDataset (good and bad files, with the expected codes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import type { ErrorCode } from '../shared/errors';
import type { FloatImage } from '../ml/data/image';

export type FixtureFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff';

export interface GradientSpec {
  width: number;
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  bitDepth?: 8 | 16;
}

export const DEFAULT_WIDTH = 32;
export const DEFAULT_HEIGHT = 24;

export async function makeTempDir(prefix = 'denoise-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

function colourBands(channels: GradientSpec['channels']): 1 | 3 {
  return channels === 1 || channels === 2 ? 1 : 3;
}

function hasAlpha(channels: GradientSpec['channels']): boolean {
  return channels === 2 || channels === 4;
}

/**
 * Sample value in [0, 1] of the smooth test pattern: red ramps left to right, green top to
 * bottom, blue along the diagonal; gray is their mean; alpha fades from 1 to 0.1 downwards so
 * it is never fully transparent (where colour would be meaningless).
 */
function patternValue(x: number, y: number, band: 'r' | 'g' | 'b' | 'gray' | 'alpha', w: number, h: number): number {
  const tx = x / Math.max(1, w - 1);
  const ty = y / Math.max(1, h - 1);
  switch (band) {
    case 'r':
      return tx;
    case 'g':
      return ty;
    case 'b':
      return (tx + ty) / 2;
    case 'gray':
      return 0.1 + 0.8 * ((2 * tx + ty) / 3);
    case 'alpha':
      return 1 - 0.9 * ty;
  }
}

/** The exact interleaved integer samples of the gradient (alpha last when present). */
export function gradientSamples(spec: GradientSpec): Uint8Array | Uint16Array {
  const { width: w, height: h, channels } = spec;
  const max = spec.bitDepth === 16 ? 65535 : 255;
  const out = spec.bitDepth === 16 ? new Uint16Array(w * h * channels) : new Uint8Array(w * h * channels);
  const bands: ('r' | 'g' | 'b' | 'gray' | 'alpha')[] =
    colourBands(channels) === 1 ? ['gray'] : ['r', 'g', 'b'];
  if (hasAlpha(channels)) bands.push('alpha');
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      bands.forEach((band, k) => {
        out[(y * w + x) * channels + k] = Math.round(patternValue(x, y, band, w, h) * max);
      });
    }
  }
  return out;
}

/** The FloatImage that a lossless decode of the gradient must produce. */
export function gradientImage(spec: GradientSpec): FloatImage {
  const samples = gradientSamples(spec);
  const max = spec.bitDepth === 16 ? 65535 : 255;
  const c = colourBands(spec.channels);
  const pixels = spec.width * spec.height;
  const data = new Float32Array(pixels * c);
  const alpha = hasAlpha(spec.channels) ? new Float32Array(pixels) : undefined;
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < c; k++) data[p * c + k] = (samples[p * spec.channels + k] ?? 0) / max;
    if (alpha) alpha[p] = (samples[p * spec.channels + c] ?? 0) / max;
  }
  const image: FloatImage = { width: spec.width, height: spec.height, channels: c, data, bitDepth: spec.bitDepth ?? 8 };
  if (alpha) image.alpha = alpha;
  return image;
}

function encoder(spec: GradientSpec, format: FixtureFormat): Sharp {
  const is16 = spec.bitDepth === 16;
  const space = colourBands(spec.channels) === 1 ? (is16 ? 'grey16' : 'b-w') : is16 ? 'rgb16' : 'srgb';
  const base = sharp(gradientSamples(spec), {
    raw: { width: spec.width, height: spec.height, channels: spec.channels },
  }).toColourspace(space);
  switch (format) {
    case 'png':
      return base.png();
    case 'jpeg':
      return base.jpeg({ quality: 95, chromaSubsampling: '4:4:4' });
    case 'webp':
      return base.webp({ quality: 95 });
    case 'avif':
      return base.avif({ quality: 80, effort: 2 });
    case 'tiff':
      // sharp's TIFF default is JPEG compression, which is lossy and 8-bit only.
      return base.tiff({ compression: 'deflate' });
  }
}

/** Writes the gradient of `spec` as `dir/name` in `format`. */
export async function writeGradientImage(
  dir: string,
  name: string,
  spec: GradientSpec,
  format: FixtureFormat = 'png',
): Promise<string> {
  const file = join(dir, name);
  await encoder(spec, format).toFile(file);
  return file;
}

interface SizeOptions {
  width?: number;
  height?: number;
}

const size = (o: SizeOptions): { width: number; height: number } => ({
  width: o.width ?? DEFAULT_WIDTH,
  height: o.height ?? DEFAULT_HEIGHT,
});

export const writeGrayPng = (dir: string, name = 'gray.png', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 1 });

export const writeRgbPng = (dir: string, name = 'rgb.png', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 3 });

export const writeRgbaPng = (dir: string, name = 'rgba.png', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 4 });

export const writeGray16Png = (dir: string, name = 'gray16.png', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 1, bitDepth: 16 });

export const writeRgb16Png = (dir: string, name = 'rgb16.png', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 3, bitDepth: 16 });

export const writeRgba16Png = (dir: string, name = 'rgba16.png', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 4, bitDepth: 16 });

export const writeRgb16Tiff = (dir: string, name = 'rgb16.tif', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 3, bitDepth: 16 }, 'tiff');

export const writeJpeg = (dir: string, name = 'photo.jpg', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 3 }, 'jpeg');

export const writeWebp = (dir: string, name = 'photo.webp', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 3 }, 'webp');

export const writeAvif = (dir: string, name = 'photo.avif', o: SizeOptions = {}): Promise<string> =>
  writeGradientImage(dir, name, { ...size(o), channels: 3 }, 'avif');

/** A gray PNG one pixel narrower than `patchSize`, so a dataset with that patch size must skip it. */
export const writeTooSmallImage = (dir: string, patchSize: number, name = 'too-small.png'): Promise<string> =>
  writeGradientImage(dir, name, { width: patchSize - 1, height: patchSize + 4, channels: 1 });

/** A two-page TIFF: page 0 is solid red, page 1 solid blue (decoders must return page 0). */
export async function writeMultiPageTiff(dir: string, name = 'two-pages.tif', o: SizeOptions = {}): Promise<string> {
  const { width, height } = size(o);
  const page = (background: string): Promise<Buffer> =>
    sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
  const file = join(dir, name);
  await sharp([await page('#ff0000'), await page('#0000ff')], { join: { animated: true } })
    .tiff({ compression: 'deflate' })
    .toFile(file);
  return file;
}

/** A real JPEG cut at 60 % of its length: the header is fine, the scan data ends early. */
export async function writeTruncatedJpeg(dir: string, name = 'truncated.jpg'): Promise<string> {
  const full = await encoder({ width: 64, height: 48, channels: 3 }, 'jpeg').toBuffer();
  const file = join(dir, name);
  await writeFile(file, full.subarray(0, Math.floor(full.length * 0.6)));
  return file;
}

/** A zero-byte file with an image name. */
export async function writeEmptyPng(dir: string, name = 'empty.png'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, new Uint8Array(0));
  return file;
}

/** Plain text with an image extension. */
export async function writeTextAsJpeg(dir: string, name = 'not-an-image.jpg'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, 'This is a text file, not a JPEG.\n');
  return file;
}

/** An SVG document named like a PNG: sharp would render it, the engine must refuse it. */
export async function writeSvgAsPng(dir: string, name = 'vector.png'): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="red"/></svg>',
  );
  return file;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression-bomb stand-in of about 100 bytes: a valid PNG signature and IHDR (correct
 * CRC) claiming `width` x `height` 8-bit RGB pixels, then the first bytes of a deflate stream
 * and no IEND. Exercises the header gate with no real memory cost.
 */
export async function writeHugeHeaderPng(
  dir: string,
  name = 'huge-header.png',
  o: { width?: number; height?: number } = {},
): Promise<string> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.width ?? 100_000, 0);
  ihdr.writeUInt32BE(o.height ?? 100_000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression, filter and interlace stay 0
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = deflateSync(Buffer.alloc(4096)).subarray(0, 16);
  const file = join(dir, name);
  await writeFile(file, Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat)]));
  return file;
}

export interface MixedDataset {
  /** Files that must load. */
  good: string[];
  /** Files that must be skipped, with the code each must get. */
  bad: { file: string; code: ErrorCode }[];
}

/**
 * A folder as users really drop them: three good images (gray PNG, RGB PNG, JPEG) next to a
 * truncated JPEG, a huge-header PNG, a zero-byte PNG, a text file named .jpg and a notes.txt.
 */
export async function writeMixedDataset(dir: string): Promise<MixedDataset> {
  const good = [
    await writeGrayPng(dir, 'a-gray.png', { width: 48, height: 40 }),
    await writeRgbPng(dir, 'b-rgb.png', { width: 40, height: 48 }),
    await writeJpeg(dir, 'c-photo.jpg', { width: 64, height: 48 }),
  ];
  const notes = join(dir, 'notes.txt');
  await writeFile(notes, 'not an image\n');
  const bad: MixedDataset['bad'] = [
    { file: await writeTruncatedJpeg(dir, 'd-truncated.jpg'), code: 'E_IMAGE_CORRUPT' },
    { file: await writeHugeHeaderPng(dir, 'e-huge-header.png'), code: 'E_IMAGE_TOO_LARGE' },
    { file: await writeEmptyPng(dir, 'f-empty.png'), code: 'E_IMAGE_CORRUPT' },
    { file: await writeTextAsJpeg(dir, 'g-text.jpg'), code: 'E_IMAGE_CORRUPT' },
    { file: notes, code: 'E_UNSUPPORTED_FORMAT' },
  ];
  return { good, bad };
}
