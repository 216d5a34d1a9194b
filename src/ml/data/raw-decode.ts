import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { DenoiseError } from '../../shared/errors';
import type { SourceMetadata } from './image';

/**
 * Camera RAW (DNG, CR2, NEF, ARW, ...) through LibRaw compiled to WebAssembly (the npm package
 * libraw-wasm): no compiler at install time, and a malformed file can only corrupt the wasm
 * module's own memory, not the engine's. The package's front end runs LibRaw in a Web Worker,
 * which Node lacks, so its Emscripten module is run in a worker thread of our own.
 *
 * Development settings: the camera's white balance, sRGB primaries and the sRGB tone curve,
 * 16 bits per sample, LibRaw's default demosaic (AHD), no auto-brightness: the result is what a
 * RAW converter shows at zero exposure, in the kind of samples the model was trained on.
 * LibRaw applies the file's orientation, so the pixels come out upright.
 *
 * A 24 MP file takes seconds to develop, in the worker, with the decode timeout applying.
 */

interface LibRawMetadata {
  /** Upright size: the wrapper applies the orientation (dcraw's flip) to these. */
  width: number;
  height: number;
  flip: number;
  camera_make?: string;
  camera_model?: string;
  iso_speed?: number;
  shutter?: number;
  aperture?: number;
  focal_len?: number;
  /** Seconds since 1970, 0 when unknown. */
  timestamp?: number;
  artist?: string;
}

interface LibRawImage {
  width: number;
  height: number;
  colors: number;
  bits: number;
  data: Uint8Array | Uint16Array;
}

/** The slice of the WebAssembly API used here (the engine's type libs have no DOM/wasm types). */
type WasmModule = { readonly __wasmModule: unique symbol };
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

const SETTINGS = {
  outputBps: 16,
  useCameraWb: true,
  outputColor: 1,
  // dcraw's -g: power 2.4 with a linear toe of slope 12.92 is the sRGB curve.
  gamm: [2.4, 12.92],
  // The sensor's white level maps to white. dcraw's auto-brightness instead scales each image so
  // that 1% clips, which makes the same scene develop differently depending on its content.
  noAutoBright: true,
  // -1: follow the file's orientation (the wrapper's default leaves the pixels as stored).
  userFlip: -1,
} as const;

/**
 * The worker: instantiates the compiled module (a fresh instance per file, because a wasm memory
 * only ever grows: a shared one would keep the largest RAW's few hundred megabytes for the life
 * of the engine; the worker's exit frees it), opens the file, and sends back the metadata and,
 * when asked, the developed pixels copied out of the wasm heap. Plain JS, run with eval so that
 * no separate file has to be found next to the bundled engine.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { libraw, wasm, bytes, settings, mode, maxPixels } = workerData;
  let raw;
  try {
    const factory = (await import(libraw)).default;
    const module = await new Promise((resolve, reject) => {
      factory({
        instantiateWasm(imports, receive) {
          WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm), reject);
          return {};
        },
        print() {},
        printErr() {},
      }).then(resolve, reject);
    });
    raw = new module.LibRaw();
    raw.open(bytes, settings);
    const meta = raw.metadata(false);
    let image;
    let thumbnail;
    if (mode === 'preview') {
      // The camera's own JPEG preview when there is one; else a half-size develop (no demosaic).
      try {
        const out = raw.thumbnailData();
        if (out && out.data && out.data.length > 0 && (out.format === 'jpeg' || out.format === 1)) thumbnail = out.data.slice();
      } catch {}
    }
    if ((mode === 'develop' || (mode === 'preview' && !thumbnail)) && meta && meta.width * meta.height <= maxPixels) {
      const out = raw.imageData();
      if (out) image = { width: out.width, height: out.height, colors: out.colors, bits: out.bits, data: out.data.slice() };
    }
    const transfer = [image && image.data.buffer, thumbnail && thumbnail.buffer].filter(Boolean);
    parentPort.postMessage({ meta, image, thumbnail }, transfer);
  } catch (error) {
    // LibRaw reports failures as C++ exceptions, which reach JS as objects without a message.
    parentPort.postMessage({ error: error instanceof Error ? error.message : 'LibRaw could not read it' });
  } finally {
    if (raw) raw.delete();
  }
})();
`;

let loaded: Promise<{ libraw: string; wasm: WasmModule }> | undefined;

/** Finds the package and compiles its .wasm once; workers get the compiled module. */
async function loadLibRaw(): Promise<{ libraw: string; wasm: WasmModule }> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const libraw = pathToFileURL(require.resolve('libraw-wasm/dist/libraw.js')).href;
    return { libraw, wasm: await wasmApi.compile(await readFile(require.resolve('libraw-wasm/dist/libraw.wasm'))) };
  })();
  try {
    return await loaded;
  } catch (error) {
    loaded = undefined;
    const cause = error instanceof Error ? error.message : String(error);
    throw new DenoiseError('E_UNSUPPORTED_FORMAT', `Camera RAW files cannot be read here: the LibRaw module did not load (${cause}).`, { cause });
  }
}

function corrupt(file: string, cause: string): DenoiseError {
  return new DenoiseError('E_IMAGE_CORRUPT', `${file} is not a camera RAW file LibRaw can develop (${cause}).`, { file, cause });
}

interface WorkerReply {
  meta?: LibRawMetadata;
  image?: LibRawImage;
  /** The embedded JPEG preview (mode 'preview'). */
  thumbnail?: Uint8Array;
  error?: string;
}

/** header: parse only; develop: full-size pixels; preview: the camera's JPEG or a half-size develop. */
type WorkerMode = 'header' | 'develop' | 'preview';

/**
 * Runs LibRaw on `bytes` in a worker thread, so the engine keeps answering (progress, cancel)
 * while a RAW develops, and a file that takes too long can be abandoned by ending the worker.
 */
async function runLibRaw(file: string, bytes: Uint8Array, mode: WorkerMode, maxPixels: number, timeoutSeconds: number): Promise<WorkerReply> {
  const { libraw, wasm } = await loadLibRaw();
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { libraw, wasm, bytes, settings: mode === 'preview' ? { ...SETTINGS, halfSize: true } : SETTINGS, mode, maxPixels },
    });
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    // 0 means no limit, as for sharp's decode timeout.
    const timer = setTimeout(
      () => settle(() => reject(new DenoiseError('E_IMAGE_TOO_LARGE', `${file} took too long to develop and was abandoned.`, { file }))),
      timeoutSeconds > 0 ? timeoutSeconds * 1000 : 2 ** 31 - 1,
    );
    worker.once('message', (reply: WorkerReply) => settle(() => (reply.error !== undefined ? reject(corrupt(file, reply.error)) : resolve(reply))));
    worker.once('error', (error) => settle(() => reject(corrupt(file, error.message))));
    worker.once('exit', (code) => settle(() => reject(corrupt(file, `LibRaw stopped with exit code ${code}`))));
  });
}

export interface RawHeader {
  /** Upright size (after the file's orientation). */
  width: number;
  height: number;
}

/** The wrapper reports the size with the orientation already applied (raw_width is the sensor's). */
function uprightSize(meta: LibRawMetadata): RawHeader {
  return { width: meta.width, height: meta.height };
}

function checkedMeta(file: string, reply: WorkerReply): LibRawMetadata {
  const meta = reply.meta;
  if (!meta || !(meta.width > 0 && meta.height > 0)) throw corrupt(file, 'no image size in the file');
  return meta;
}

/** Reads the size from a RAW file (parses the file; does not develop it). */
export async function readRawHeader(file: string, bytes: Uint8Array, timeoutSeconds: number): Promise<RawHeader> {
  return uprightSize(checkedMeta(file, await runLibRaw(file, bytes, 'header', 0, timeoutSeconds)));
}

/** Quarter turns that make a stored preview upright, from dcraw's flip. */
const ROTATION_OF_FLIP: Readonly<Record<number, number>> = { 3: 180, 5: 270, 6: 90 };

/**
 * A RAW file as something sharp can show, for thumbnails and display copies: the camera's
 * embedded JPEG preview turned upright, or else a half-size development as a 16-bit PNG.
 * Seconds faster than developing the whole file.
 */
export async function rawPreview(file: string, bytes: Uint8Array, maxPixels: number, timeoutSeconds: number): Promise<Buffer> {
  const reply = await runLibRaw(file, bytes, 'preview', maxPixels, timeoutSeconds);
  const meta = checkedMeta(file, reply);
  if (reply.thumbnail) {
    const angle = ROTATION_OF_FLIP[meta.flip] ?? 0;
    return sharp(reply.thumbnail, { failOn: 'truncated' }).rotate(angle).jpeg({ quality: 90 }).toBuffer();
  }
  const image = reply.image;
  if (!image || image.colors !== 3 || !(image.data instanceof Uint16Array)) throw corrupt(file, 'LibRaw made no preview');
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).toColourspace('rgb16').png({ compressionLevel: 1 }).toBuffer();
}

/** A rational as libvips reads it from an EXIF string ("1/250"). */
function rational(value: number, denominator: number): string {
  return `${Math.round(value * denominator)}/${denominator}`;
}

function exifDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}:${p(d.getUTCMonth() + 1)}:${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * The capture data LibRaw parsed, as EXIF tags for the output. RAW files keep their EXIF in
 * maker-specific places that LibRaw reads but does not hand out as a block.
 */
export function exifTagsOf(meta: LibRawMetadata): Record<string, string> {
  const tags: Record<string, string> = {};
  const text = (value: string | undefined): string | undefined => (value && value.trim() ? value.trim() : undefined);
  const make = text(meta.camera_make);
  const model = text(meta.camera_model);
  const artist = text(meta.artist);
  if (make) tags['exif-ifd0-Make'] = make;
  if (model) tags['exif-ifd0-Model'] = model;
  if (artist) tags['exif-ifd0-Artist'] = artist;
  if (meta.iso_speed && meta.iso_speed > 0) tags['exif-ifd2-ISOSpeedRatings'] = String(Math.round(meta.iso_speed));
  if (meta.shutter && meta.shutter > 0) {
    tags['exif-ifd2-ExposureTime'] = meta.shutter >= 1 ? rational(meta.shutter, 10) : `1/${Math.round(1 / meta.shutter)}`;
  }
  if (meta.aperture && meta.aperture > 0) tags['exif-ifd2-FNumber'] = rational(meta.aperture, 10);
  if (meta.focal_len && meta.focal_len > 0) tags['exif-ifd2-FocalLength'] = rational(meta.focal_len, 10);
  if (meta.timestamp && meta.timestamp > 0) tags['exif-ifd2-DateTimeOriginal'] = exifDate(meta.timestamp);
  return tags;
}

export interface DevelopedRaw {
  /** 16-bit sRGB samples, 3 per pixel, upright. */
  samples: Uint16Array;
  width: number;
  height: number;
  source?: SourceMetadata;
}

/**
 * Develops a RAW file into 16-bit sRGB. `maxPixels` is checked on the header before the (slow,
 * memory-hungry) development starts.
 */
export async function developRaw(
  file: string,
  bytes: Uint8Array,
  maxPixels: number,
  timeoutSeconds: number,
  tooLarge: (width: number, height: number) => Error,
): Promise<DevelopedRaw> {
  const reply = await runLibRaw(file, bytes, 'develop', maxPixels, timeoutSeconds);
  const meta = checkedMeta(file, reply);
  const size = uprightSize(meta);
  // The worker develops nothing above the cap; this is where that becomes the error.
  if (size.width * size.height > maxPixels) throw tooLarge(size.width, size.height);
  const image = reply.image;
  if (!image || image.colors !== 3 || !(image.data instanceof Uint16Array) || image.data.length !== image.width * image.height * 3) {
    throw corrupt(file, `LibRaw returned ${image?.colors ?? 0} colours at ${image?.bits ?? 0} bits`);
  }
  const exifTags = exifTagsOf(meta);
  return {
    samples: image.data,
    width: image.width,
    height: image.height,
    ...(Object.keys(exifTags).length > 0 ? { source: { exifTags } } : {}),
  };
}
