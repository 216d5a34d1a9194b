import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { encodeImage } from '../data/encode-image';
import type { FloatImage } from '../data/image';
import type { GenerativeModel, Model } from '../models/model';

/**
 * What a generative model (the VAE) is for besides denoising: new images from seeded samples
 * of the prior, and walks in latent space between two images. Every image is written as PNG,
 * plus one picture that shows them together (a sample grid, an interpolation strip), scaled up
 * with nearest-neighbour so that small model outputs can be looked at.
 */
export function requireGenerative(model: Model, what = 'This model'): GenerativeModel {
  if (!model.generative) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `${what} (kind ${model.spec.kind}) cannot generate images; train a VAE (--kind vae)`);
  }
  return model.generative;
}

function toImages(batch: Float32Array, count: number, size: number, channels: 1 | 3): FloatImage[] {
  const per = size * size * channels;
  return Array.from({ length: count }, (_, i) => ({ width: size, height: size, channels, bitDepth: 8 as const, data: batch.slice(i * per, (i + 1) * per) }));
}

/** Tiles equal-size images in a grid with a `gap`-pixel white border, scaled by an integer factor. */
export function composeGrid(images: readonly FloatImage[], columns: number, scale = 1, gap = 2): FloatImage {
  const first = images[0];
  if (!first) throw new DenoiseError('E_INVALID_ARGUMENT', 'Nothing to put in a grid');
  const { width: w, height: h, channels: c } = first;
  const rows = Math.ceil(images.length / columns);
  const cellW = w * scale + gap;
  const cellH = h * scale + gap;
  const width = columns * cellW + gap;
  const height = rows * cellH + gap;
  const data = new Float32Array(width * height * c).fill(1);
  images.forEach((image, k) => {
    const x0 = gap + (k % columns) * cellW;
    const y0 = gap + Math.floor(k / columns) * cellH;
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const src = (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const dst = ((y0 + y) * width + x0 + x) * c;
        for (let ch = 0; ch < c; ch++) data[dst + ch] = Math.min(1, Math.max(0, image.data[src + ch] as number));
      }
    }
  });
  return { width, height, channels: c, bitDepth: 8, data };
}

export interface SampleOptions {
  count: number;
  seed: number;
  /** Scales the prior's standard deviation: below 1 gives safer, blander samples. */
  temperature: number;
}

/** `count` images decoded from seeded draws of the prior, at the model's own size. */
export async function drawSamples(model: Model, options: SampleOptions): Promise<FloatImage[]> {
  const gen = requireGenerative(model);
  if (!(Number.isInteger(options.count) && options.count >= 1)) throw new DenoiseError('E_INVALID_ARGUMENT', `The sample count must be a positive whole number, got ${options.count}`);
  if (!(options.temperature >= 0)) throw new DenoiseError('E_INVALID_ARGUMENT', `The temperature must be 0 or more, got ${options.temperature}`);
  const samples = tf.tidy(() => gen.sample(options.count, options.seed, options.temperature));
  let data: Float32Array;
  try {
    data = (await samples.data()) as Float32Array;
  } finally {
    samples.dispose();
  }
  return toImages(data, options.count, gen.imageSize, model.spec.channels);
}

export interface GenerateOptions extends SampleOptions {
  outDir: string;
  /** Nearest-neighbour enlargement of the grid picture (the single samples stay at model size). */
  scale?: number;
}

export interface GenerateResult {
  files: string[];
  grid: string;
}

/** drawSamples written to a folder: one PNG per sample and grid.png with all of them. */
export async function generateSamples(model: Model, options: GenerateOptions): Promise<GenerateResult> {
  const images = await drawSamples(model, options);
  await fs.mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  const digits = String(options.count - 1).length;
  for (const [i, image] of images.entries()) {
    const file = join(options.outDir, `sample-${String(i).padStart(Math.max(3, digits), '0')}.png`);
    await encodeImage(image, file);
    files.push(file);
  }
  const grid = join(options.outDir, 'grid.png');
  await encodeImage(composeGrid(images, Math.ceil(Math.sqrt(options.count)), options.scale ?? 1), grid);
  return { files, grid };
}

/**
 * How an image becomes the VAE's input. 'crop' (default) takes the central square of the model's
 * size at the image's own scale, which is what a model trained on patches has seen; 'resize'
 * takes the central square of the whole image and reduces it by box averaging (so large photos
 * do not alias) and a final bilinear resize, for models trained on whole small images. An image
 * smaller than the model is always resized.
 */
export type FitMode = 'crop' | 'resize';

/** The image as the model's input, [1, size, size, channels]. */
export function fitToModel(image: FloatImage, size: number, channels: 1 | 3, mode: FitMode = 'crop'): tf.Tensor4D {
  if (image.channels !== channels) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The image has ${image.channels} channel(s) but the model takes ${channels}`);
  }
  return tf.tidy(() => {
    const minSide = Math.min(image.width, image.height);
    const side = mode === 'crop' && minSide >= size ? size : minSide;
    const x0 = Math.floor((image.width - side) / 2);
    const y0 = Math.floor((image.height - side) / 2);
    let t = tf.slice(tf.tensor4d(image.data, [1, image.height, image.width, channels]), [0, y0, x0, 0], [1, side, side, channels]);
    const factor = Math.floor(side / size);
    if (factor >= 2) t = tf.avgPool(t, factor, factor, 'valid');
    if (t.shape[1] !== size) t = tf.image.resizeBilinear(t, [size, size], false, true);
    return tf.clipByValue(t, 0, 1) as tf.Tensor4D;
  });
}

export interface PathOptions {
  /** Images along the path, both ends included (at least 2). */
  steps: number;
  fit?: FitMode;
}

export interface LatentPath {
  /** The decoded points, A to B. */
  frames: FloatImage[];
  /** The two inputs as the model sees them (cropped or resized to its size). */
  ends: [FloatImage, FloatImage];
}

/**
 * Encodes both images to their posterior means and decodes evenly spaced points on the line
 * between them.
 */
export async function latentPath(model: Model, a: FloatImage, b: FloatImage, options: PathOptions): Promise<LatentPath> {
  const gen = requireGenerative(model);
  if (!(Number.isInteger(options.steps) && options.steps >= 2)) throw new DenoiseError('E_INVALID_ARGUMENT', `The step count must be a whole number of at least 2, got ${options.steps}`);
  const size = gen.imageSize;
  const channels = model.spec.channels;
  const { frames, ends } = tf.tidy(() => {
    const pair = tf.concat([fitToModel(a, size, channels, options.fit), fitToModel(b, size, channels, options.fit)]) as tf.Tensor4D;
    const { mean } = gen.encode(pair);
    const za = tf.slice(mean, [0, 0], [1, gen.latentSize]);
    const zb = tf.slice(mean, [1, 0], [1, gen.latentSize]);
    const t = tf.reshape(tf.linspace(0, 1, options.steps), [options.steps, 1]);
    const z = tf.add(tf.mul(tf.sub(1, t), za), tf.mul(t, zb)) as tf.Tensor2D;
    return { frames: gen.decode(z), ends: pair };
  });
  let frameData: Float32Array;
  let endData: Float32Array;
  try {
    frameData = (await frames.data()) as Float32Array;
    endData = (await ends.data()) as Float32Array;
  } finally {
    tf.dispose([frames, ends]);
  }
  return { frames: toImages(frameData, options.steps, size, channels), ends: toImages(endData, 2, size, channels) as [FloatImage, FloatImage] };
}

export interface InterpolateOptions extends PathOptions {
  outDir: string;
  scale?: number;
}

export interface InterpolateResult {
  files: string[];
  /** A, the decoded steps, B, side by side. */
  strip: string;
}

/**
 * latentPath written to a folder: one PNG per step, and strip.png framed by the two inputs, so
 * it shows how faithful the end reconstructions are as well as the path.
 */
export async function interpolateImages(model: Model, a: FloatImage, b: FloatImage, options: InterpolateOptions): Promise<InterpolateResult> {
  const { frames, ends } = await latentPath(model, a, b, options);
  await fs.mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  for (const [i, image] of frames.entries()) {
    const file = join(options.outDir, `step-${String(i).padStart(3, '0')}.png`);
    await encodeImage(image, file);
    files.push(file);
  }
  const strip = join(options.outDir, 'strip.png');
  await encodeImage(composeGrid([ends[0], ...frames, ends[1]], options.steps + 2, options.scale ?? 1), strip);
  return { files, strip };
}
