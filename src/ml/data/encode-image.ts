import sharp, { type Sharp } from 'sharp';
import { DenoiseError } from '../../shared/errors';
import { writeFileAtomic } from '../store/atomic-write';
import type { FloatImage } from './image';
import { encodeCarryingMetadata, type CarriedFields } from './metadata-carrier';
import { iccFitsChannels, outputXmp, type DenoiseNote } from './metadata';
import { extensionOfName, holds16Bit, OUTPUT_FORMAT_OF_EXTENSION, type OutputFormat } from '../../shared/image-formats';

export interface EncodeOptions {
  /** Default: from the output file's extension. */
  format?: OutputFormat;
  /** Default: the image's own depth, lowered to 8 for formats that cannot hold 16. */
  bitDepth?: 8 | 16;
  /** JPEG / WebP quality 1..100 (default 92; WebP at 100 is written lossless). */
  quality?: number;
  /**
   * Leave out the source's EXIF, XMP and IPTC (privacy). The ICC profile is written regardless:
   * the samples are in its space, so without it the colours would change.
   */
  stripMetadata?: boolean;
  /** Record that the image was denoised, and by which model (EXIF Software and XMP). */
  note?: DenoiseNote;
}

const DEFAULT_QUALITY = 92;

export function outputFormatFromPath(file: string): OutputFormat {
  const format = OUTPUT_FORMAT_OF_EXTENSION[extensionOfName(file)];
  if (format === undefined) {
    throw new DenoiseError(
      'E_UNSUPPORTED_FORMAT',
      `Cannot write ${file}: choose a .png, .jpg, .webp or .tif file name (or pass a format).`,
      { file },
    );
  }
  return format;
}

function resolveBitDepth(image: FloatImage, format: OutputFormat, requested: 8 | 16 | undefined): 8 | 16 {
  if (requested === 16 && !holds16Bit(format)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `${format.toUpperCase()} cannot store 16-bit samples; use PNG or TIFF.`);
  }
  const depth = requested ?? image.bitDepth;
  return depth === 16 && holds16Bit(format) ? 16 : 8;
}

function checkShape(image: FloatImage): void {
  const pixels = image.width * image.height;
  const ok =
    Number.isInteger(image.width) &&
    Number.isInteger(image.height) &&
    pixels > 0 &&
    image.data.length === pixels * image.channels &&
    (image.alpha === undefined || image.alpha.length === pixels);
  if (!ok) {
    throw new DenoiseError(
      'E_INVALID_ARGUMENT',
      `Image buffer does not match its size (${image.width} x ${image.height} x ${image.channels}).`,
    );
  }
}

/** Clips to [0, 1] and rounds; NaN becomes 0 so a diverged model cannot write garbage samples. */
function quantize(value: number, max: number): number {
  const clipped = value > 0 ? (value < 1 ? value : 1) : 0;
  return Math.round(clipped * max);
}

function interleave(image: FloatImage, bitDepth: 8 | 16, withAlpha: boolean): Uint8Array | Uint16Array {
  const pixels = image.width * image.height;
  const c = image.channels;
  const bands = c + (withAlpha ? 1 : 0);
  const max = bitDepth === 16 ? 65535 : 255;
  const out = bitDepth === 16 ? new Uint16Array(pixels * bands) : new Uint8Array(pixels * bands);
  const { data, alpha } = image;
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < c; k++) out[p * bands + k] = quantize(data[p * c + k] ?? 0, max);
    if (withAlpha && alpha !== undefined) out[p * bands + c] = quantize(alpha[p] ?? 0, max);
  }
  return out;
}

interface RawInput {
  input: Sharp;
  /** The colourspace the samples are declared as; the output must be told it again. */
  space: 'b-w' | 'grey16' | 'srgb' | 'rgb16';
  /** Size of the raw samples in bytes. */
  bytes: number;
}

function rawInput(image: FloatImage, format: OutputFormat, bitDepth: 8 | 16): RawInput {
  // JPEG has no alpha channel; the colour samples are written as they are.
  const withAlpha = image.alpha !== undefined && format !== 'jpeg';
  const samples = interleave(image, bitDepth, withAlpha);
  const channels = (image.channels + (withAlpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  // The colourspace must be explicit: sharp's default output is 8-bit sRGB, which would turn
  // gray into three channels and 16-bit into 8.
  const space = image.channels === 1 ? (bitDepth === 16 ? 'grey16' : 'b-w') : bitDepth === 16 ? 'rgb16' : 'srgb';
  const input = sharp(samples, { raw: { width: image.width, height: image.height, channels }, limitInputPixels: false })
    .toColourspace(space);
  return { input, space, bytes: samples.byteLength };
}

function withFormat(base: Sharp, format: OutputFormat, quality: number): Sharp {
  switch (format) {
    case 'png':
      return base.png({ compressionLevel: 6 });
    case 'jpeg':
      // 4:4:4 because chroma subsampling would blur exactly the detail a denoiser tries to keep.
      return base.jpeg({ quality, chromaSubsampling: '4:4:4' });
    case 'webp':
      return quality >= 100 ? base.webp({ lossless: true }) : base.webp({ quality });
    case 'tiff':
      // sharp's TIFF default is JPEG compression (lossy, 8-bit only); deflate is lossless.
      return base.tiff({ compression: 'deflate', predictor: 'horizontal' });
  }
}

/** The metadata blocks an output gets, or undefined when there is nothing to write. */
function fieldsFor(image: FloatImage, options: EncodeOptions): CarriedFields | undefined {
  const source = image.source;
  const kept = options.stripMetadata ? undefined : source;
  const fields: CarriedFields = {};
  // A profile that cannot describe the samples (a gray one on RGB) would mislabel them.
  if (source?.icc && iccFitsChannels(source.icc, image.channels)) fields.icc = source.icc;
  if (kept?.exif) fields.exif = kept.exif;
  if (kept?.iptc) fields.iptc = kept.iptc;
  const xmp = outputXmp(kept?.xmp, options.note);
  if (xmp) fields.xmp = xmp;
  const exifStrings = { ...kept?.exifTags, ...(options.note ? { 'exif-ifd0-Software': options.note.software } : {}) };
  if (Object.keys(exifStrings).length > 0) fields.exifStrings = exifStrings;
  return Object.keys(fields).length > 0 ? fields : undefined;
}

async function encode(image: FloatImage, format: OutputFormat, bitDepth: 8 | 16, quality: number, options: EncodeOptions): Promise<Buffer> {
  const raw = rawInput(image, format, bitDepth);
  const fields = fieldsFor(image, options);
  if (fields === undefined) return withFormat(raw.input, format, quality).toBuffer();
  return encodeCarryingMetadata(raw.input, raw.bytes, fields, (input) => withFormat(input.toColourspace(raw.space), format, quality));
}

/**
 * Encodes to an in-memory file (for previews and for the atomic writer). The source's metadata
 * (FloatImage.source) goes along: EXIF with Orientation 1, XMP, IPTC and the ICC profile, each
 * where the format can hold it (docs/photos.md).
 */
export async function encodeImageToBuffer(
  image: FloatImage,
  options: EncodeOptions & { format: OutputFormat },
): Promise<Buffer> {
  checkShape(image);
  const bitDepth = resolveBitDepth(image, options.format, options.bitDepth);
  const quality = Math.min(100, Math.max(1, Math.round(options.quality ?? DEFAULT_QUALITY)));
  try {
    return await encode(image, options.format, bitDepth, quality, options);
  } catch (error) {
    if (error instanceof DenoiseError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DenoiseError('E_INTERNAL', `Encoding a ${options.format.toUpperCase()} image failed: ${reason}`);
  }
}

/**
 * Writes an image atomically (temp file + rename in the same folder), so a crash or a full disk
 * never leaves a half-written output where the user expects a result.
 */
export async function encodeImage(image: FloatImage, outPath: string, options: EncodeOptions = {}): Promise<void> {
  const format = options.format ?? outputFormatFromPath(outPath);
  const encoded = await encodeImageToBuffer(image, { ...options, format });
  await writeFileAtomic(outPath, encoded);
}
