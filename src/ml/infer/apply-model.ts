import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import type { Model } from '../models/model';
import { denoiseTiled } from './denoise-image';
import { deviceBufferLimit, WIDEST_ACTIVATION_BYTES_PER_PIXEL } from './device-limits';
import { checkPixelShuffleStride, denoisePixelShuffled } from './pixel-shuffle';
import { chooseTileSize } from './tiling';

/**
 * Runs a model over an image of any size through overlapping tiles. Only one batch of tiles is
 * ever a tensor, so memory follows the tile size, not the image.
 */
export interface ApplyOptions {
  /** The backend computes on a GPU: tiles are then batched (BackendReport.isGpu). */
  gpu: boolean;
  tileSize?: number;
  tileBatch?: number;
  strength?: number;
  /** Noise sigma on the 0..255 scale; required by level-aware models, ignored by the others. */
  sigma?: number;
  /**
   * Pixel-shuffle stride to denoise with; default the model's own (Model.pixelShuffleStride, or 1).
   * A smaller one than the model was trained with is AP-BSN's "asymmetric" inference.
   */
  pixelShuffleStride?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** One channel of an interleaved RGB image as a gray image. */
function channelPlane(image: FloatImage, c: number): FloatImage {
  const n = image.width * image.height;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = image.data[i * 3 + c] as number;
  return { width: image.width, height: image.height, channels: 1, bitDepth: image.bitDepth, data };
}

/** How much to scale a gray photo's noise level for a colour model (see applyModel). */
export const GRAY_IN_COLOUR_LEVEL = Math.sqrt(3);

/** A colour model on a gray image sees the gray replicated, and its output is averaged back. */
function grayToRgb(image: FloatImage): FloatImage {
  const n = image.width * image.height;
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = image.data[i] as number;
  return { ...image, channels: 3, data };
}

function rgbToGray(image: FloatImage, like: FloatImage): FloatImage {
  const n = image.width * image.height;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((image.data[i * 3] as number) + (image.data[i * 3 + 1] as number) + (image.data[i * 3 + 2] as number)) / 3;
  return { ...like, data };
}

export async function applyModel(model: Model, image: FloatImage, options: ApplyOptions): Promise<FloatImage> {
  const channels = model.spec.channels;
  if (image.channels === 3 && channels === 1) {
    // A gray model on a colour photo denoises each channel in turn (a common and effective use
    // of gray denoisers); one plane at a time keeps the extra memory to two gray images.
    const data = new Float32Array(image.data.length);
    const n = image.width * image.height;
    for (let c = 0; c < 3; c++) {
      const onProgress = options.onProgress;
      const plane = await applyModel(model, channelPlane(image, c), { ...options, ...(onProgress ? { onProgress: (d, t) => onProgress(c * t + d, 3 * t) } : {}) });
      for (let i = 0; i < n; i++) data[i * 3 + c] = plane.data[i] as number;
    }
    return { ...image, data };
  }
  if (image.channels === 1 && channels === 3) {
    // A gray photo enters a colour model as three equal channels, so its noise is the same in all
    // three, where the model learned noise drawn apart per channel. Only the channels' mean comes
    // back out (rgbToGray), and that mean keeps all of equal noise (sigma) but a 1/sqrt(3) share of
    // independent noise: the model is told the independent level whose mean matches, sigma x sqrt(3).
    // Measured on Set12 with the colour starter: +2.6 / +4.0 / +6.0 dB at sigma 15 / 25 / 50, and
    // sqrt(3) beat 1.5 and 2 (docs/denoisers.md).
    const levelOptions = options.sigma === undefined ? options : { ...options, sigma: options.sigma * GRAY_IN_COLOUR_LEVEL };
    return rgbToGray(await applyModel(model, grayToRgb(image), levelOptions), image);
  }
  if (model.takesNoiseLevel && !(options.sigma !== undefined && options.sigma >= 0 && Number.isFinite(options.sigma))) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `This model is noise-level-aware: give a noise sigma of 0 or more (got ${String(options.sigma)})`);
  }
  const level = model.takesNoiseLevel ? (options.sigma as number) / 255 : undefined;
  // Batching tiles only pays on a GPU; on a CPU it just multiplies the memory held.
  const tileBatch = options.tileBatch ?? (options.gpu ? 4 : 1);
  const limit = options.gpu ? deviceBufferLimit() : undefined;
  const tileSize =
    options.tileSize ??
    chooseTileSize({ channels, tileBatch, ...(limit === undefined ? {} : { availableBytes: limit, bytesPerPixel: WIDEST_ACTIVATION_BYTES_PER_PIXEL }) });
  const runTiles = async (batch: Float32Array, n: number, h: number, w: number, c: number): Promise<Float32Array> => {
    const out = tf.tidy(() => model.predict(tf.tensor4d(batch, [n, h, w, c]), level === undefined ? undefined : tf.fill([n, 1, 1, 1], level) as tf.Tensor4D));
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  };
  const tiled = (input: FloatImage, onProgress: ApplyOptions['onProgress']): Promise<FloatImage> =>
    denoiseTiled(input, runTiles, {
      tileSize,
      overlap: model.receptiveRadius,
      tileBatch,
      sizeMultiple: model.sizeMultiple,
      ...(options.strength === undefined ? {} : { strength: options.strength }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  // A model trained on pixel-shuffle sub-images denoises each sub-image, tiled as any image is.
  const stride = checkPixelShuffleStride(options.pixelShuffleStride ?? model.pixelShuffleStride ?? 1);
  if (stride === 1) return tiled(image, options.onProgress);
  return denoisePixelShuffled(image, stride, (sub, onProgress) => tiled(sub, onProgress), options.onProgress);
}
