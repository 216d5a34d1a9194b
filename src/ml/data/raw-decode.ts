import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { DenoiseError } from '../../shared/errors';
import type { SourceMetadata } from './image';

/**
 * Camera RAW (DNG, CR2, NEF, ARW, ...) through LibRaw compiled to WebAssembly (the npm package
 * libraw-wasm): no compiler at install time, and a malformed file can only corrupt the wasm
 * module's own memory, not the engine's. The package's front end runs LibRaw in a Web Worker,
 * which Node lacks, so its Emscripten module is loaded directly with the .wasm bytes.
 *
 * Development settings: the camera's white balance, sRGB primaries and the sRGB tone curve,
 * 16 bits per sample, LibRaw's default demosaic (AHD), no auto-brightness: the result is what a
 * RAW converter shows at zero exposure, in the kind of samples the model was trained on.
 * LibRaw applies the file's orientation, so the pixels come out upright.
 *
 * LibRaw runs synchronously on the calling thread: a 24 MP file takes seconds to develop.
 */

interface LibRawInstance {
  open(bytes: Uint8Array, settings: Record<string, unknown>): void;
  metadata(full: boolean): LibRawMetadata | undefined;
  imageData(): { width: number; height: number; colors: number; bits: number; data: Uint8Array | Uint16Array } | undefined;
  delete(): void;
}

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

interface LibRawModule {
  LibRaw: new () => LibRawInstance;
}

type ModuleFactory = (options: Record<string, unknown>) => Promise<LibRawModule>;

/** The slice of the WebAssembly API used here (the engine's type libs have no DOM/wasm types). */
type WasmModule = { readonly __wasmModule: unique symbol };
type WasmInstance = { readonly __wasmInstance: unique symbol };
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

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

let compiled: Promise<{ factory: ModuleFactory; wasm: WasmModule }> | undefined;

async function loadLibRaw(): Promise<{ factory: ModuleFactory; wasm: WasmModule }> {
  compiled ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('libraw-wasm/dist/libraw.wasm');
    const factory = ((await import('libraw-wasm/dist/libraw.js')) as { default: ModuleFactory }).default;
    return { factory, wasm: await wasmApi.compile(await readFile(wasmPath)) };
  })();
  try {
    return await compiled;
  } catch (error) {
    compiled = undefined;
    const cause = error instanceof Error ? error.message : String(error);
    throw new DenoiseError('E_UNSUPPORTED_FORMAT', `Camera RAW files cannot be read here: the LibRaw module did not load (${cause}).`, { cause });
  }
}

/**
 * A fresh module instance per file: a WebAssembly memory only ever grows, so one shared instance
 * would keep the largest RAW's few hundred megabytes for the life of the engine. The compiled
 * module is shared, so only instantiation is repeated.
 */
async function newLibRaw(): Promise<LibRawInstance> {
  const { factory, wasm } = await loadLibRaw();
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const module = await Promise.race([
    factory({
      // Emscripten's hook for bringing an instance of an already compiled module.
      instantiateWasm(imports: object, receive: (instance: WasmInstance, module: WasmModule) => void) {
        wasmApi.instantiate(wasm, imports).then((instance) => receive(instance, wasm), fail);
        return {};
      },
      print: () => {},
      printErr: () => {},
    }),
    failed,
  ]);
  return new module.LibRaw();
}

function describeFailure(error: unknown): string {
  // LibRaw reports failures as C++ exceptions, which reach JS as objects without a message.
  return error instanceof Error ? error.message : 'LibRaw could not read it';
}

function corrupt(file: string, error: unknown): DenoiseError {
  const cause = describeFailure(error);
  return new DenoiseError('E_IMAGE_CORRUPT', `${file} is not a camera RAW file LibRaw can develop (${cause}).`, { file, cause });
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

async function openRaw(file: string, bytes: Uint8Array): Promise<{ raw: LibRawInstance; meta: LibRawMetadata }> {
  const raw = await newLibRaw();
  try {
    raw.open(bytes, { ...SETTINGS });
    const meta = raw.metadata(false);
    if (!meta || !(meta.width > 0 && meta.height > 0)) throw new Error('no image size in the file');
    return { raw, meta };
  } catch (error) {
    raw.delete();
    throw corrupt(file, error);
  }
}

/** Reads the size from a RAW file (parses the file; does not develop it). */
export async function readRawHeader(file: string, bytes: Uint8Array): Promise<RawHeader> {
  const { raw, meta } = await openRaw(file, bytes);
  raw.delete();
  return uprightSize(meta);
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
export async function developRaw(file: string, bytes: Uint8Array, maxPixels: number, tooLarge: (width: number, height: number) => Error): Promise<DevelopedRaw> {
  const { raw, meta } = await openRaw(file, bytes);
  try {
    const size = uprightSize(meta);
    if (size.width * size.height > maxPixels) throw tooLarge(size.width, size.height);
    let image;
    try {
      image = raw.imageData();
    } catch (error) {
      throw corrupt(file, error);
    }
    if (!image || image.colors !== 3 || !(image.data instanceof Uint16Array) || image.data.length !== image.width * image.height * 3) {
      throw corrupt(file, new Error(`LibRaw returned ${image?.colors ?? 0} colours at ${image?.bits ?? 0} bits`));
    }
    const exifTags = exifTagsOf(meta);
    return {
      samples: image.data,
      width: image.width,
      height: image.height,
      ...(Object.keys(exifTags).length > 0 ? { source: { exifTags } } : {}),
    };
  } finally {
    raw.delete();
  }
}
