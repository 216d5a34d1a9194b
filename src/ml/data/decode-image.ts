import { lstat, readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { DenoiseError } from '../../shared/errors';
import { fromFsError } from './fs-error';
import type { FloatImage, SourceMetadata } from './image';
import { describeImageExtensions, extensionOfName, HEIF_EXTENSIONS, hasImageExtension, isRawName, type InputFormat } from '../../shared/image-formats';
import { iccFitsChannels, sourceMetadataOf } from './metadata';
import { developRaw, rawPreview, readRawHeader } from './raw-decode';
import { assertInsideRoot } from './path-guard';

/** 100 megapixels: above any camera a user trains on, far below what exhausts memory. */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** File-size cap. Not a bomb guard (a 600 kB PNG can inflate to gigabytes); the pixel cap is. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024;
/** Decoding a legitimate 100 MP image takes seconds; minutes means something is wrong. */
export const DEFAULT_DECODE_TIMEOUT_SECONDS = 120;

export interface ImageInfo {
  file: string;
  format: InputFormat;
  /** Upright size, after the EXIF orientation is applied (what decodeImage returns). */
  width: number;
  height: number;
  /** Colour channels of the source, alpha not counted. */
  channels: 1 | 3;
  hasAlpha: boolean;
  bitDepth: 8 | 16;
  /** Pages or frames in the file; only the first is ever decoded. */
  pages: number;
  fileBytes: number;
}

export interface ReadInfoOptions {
  maxFileBytes?: number;
  /** When given, the file's real path (after symlinks) must lie inside this folder. */
  root?: string;
}

export interface DecodeOptions extends ReadInfoOptions {
  /** Reject images with more pixels than this, from the header, before decoding. */
  maxPixels?: number;
  /** Force gray (sharp's greyscale conversion) or RGB (gray replicated); default: as stored. */
  channels?: 1 | 3;
  timeoutSeconds?: number;
}

function corrupt(file: string, what: string, cause?: string): DenoiseError {
  const suffix = cause === undefined ? '' : ` (${cause})`;
  return new DenoiseError('E_IMAGE_CORRUPT', `${file} ${what}${suffix}.`, { file, ...(cause ? { cause } : {}) });
}

function tooLarge(file: string, width: number, height: number, maxPixels: number): DenoiseError {
  const mp = (n: number): string => `${Math.round(n / 1e5) / 10} MP`;
  return new DenoiseError(
    'E_IMAGE_TOO_LARGE',
    `${file} is ${width} x ${height} pixels (${mp(width * height)}), above the limit of ${mp(maxPixels)}; it was not decoded.`,
    { file, width, height, maxPixels },
  );
}

/** Steps 1 and 2 of the C4 order: the name, the link target, the kind of file and its size. */
async function checkFile(file: string, options: ReadInfoOptions): Promise<number> {
  if (!hasImageExtension(file)) {
    throw new DenoiseError(
      'E_UNSUPPORTED_FORMAT',
      `${file} is not a supported image type (supported: ${describeImageExtensions()}).`,
      { file },
    );
  }
  if (options.root !== undefined) await assertInsideRoot(file, options.root);
  let info;
  try {
    // lstat first so a dangling link reads as "not found" rather than a confusing stat error.
    await lstat(file);
    info = await stat(file);
  } catch (error) {
    throw fromFsError(error, file, 'Cannot read the image');
  }
  if (!info.isFile()) {
    throw new DenoiseError('E_UNSUPPORTED_FORMAT', `${file} is not a regular file, so it cannot be an image.`, { file });
  }
  if (info.size === 0) {
    throw corrupt(file, 'is empty (0 bytes), so it is not a valid image');
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (info.size > maxFileBytes) {
    throw new DenoiseError(
      'E_IMAGE_TOO_LARGE',
      `${file} is ${info.size} bytes, above the file-size limit of ${maxFileBytes} bytes; it was not read.`,
      { file, bytes: info.size, maxFileBytes },
    );
  }
  return info.size;
}

/**
 * Maps what sharp detected inside the file to the allow-list. The extension alone is not
 * trusted: an SVG or a PDF renamed to .png would otherwise reach a decoder we never meant to
 * expose.
 */
function allowedFormat(file: string, meta: Metadata): InputFormat {
  switch (meta.format) {
    case 'png':
    case 'jpeg':
    case 'webp':
    case 'tiff':
      return meta.format;
    case 'heif':
      if (meta.compression === 'av1') return 'avif';
      if (meta.compression === 'hevc' && hevcReadable()) return 'heic';
      throw heicUnsupported(file, meta.compression ?? 'unknown');
    default:
      throw new DenoiseError(
        'E_UNSUPPORTED_FORMAT',
        `${file} contains a ${String(meta.format)} image despite its name; only ${describeImageExtensions()} are read.`,
        { file, detected: String(meta.format) },
      );
  }
}

/**
 * Whether this sharp build decodes HEVC, the codec of HEIC photos. libvips lists .heic among
 * the HEIF loader's suffixes only when its libheif has an HEVC decoder; the prebuilt sharp
 * binaries ship libheif with the AV1 codecs alone (HEVC is patent-encumbered), so this is
 * false unless sharp was built against a system libvips with libde265.
 */
export function hevcReadable(): boolean {
  return (sharp.format.heif?.input.fileSuffix ?? []).includes('.heic');
}

function heicUnsupported(file: string, compression: string): DenoiseError {
  return new DenoiseError(
    'E_UNSUPPORTED_FORMAT',
    `${file} is a HEIC/HEIF photo (${compression} compression), which this build cannot decode: the image library it ` +
      'ships with has no HEVC decoder. Convert it to JPEG, PNG or 16-bit TIFF first (Photos or Preview: Export; ' +
      'or heif-convert from libheif), or run the CLI with sharp built against a system libvips that has libde265.',
    { file, compression },
  );
}

function bitDepthOf(meta: Metadata): 8 | 16 {
  // Everything deeper than 8 bits (ushort, float TIFF, 10/12-bit AVIF) is read through the 16-bit
  // path so that precision is not thrown away.
  return meta.depth === 'uchar' || meta.depth === 'char' ? 8 : 16;
}

function colourChannelsOf(meta: Metadata): 1 | 3 {
  return meta.channels - (meta.hasAlpha ? 1 : 0) === 1 ? 1 : 3;
}

async function readHeader(file: string): Promise<Metadata> {
  try {
    // Header only; the pixel limit is ours to apply, with our own message, so sharp's is off here.
    return await sharp(file, { limitInputPixels: false, pages: 1 }).metadata();
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const heif = (HEIF_EXTENSIONS as readonly string[]).includes(extensionOfName(file));
    if (heif && !hevcReadable()) throw heicUnsupported(file, 'hevc');
    throw corrupt(file, `is not a readable image: its contents are not valid ${describeImageExtensions()} data`, cause);
  }
}

function infoFrom(file: string, meta: Metadata, fileBytes: number): ImageInfo {
  if (!(meta.width > 0 && meta.height > 0)) throw corrupt(file, 'has no valid image size in its header');
  if (meta.channels < 1 || meta.channels > 5) {
    throw new DenoiseError('E_UNSUPPORTED_FORMAT', `${file} has ${meta.channels} channels, which is not supported.`, {
      file,
    });
  }
  const format = allowedFormat(file, meta);
  return {
    file,
    format,
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    channels: colourChannelsOf(meta),
    hasAlpha: meta.hasAlpha,
    bitDepth: bitDepthOf(meta),
    pages: meta.pages ?? 1,
    fileBytes,
  };
}

/** Throws E_IMAGE_TOO_LARGE when the header's size is above the pixel cap. */
export function assertWithinPixelLimit(info: ImageInfo, maxPixels: number = DEFAULT_MAX_PIXELS): void {
  if (info.width * info.height > maxPixels) throw tooLarge(info.file, info.width, info.height, maxPixels);
}

/** What the header said: the info, and sharp's metadata (absent for camera RAW). */
interface Inspected {
  info: ImageInfo;
  meta?: Metadata;
  /** The whole file, for camera RAW (LibRaw reads from memory). */
  bytes?: Uint8Array;
}

async function readWhole(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw fromFsError(error, file, 'Cannot read the image');
  }
}

async function inspect(file: string, options: ReadInfoOptions): Promise<Inspected> {
  const fileBytes = await checkFile(file, options);
  if (isRawName(file)) {
    const bytes = await readWhole(file);
    const { width, height } = await readRawHeader(file, bytes, DEFAULT_DECODE_TIMEOUT_SECONDS);
    return { info: { file, format: 'raw', width, height, channels: 3, hasAlpha: false, bitDepth: 16, pages: 1, fileBytes }, bytes };
  }
  const meta = await readHeader(file);
  return { info: infoFrom(file, meta, fileBytes), meta };
}

/** Checks the file and reads its header (no pixel data), in the C4 order. */
export async function readImageInfo(file: string, options: ReadInfoOptions = {}): Promise<ImageInfo> {
  return (await inspect(file, options)).info;
}

function decodeError(file: string, error: unknown, info: ImageInfo, maxPixels: number): DenoiseError {
  const cause = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(cause)) return tooLarge(file, info.width, info.height, maxPixels);
  if (/timeout/i.test(cause)) {
    return new DenoiseError('E_IMAGE_TOO_LARGE', `${file} took too long to decode and was abandoned.`, { file, cause });
  }
  return corrupt(file, 'is damaged or truncated and could not be decoded', cause);
}

interface RawPixels {
  /** Samples as integers of the source depth, interleaved. */
  samples: Uint8Array | Uint16Array;
  width: number;
  height: number;
  /** 3 or 4 (RGB / RGBA): decoding always goes through sRGB so gray, palette and CMYK look alike. */
  bands: number;
}

function asSamples(data: Buffer, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  if (bitDepth === 8) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  // A Uint16Array view needs 2-byte alignment; copy in the rare case sharp's buffer lacks it.
  const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
}

/** Interpretations whose samples sharp hands over unchanged when the profile is ignored. */
const PLAIN_SPACES = new Set(['srgb', 'rgb16', 'b-w', 'grey16']);

/**
 * Whether the samples can stay in the source's own colour space (its ICC profile, or sRGB when
 * it has none): then nothing is converted, an identity model gives back the very same samples,
 * and the output carries the same profile. Not when the caller forces another channel count, nor
 * for CMYK, Lab or a profile that does not match the channels: those go through sRGB as before.
 */
function keepsSourceSpace(meta: Metadata, info: ImageInfo, channels: 1 | 3 | undefined): boolean {
  if (channels !== undefined && channels !== info.channels) return false;
  if (!PLAIN_SPACES.has(meta.space ?? '')) return false;
  return meta.icc === undefined || meta.icc.length === 0 || iccFitsChannels(meta.icc, info.channels);
}

async function decodeRaw(
  file: string,
  info: ImageInfo,
  maxPixels: number,
  timeoutSeconds: number,
  ignoreIcc: boolean,
): Promise<RawPixels> {
  const is16 = info.bitDepth === 16;
  try {
    const { data, info: out } = await sharp(file, {
      // Ignoring the profile keeps the samples as stored; otherwise sharp converts them to sRGB
      // (8-bit) or Display P3 (16-bit) with the embedded profile.
      ignoreIcc,
      limitInputPixels: Math.floor(maxPixels),
      failOn: 'truncated',
      sequentialRead: true,
      autoOrient: true,
      pages: 1,
      page: 0,
    })
      .timeout({ seconds: timeoutSeconds })
      .toColourspace(is16 ? 'rgb16' : 'srgb')
      .raw(is16 ? { depth: 'ushort' } : {})
      .toBuffer({ resolveWithObject: true });
    return { samples: asSamples(data, info.bitDepth), width: out.width, height: out.height, bands: out.channels };
  } catch (error) {
    throw decodeError(file, error, info, maxPixels);
  }
}

/**
 * sharp's own RGB -> gray conversion (libvips colourspace), so gray matches other sharp-based
 * tools. Returns one gray sample per pixel, whatever extra bands sharp keeps.
 */
async function toGray(raw: RawPixels): Promise<RawPixels> {
  const is16 = raw.samples instanceof Uint16Array;
  const { data, info } = await sharp(raw.samples, {
    raw: { width: raw.width, height: raw.height, channels: raw.bands as 3 | 4 },
    limitInputPixels: false,
  })
    .toColourspace(is16 ? 'grey16' : 'b-w')
    .raw(is16 ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  return { samples: asSamples(data, is16 ? 16 : 8), width: info.width, height: info.height, bands: info.channels };
}

/**
 * Floats in [0, 1] from `count` consecutive bands starting at band `from` of every pixel; reading
 * with a stride avoids an intermediate copy of what can be a gigabyte of samples.
 */
function bandsToFloat(raw: RawPixels, from: number, count: number): Float32Array {
  const scale = raw.samples instanceof Uint16Array ? 1 / 65535 : 1 / 255;
  const pixels = raw.width * raw.height;
  const out = new Float32Array(pixels * count);
  const { samples, bands } = raw;
  for (let p = 0, o = 0, i = from; p < pixels; p++, i += bands) {
    for (let k = 0; k < count; k++) out[o++] = (samples[i + k] ?? 0) * scale;
  }
  return out;
}

/**
 * Decodes one image into floats in [0, 1] (HWC, gray or RGB, alpha aside), checking in the
 * order of the reliability notes (C4): extension, link target, file size, header and pixel cap,
 * then a decode with sharp's own pixel limit and truncation check. Only the first page is read.
 */
export async function decodeImage(file: string, options: DecodeOptions = {}): Promise<FloatImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { info, meta, bytes } = await inspect(file, options);
  assertWithinPixelLimit(info, maxPixels);

  // sharp takes whole seconds in [0, 3600] (0: none); anything else would throw and read as "corrupt".
  const wanted = options.timeoutSeconds ?? DEFAULT_DECODE_TIMEOUT_SECONDS;
  const timeout = Number.isFinite(wanted) ? Math.min(3600, Math.max(0, Math.round(wanted))) : DEFAULT_DECODE_TIMEOUT_SECONDS;
  let raw: RawPixels;
  let source: SourceMetadata | undefined;
  if (meta === undefined) {
    const tooBig = (width: number, height: number): Error => tooLarge(file, width, height, maxPixels);
    const developed = await developRaw(file, bytes ?? (await readWhole(file)), maxPixels, timeout, tooBig);
    raw = { samples: developed.samples, width: developed.width, height: developed.height, bands: 3 };
    source = developed.source;
  } else {
    const keepSpace = keepsSourceSpace(meta, info, options.channels);
    raw = await decodeRaw(file, info, maxPixels, timeout, keepSpace);
    source = sourceMetadataOf(meta, keepSpace);
  }
  const channels = options.channels ?? info.channels;

  let data: Float32Array;
  if (channels === 3) {
    data = bandsToFloat(raw, 0, 3);
  } else if (info.channels === 1) {
    // A gray source came back replicated into R = G = B; any one band is exact.
    data = bandsToFloat(raw, 0, 1);
  } else {
    data = bandsToFloat(await toGray(raw), 0, 1);
  }

  const image: FloatImage = { width: raw.width, height: raw.height, channels, data, bitDepth: info.bitDepth };
  if (raw.bands === 4) image.alpha = bandsToFloat(raw, 3, 1);
  if (source) image.source = source;
  return image;
}

/**
 * What sharp should open to show `file` (thumbnails, display copies): the path itself, or for
 * camera RAW, which sharp cannot develop, the camera's JPEG preview or a half-size development.
 * Checks the file as readImageInfo does, including the pixel cap.
 */
export async function displaySource(file: string, options: DecodeOptions = {}): Promise<string | Buffer> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { info, bytes } = await inspect(file, options);
  assertWithinPixelLimit(info, maxPixels);
  if (info.format !== 'raw') return file;
  return rawPreview(file, bytes ?? (await readWhole(file)), maxPixels, options.timeoutSeconds ?? DEFAULT_DECODE_TIMEOUT_SECONDS);
}
