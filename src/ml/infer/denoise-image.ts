import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { asGpuOomError, GPU_OOM_ADVICE, isOomError } from './oom';
import { DEFAULT_BLEND, minTileSize, planTiles, roundDownTo, roundUpTo, tileProfiles, type TilePlan } from './tiling';

/**
 * Runs the network on a batch of tiles: `batch` is n x tileH x tileW x channels (NHWC, float32)
 * and the result must have the same shape. The caller owns the tensors (tidy, dispose); the
 * buffer passed in is reused for the next batch once the returned promise has settled.
 */
export type RunTiles = (batch: Float32Array, n: number, tileH: number, tileW: number, channels: number) => Promise<Float32Array>;

export interface RetryInfo {
  /** The settings the next attempt will use. */
  tileSize: number;
  tileBatch: number;
  error: unknown;
}

export interface DenoiseTiledOptions {
  tileSize: number;
  /** Pixels at each inner tile edge given zero weight: at least the model's receptive radius. */
  overlap: number;
  tileBatch: number;
  sizeMultiple: number;
  /** Crossfade length next to the overlap margin; default DEFAULT_BLEND. */
  blend?: number;
  /** 0..1: output * s + input * (1 - s). Default 1. */
  strength?: number;
  /** Clip the result to [0, 1], the range a FloatImage promises. Default true. */
  clamp?: boolean;
  /** Give up on out-of-memory below this tile size. Default minTileSize(overlap, ...) or 32. */
  minTileSize?: number;
  signal?: AbortSignal;
  /** Tiles done out of the plan's total; starts again from 0 if the tile size had to shrink. */
  onProgress?: (done: number, total: number) => void;
  /** Called before each retry after an out-of-memory failure. */
  onRetry?: (info: RetryInfo) => void;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Denoising was cancelled');
}

/** numpy-style 'reflect' (edge sample not repeated), periodic so any overshoot is mapped. */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const k = ((i % period) + period) % period;
  return k < n ? k : period - k;
}

function validate(image: FloatImage, options: DenoiseTiledOptions): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Image size must be positive integers', { width, height });
  }
  if (data.length !== width * height * channels) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Image data does not match width * height * channels', {
      width,
      height,
      channels,
      length: data.length,
    });
  }
  if (!Number.isInteger(options.tileBatch) || options.tileBatch < 1) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'tileBatch must be a positive integer', { tileBatch: options.tileBatch });
  }
  const strength = options.strength ?? 1;
  if (!(strength >= 0 && strength <= 1)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'strength must be between 0 and 1', { strength });
  }
}

/** Denoised samples, not yet mixed with the input or clamped. */
type PlanOutcome = { kind: 'done'; data: Float32Array } | { kind: 'oom'; error: unknown };

interface RunState {
  tileBatch: number;
}

async function runPlan(
  image: FloatImage,
  plan: TilePlan,
  runTiles: RunTiles,
  state: RunState,
  options: DenoiseTiledOptions,
): Promise<PlanOutcome> {
  const { width, height, channels, data } = image;
  const { tileWidth: tw, tileHeight: th } = plan;
  const tileLen = tw * th * channels;
  const tileRow = tw * channels;
  const profiles = tileProfiles(plan);
  // The output buffer is the accumulator: sum of weight * tile output, normalised at the end.
  const acc = new Float32Array(width * height * channels);
  const total = plan.tiles.length;
  let buffer = new Float32Array(Math.min(state.tileBatch, total) * tileLen);
  const colIndex = new Int32Array(tw);
  options.onProgress?.(0, total);

  let next = 0;
  while (next < total) {
    throwIfCancelled(options.signal);
    const n = Math.min(state.tileBatch, total - next);
    if (buffer.length < n * tileLen) buffer = new Float32Array(n * tileLen);
    const batch = buffer.subarray(0, n * tileLen);
    for (let t = 0; t < n; t++) {
      const tile = plan.tiles[next + t] as (typeof plan.tiles)[number];
      const inside = tile.x + tw <= width;
      for (let i = 0; i < tw; i++) colIndex[i] = reflectIndex(tile.x + i, width);
      for (let j = 0; j < th; j++) {
        const srcRow = reflectIndex(tile.y + j, height) * width * channels;
        const dst = t * tileLen + j * tileRow;
        if (inside) {
          const start = srcRow + tile.x * channels;
          batch.set(data.subarray(start, start + tileRow), dst);
        } else {
          for (let i = 0; i < tw; i++) {
            const src = srcRow + (colIndex[i] as number) * channels;
            for (let c = 0; c < channels; c++) batch[dst + i * channels + c] = data[src + c] as number;
          }
        }
      }
    }

    let out: Float32Array;
    try {
      out = await runTiles(batch, n, th, tw, channels);
    } catch (error) {
      if (!isOomError(error)) throw asGpuOomError(error, 'denoising');
      if (state.tileBatch > 1) {
        // Tiles already accumulated stay valid: the geometry has not changed.
        state.tileBatch = Math.floor(state.tileBatch / 2);
        options.onRetry?.({ tileSize: Math.max(tw, th), tileBatch: state.tileBatch, error });
        continue;
      }
      return { kind: 'oom', error };
    }
    if (out.length !== n * tileLen) {
      throw new DenoiseError('E_MODEL_INCOMPATIBLE', 'The model returned tiles of another shape than it was given', {
        expected: [n, th, tw, channels],
        received: out.length,
      });
    }

    for (let t = 0; t < n; t++) {
      const tile = plan.tiles[next + t] as (typeof plan.tiles)[number];
      const px = profiles.x[tile.col] as Float32Array;
      const py = profiles.y[tile.row] as Float32Array;
      const rows = Math.min(th, height - tile.y);
      const cols = Math.min(tw, width - tile.x);
      for (let j = 0; j < rows; j++) {
        const wy = py[j] as number;
        if (wy === 0) continue;
        const src = t * tileLen + j * tileRow;
        const dst = ((tile.y + j) * width + tile.x) * channels;
        for (let i = 0; i < cols; i++) {
          const w = wy * (px[i] as number);
          if (w === 0) continue;
          for (let c = 0; c < channels; c++) {
            const k = dst + i * channels + c;
            acc[k] = (acc[k] as number) + w * (out[src + i * channels + c] as number);
          }
        }
      }
    }
    next += n;
    options.onProgress?.(next, total);
  }

  for (let y = 0; y < height; y++) {
    const wy = profiles.sumY[y] as number;
    for (let x = 0; x < width; x++) {
      const inv = 1 / (wy * (profiles.sumX[x] as number));
      const base = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) acc[base + c] = (acc[base + c] as number) * inv;
    }
  }
  return { kind: 'done', data: acc };
}

/** The image extended right and down by reflection to multiples of `m` (itself when already). */
function padToMultiple(image: FloatImage, m: number): FloatImage {
  const width = roundUpTo(image.width, m);
  const height = roundUpTo(image.height, m);
  if (width === image.width && height === image.height) return image;
  const c = image.channels;
  const data = new Float32Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const srcRow = reflectIndex(y, image.height) * image.width;
    for (let x = 0; x < width; x++) {
      const src = (srcRow + reflectIndex(x, image.width)) * c;
      data.set(image.data.subarray(src, src + c), (y * width + x) * c);
    }
  }
  return { width, height, channels: image.channels, bitDepth: image.bitDepth, data };
}

/** The top-left width x height of a `paddedWidth`-wide result (itself when nothing was padded). */
function cropTo(data: Float32Array, paddedWidth: number, image: FloatImage): Float32Array {
  const channels = image.channels;
  if (paddedWidth === image.width && data.length === image.width * image.height * channels) return data;
  const out = new Float32Array(image.width * image.height * channels);
  const row = image.width * channels;
  for (let y = 0; y < image.height; y++) out.set(data.subarray(y * paddedWidth * channels, y * paddedWidth * channels + row), y * row);
  return out;
}

/**
 * Denoises an image of any size through overlapping tiles, so the network only ever holds one
 * batch of tiles. Alpha, bit depth and the source's metadata are carried over untouched.
 *
 * Out of memory (see isOomError): the tile batch is halved and the same tiles retried; at a
 * batch of one the tile size is halved, the work restarts with batch one, and below
 * `minTileSize` the E_GPU_OOM error is thrown. Cancellation is checked between batches.
 */
export async function denoiseTiled(image: FloatImage, runTiles: RunTiles, options: DenoiseTiledOptions): Promise<FloatImage> {
  validate(image, options);
  throwIfCancelled(options.signal);
  const strength = options.strength ?? 1;
  const keep = (data: Float32Array): FloatImage => ({
    width: image.width,
    height: image.height,
    channels: image.channels,
    data,
    bitDepth: image.bitDepth,
    ...(image.alpha ? { alpha: image.alpha.slice() } : {}),
    // The source's metadata and colour profile describe the output too (same space, same scene).
    ...(image.source ? { source: image.source } : {}),
  });
  // Nothing of the network would survive the mix, so it is not run at all.
  if (strength === 0) return keep(image.data.slice());

  const m = options.sizeMultiple;
  const blend = options.blend ?? DEFAULT_BLEND;
  const floor = options.minTileSize ?? Math.max(minTileSize(options.overlap, m, blend), roundUpTo(32, m));
  const state: RunState = { tileBatch: options.tileBatch };
  let tileSize = options.tileSize;
  let denoised: Float32Array;
  // Tiles step over the image padded to the net's size multiple, as a whole-image run sees it:
  // otherwise the last tile of an axis ends at the bare border, where the whole-image run sees
  // reflected pixels and its strided levels another phase, and the two disagree there.
  const padded = padToMultiple(image, m);
  for (;;) {
    const plan = planTiles(padded.width, padded.height, tileSize, options.overlap, { sizeMultiple: m, blend });
    const outcome = await runPlan(padded, plan, runTiles, state, options);
    if (outcome.kind === 'done') {
      denoised = cropTo(outcome.data, padded.width, image);
      break;
    }
    // Halve what the network actually saw: on a small image that is less than tileSize.
    const next = roundDownTo(Math.min(tileSize, Math.max(plan.tileWidth, plan.tileHeight)) / 2, m);
    if (next < floor) {
      throw new DenoiseError('E_GPU_OOM', `Out of memory even with the smallest tile size. ${GPU_OOM_ADVICE.denoising}`, {
        tileSize: Math.max(plan.tileWidth, plan.tileHeight),
        tileBatch: state.tileBatch,
        minTileSize: floor,
        cause: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
      });
    }
    tileSize = next;
    state.tileBatch = 1;
    options.onRetry?.({ tileSize, tileBatch: 1, error: outcome.error });
  }

  const clamp = options.clamp ?? true;
  const input = image.data;
  for (let i = 0; i < denoised.length; i++) {
    let v = strength === 1 ? (denoised[i] as number) : strength * (denoised[i] as number) + (1 - strength) * (input[i] as number);
    if (clamp) v = v < 0 ? 0 : v > 1 ? 1 : v;
    denoised[i] = v;
  }
  return keep(denoised);
}
