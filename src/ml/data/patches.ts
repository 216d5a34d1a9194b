import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from './image';
import { Rng, type RngState } from './rng';

export interface PatchSamplerOptions {
  patchSize: number;
  batchSize: number;
  /** Random flips and 90-degree rotations (the 8 symmetries of a square); default true. */
  augment?: boolean;
}

/** Everything needed to continue the exact same patch sequence; plain JSON. */
export interface PatchSamplerState {
  version: 1;
  patchSize: number;
  batchSize: number;
  augment: boolean;
  channels: 1 | 3;
  /** Fingerprint of the image sizes, so a resume on a changed dataset is refused, not silently wrong. */
  datasetKey: string;
  batches: number;
  rng: RngState;
}

function tooSmall(image: FloatImage, index: number, patchSize: number): DenoiseError {
  return new DenoiseError(
    'E_IMAGE_TOO_SMALL',
    `Image ${index} is ${image.width} x ${image.height} pixels, smaller than the ${patchSize}-pixel patch size.`,
    { index, width: image.width, height: image.height, patchSize },
  );
}

function checkImages(images: readonly FloatImage[], patchSize: number): 1 | 3 {
  const first = images[0];
  if (first === undefined) throw new DenoiseError('E_NO_IMAGES', 'There are no images to take patches from.');
  if (!(Number.isInteger(patchSize) && patchSize > 0)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The patch size must be a positive whole number, got ${patchSize}.`);
  }
  images.forEach((image, i) => {
    if (image.channels !== first.channels) {
      throw new DenoiseError('E_INVALID_ARGUMENT', 'All images must have the same number of channels.');
    }
    if (image.width < patchSize || image.height < patchSize) throw tooSmall(image, i, patchSize);
  });
  return first.channels;
}

/** FNV-1a over the sizes: cheap, and enough to tell "same images" from "different images". */
export function datasetKeyOf(images: readonly FloatImage[]): string {
  let h = 0x811c9dc5;
  const text = images.map((im) => `${im.width}x${im.height}x${im.channels}`).join(',');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${images.length}:${h.toString(16).padStart(8, '0')}`;
}

/**
 * Copies one size x size patch from `image` at (x, y) into `out` at `offset`, applying symmetry
 * `t` (0..7: bit 2 = mirror left-right first, bits 0-1 = number of 90-degree turns). Output
 * pixel (i, j) reads source patch pixel (r, c); the mapping is the inverse of the transform.
 */
export function copyPatch(
  image: FloatImage,
  x: number,
  y: number,
  size: number,
  t: number,
  out: Float32Array,
  offset: number,
): void {
  const c = image.channels;
  const last = size - 1;
  const turns = t & 3;
  const mirror = (t & 4) !== 0;
  const { data, width } = image;
  let o = offset;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let r: number;
      let col: number;
      switch (turns) {
        case 0:
          r = i;
          col = j;
          break;
        case 1:
          r = j;
          col = last - i;
          break;
        case 2:
          r = last - i;
          col = last - j;
          break;
        default:
          r = last - j;
          col = i;
      }
      if (mirror) col = last - col;
      const src = ((y + r) * width + (x + col)) * c;
      for (let k = 0; k < c; k++) out[o++] = data[src + k] ?? 0;
    }
  }
}

/**
 * Draws training batches of random patches: an image with probability proportional to its
 * area (so every pixel of the dataset is equally likely), a uniform position, and a random
 * symmetry. Each patch consumes a fixed number of draws from the sampler's own Rng, so the
 * sequence depends only on the seed and is restored exactly by `fromState`.
 */
export class PatchSampler {
  readonly channels: 1 | 3;
  readonly patchSize: number;
  readonly batchSize: number;
  readonly augment: boolean;
  private readonly images: readonly FloatImage[];
  private readonly cumulativeArea: Float64Array;
  private readonly rng: Rng;
  private batches = 0;

  /** `seed` may be a number or an Rng; an Rng is taken over (pass `rng.fork()` to keep yours). */
  constructor(images: readonly FloatImage[], options: PatchSamplerOptions, seed: number | Rng) {
    this.channels = checkImages(images, options.patchSize);
    if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
      throw new DenoiseError('E_INVALID_ARGUMENT', `The batch size must be a positive whole number, got ${options.batchSize}.`);
    }
    this.images = images;
    this.patchSize = options.patchSize;
    this.batchSize = options.batchSize;
    this.augment = options.augment ?? true;
    this.rng = typeof seed === 'number' ? new Rng(seed) : seed;
    this.cumulativeArea = new Float64Array(images.length);
    let sum = 0;
    images.forEach((image, i) => {
      sum += image.width * image.height;
      this.cumulativeArea[i] = sum;
    });
  }

  static fromState(images: readonly FloatImage[], state: PatchSamplerState): PatchSampler {
    if (state?.version !== 1 || typeof state.rng !== 'object' || state.rng === null) {
      throw new DenoiseError('E_CHECKPOINT_CORRUPT', 'The saved patch-sampler state is not readable.');
    }
    const key = datasetKeyOf(images);
    if (state.datasetKey !== key) {
      throw new DenoiseError(
        'E_INVALID_ARGUMENT',
        'The training images differ from the ones this run was saved with, so it cannot resume the same sequence.',
        { saved: state.datasetKey, now: key },
      );
    }
    const sampler = new PatchSampler(
      images,
      { patchSize: state.patchSize, batchSize: state.batchSize, augment: state.augment },
      Rng.fromState(state.rng),
    );
    sampler.batches = state.batches;
    return sampler;
  }

  /** [batch, height, width, channels], the layout of `nextBatch`. */
  get batchShape(): [number, number, number, number] {
    return [this.batchSize, this.patchSize, this.patchSize, this.channels];
  }

  /** Batches drawn so far (since the first, across resumes). */
  get batchesDrawn(): number {
    return this.batches;
  }

  state(): PatchSamplerState {
    return {
      version: 1,
      patchSize: this.patchSize,
      batchSize: this.batchSize,
      augment: this.augment,
      channels: this.channels,
      datasetKey: datasetKeyOf(this.images),
      batches: this.batches,
      rng: this.rng.state(),
    };
  }

  private pickImage(): number {
    const total = this.cumulativeArea[this.cumulativeArea.length - 1] ?? 0;
    const u = this.rng.next() * total;
    let lo = 0;
    let hi = this.cumulativeArea.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulativeArea[mid] ?? 0) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Fills `out` (or a new array) with the next batch, [batch, size, size, channels] flattened. */
  nextBatch(out?: Float32Array): Float32Array {
    const size = this.patchSize;
    const perPatch = size * size * this.channels;
    const batch = out ?? new Float32Array(this.batchSize * perPatch);
    if (batch.length !== this.batchSize * perPatch) {
      throw new DenoiseError('E_INVALID_ARGUMENT', `The output buffer must hold ${this.batchSize * perPatch} values.`);
    }
    for (let b = 0; b < this.batchSize; b++) {
      const image = this.images[this.pickImage()] as FloatImage;
      const x = this.rng.int(image.width - size + 1);
      const y = this.rng.int(image.height - size + 1);
      const t = this.augment ? this.rng.int(8) : 0;
      copyPatch(image, x, y, size, t, batch, b * perPatch);
    }
    this.batches += 1;
    return batch;
  }
}

export interface ValidationPatches {
  /** [count, size, size, channels] flattened. */
  patches: Float32Array;
  count: number;
  channels: 1 | 3;
  patchSize: number;
}

/**
 * A fixed validation set: up to `perImage` non-overlapping patches per image, taken from a grid
 * centred in the image and spread evenly over it (one patch = the centre). No randomness, so
 * validation scores are comparable across runs and resumes.
 */
export function extractValidationPatches(
  images: readonly FloatImage[],
  options: { patchSize: number; perImage?: number },
): ValidationPatches {
  const size = options.patchSize;
  const channels = checkImages(images, size);
  const perImage = Math.max(1, Math.floor(options.perImage ?? 1));
  const spots: { image: FloatImage; x: number; y: number }[] = [];
  for (const image of images) {
    const cols = Math.floor(image.width / size);
    const rows = Math.floor(image.height / size);
    const x0 = Math.floor((image.width - cols * size) / 2);
    const y0 = Math.floor((image.height - rows * size) / 2);
    const cells = cols * rows;
    const n = Math.min(perImage, cells);
    for (let k = 0; k < n; k++) {
      const cell = Math.floor(((k + 0.5) * cells) / n);
      spots.push({ image, x: x0 + (cell % cols) * size, y: y0 + Math.floor(cell / cols) * size });
    }
  }
  const perPatch = size * size * channels;
  const patches = new Float32Array(spots.length * perPatch);
  spots.forEach((spot, i) => copyPatch(spot.image, spot.x, spot.y, size, 0, patches, i * perPatch));
  return { patches, count: spots.length, channels, patchSize: size };
}
