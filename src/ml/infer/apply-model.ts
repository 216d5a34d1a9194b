import * as tf from '@tensorflow/tfjs-core';
import type { FloatImage } from '../data/image';
import type { Model } from '../models/model';
import { denoiseTiled } from './denoise-image';
import { chooseTileSize } from './tiling';

/**
 * Runs a model over an image of any size through overlapping tiles. Only one batch of tiles is
 * ever a tensor, so memory follows the tile size, not the image.
 */
export interface ApplyOptions {
  backend: string;
  /** The backend computes on a GPU (tfjs-node-gpu reports the same name as tfjs-node). */
  gpu?: boolean;
  tileSize?: number;
  tileBatch?: number;
  strength?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Splits an RGB image into three gray ones (a gray model then denoises each channel, a common
 * and effective use of gray denoisers on colour photos) or back.
 */
function splitChannels(image: FloatImage): FloatImage[] {
  const n = image.width * image.height;
  return [0, 1, 2].map((c) => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = image.data[i * 3 + c] as number;
    return { width: image.width, height: image.height, channels: 1, bitDepth: image.bitDepth, data };
  });
}

function mergeChannels(planes: FloatImage[], like: FloatImage): FloatImage {
  const n = like.width * like.height;
  const data = new Float32Array(n * 3);
  planes.forEach((plane, c) => {
    for (let i = 0; i < n; i++) data[i * 3 + c] = plane.data[i] as number;
  });
  return { ...like, data };
}

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
    const planes: FloatImage[] = [];
    for (const [c, plane] of splitChannels(image).entries()) {
      const onProgress = options.onProgress;
      planes.push(await applyModel(model, plane, { ...options, ...(onProgress ? { onProgress: (d, t) => onProgress(c * t + d, 3 * t) } : {}) }));
    }
    return mergeChannels(planes, image);
  }
  if (image.channels === 1 && channels === 3) return rgbToGray(await applyModel(model, grayToRgb(image), options), image);
  const tileSize = options.tileSize ?? chooseTileSize({ backend: options.backend, channels });
  const runTiles = async (batch: Float32Array, n: number, h: number, w: number, c: number): Promise<Float32Array> => {
    const out = tf.tidy(() => model.predict(tf.tensor4d(batch, [n, h, w, c])));
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  };
  return denoiseTiled(image, runTiles, {
    tileSize,
    overlap: model.receptiveRadius,
    // Batching tiles only pays on a GPU; on a CPU it just multiplies the memory held.
    tileBatch: options.tileBatch ?? (options.gpu ? 4 : 1),
    sizeMultiple: model.sizeMultiple,
    ...(options.strength === undefined ? {} : { strength: options.strength }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
