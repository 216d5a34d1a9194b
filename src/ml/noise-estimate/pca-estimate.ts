import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { symmetricEigenvalues } from '../models/pca';

/**
 * Noise level by the patch-covariance (PCA) method of Chen, Zhu and Heng, "An Efficient
 * Statistical Method for Image Noise Level Estimation", ICCV 2015.
 *
 * Why it works: natural-image patches lie near a low-dimensional subspace, so most eigenvalues
 * of the covariance of d x d patches belong to the noise alone and all equal sigma^2. The
 * method takes the smallest eigenvalues and drops the largest of them until the kept set looks
 * like one value plus sampling spread (its mean equals its median), and returns the square
 * root of that mean. Colour patches are taken across the three channels together (d*d*3
 * dimensions), so the level is the per-channel sigma of i.i.d. noise.
 */
export interface PcaEstimateOptions {
  /** Patch side (8 in the paper). */
  patchSize?: number;
  /** Smallest patch step (the authors use 3); raised automatically so at most maxPatches are used. */
  stride?: number;
  maxPatches?: number;
  /** Awaited every few rows so a long estimate never holds the event loop for long. */
  yieldEvery?: () => Promise<void>;
  /** Rounds of weak-texture patch selection after the first estimate (0: Chen et al. alone). */
  refinements?: number;
}

const DEFAULTS = { patchSize: 8, stride: 1, maxPatches: 60_000, refinements: 3 };

/** Patch positions on a grid, and each patch's texture strength (sum of squared neighbour differences). */
interface PatchGrid {
  xs: Int32Array;
  ys: Int32Array;
  texture: Float64Array;
}

function textureOf(data: Float32Array, width: number, channels: number, x: number, y: number, d: number): number {
  let sum = 0;
  for (let dy = 0; dy < d; dy++) {
    const row = ((y + dy) * width + x) * channels;
    for (let dx = 0; dx < d; dx++) {
      for (let c = 0; c < channels; c++) {
        const i = row + dx * channels + c;
        const v = data[i] as number;
        if (dx + 1 < d) sum += ((data[i + channels] as number) - v) ** 2;
        if (dy + 1 < d) sum += ((data[i + width * channels] as number) - v) ** 2;
      }
    }
  }
  return sum;
}

function patchGrid(image: FloatImage, d: number, stride: number): PatchGrid {
  const xs: number[] = [];
  const ys: number[] = [];
  const texture: number[] = [];
  for (let y = 0; y + d <= image.height; y += stride) {
    for (let x = 0; x + d <= image.width; x += stride) {
      xs.push(x);
      ys.push(y);
      texture.push(textureOf(image.data, image.width, image.channels, x, y, d));
    }
  }
  return { xs: Int32Array.from(xs), ys: Int32Array.from(ys), texture: Float64Array.from(texture) };
}

/** Sample covariance of the d x d (x channels) patches at the chosen grid positions, row-major dims x dims. */
async function patchCovariance(image: FloatImage, d: number, grid: PatchGrid, keep: (i: number) => boolean, yieldEvery?: () => Promise<void>): Promise<{ cov: Float64Array; dims: number; count: number }> {
  const { width, channels, data } = image;
  const dims = d * d * channels;
  const sum = new Float64Array(dims);
  const outer = new Float64Array(dims * dims);
  const v = new Float64Array(dims);
  let count = 0;
  for (let p = 0; p < grid.xs.length; p++) {
    if (!keep(p)) continue;
    const x = grid.xs[p] as number;
    const y = grid.ys[p] as number;
    let k = 0;
    for (let dy = 0; dy < d; dy++) {
      const row = ((y + dy) * width + x) * channels;
      for (let j = 0; j < d * channels; j++) v[k++] = data[row + j] as number;
    }
    for (let i = 0; i < dims; i++) {
      const vi = v[i] as number;
      sum[i] = (sum[i] as number) + vi;
      // Upper triangle only; mirrored below.
      const base = i * dims;
      for (let j = i; j < dims; j++) outer[base + j] = (outer[base + j] as number) + vi * (v[j] as number);
    }
    count++;
    if (yieldEvery && count % 2000 === 0) await yieldEvery();
  }
  const cov = new Float64Array(dims * dims);
  for (let i = 0; i < dims; i++) {
    for (let j = i; j < dims; j++) {
      const c = ((outer[i * dims + j] as number) - ((sum[i] as number) * (sum[j] as number)) / Math.max(1, count)) / Math.max(1, count);
      cov[i * dims + j] = c;
      cov[j * dims + i] = c;
    }
  }
  return { cov, dims, count };
}

/**
 * The texture strength below which 99% of pure-noise patches of unit sigma fall, found once per
 * patch shape by simulation (seeded, so estimates are reproducible): the threshold of the
 * weak-texture patch selection of Liu, Tanaka and Okutomi 2013, without their gamma fit.
 */
const noiseTextureQuantiles = new Map<string, number>();
function noiseTextureQuantile(d: number, channels: number): number {
  const key = `${d}x${channels}`;
  const known = noiseTextureQuantiles.get(key);
  if (known !== undefined) return known;
  const rng = new Rng(12345);
  const samples = new Float64Array(4000);
  const patch = new Float32Array(d * d * channels);
  for (let s = 0; s < samples.length; s++) {
    for (let i = 0; i < patch.length; i++) patch[i] = rng.normal();
    samples[s] = textureOf(patch, d, channels, 0, 0, d);
  }
  samples.sort();
  const q = samples[Math.floor(0.99 * samples.length)] as number;
  noiseTextureQuantiles.set(key, q);
  return q;
}

/**
 * The paper's selection rule on ascending eigenvalues: keep the smallest `k`, lowering k until
 * as many of them lie above their mean as below it; sigma^2 is that mean.
 */
export function noiseVarianceFromEigenvalues(ascending: Float64Array): number {
  for (let k = ascending.length; k >= 1; k--) {
    let mean = 0;
    for (let i = 0; i < k; i++) mean += ascending[i] as number;
    mean /= k;
    let above = 0;
    let below = 0;
    for (let i = 0; i < k; i++) {
      const e = ascending[i] as number;
      if (e > mean) above++;
      else if (e < mean) below++;
    }
    if (above === below) return Math.max(0, mean);
  }
  return Math.max(0, ascending[0] ?? 0);
}

/**
 * Sigma on the 0..255 scale. The image must be at least patchSize on each side.
 *
 * Chen et al.'s rule alone reads strong texture (Set12's Barbara) as noise at low levels, so the
 * estimate is refined as Liu et al. 2013 do: keep only the patches whose texture strength a
 * pure-noise patch of the current estimate would reach, re-estimate from those, and repeat.
 */
export async function estimateNoisePca(image: FloatImage, options: PcaEstimateOptions = {}): Promise<number> {
  const d = options.patchSize ?? DEFAULTS.patchSize;
  if (image.width < d || image.height < d) throw new RangeError(`Image ${image.width} x ${image.height} is smaller than one ${d} x ${d} patch`);
  const maxPatches = options.maxPatches ?? DEFAULTS.maxPatches;
  const positions = (s: number): number => (Math.floor((image.width - d) / s) + 1) * (Math.floor((image.height - d) / s) + 1);
  let stride = options.stride ?? DEFAULTS.stride;
  while (positions(stride) > maxPatches) stride++;
  const grid = patchGrid(image, d, stride);
  const estimate = async (keep: (i: number) => boolean): Promise<{ variance: number; count: number }> => {
    const { cov, dims, count } = await patchCovariance(image, d, grid, keep, options.yieldEvery);
    return { variance: noiseVarianceFromEigenvalues(symmetricEigenvalues(cov, dims)), count };
  };
  let { variance } = await estimate(() => true);
  const quantile = noiseTextureQuantile(d, image.channels);
  const minPatches = 8 * d * d * image.channels;
  for (let iteration = 0; iteration < (options.refinements ?? DEFAULTS.refinements); iteration++) {
    const threshold = variance * quantile;
    const next = await estimate((i) => (grid.texture[i] as number) <= threshold);
    // Too few flat patches to trust a covariance: keep what we have.
    if (next.count < minPatches) break;
    const converged = Math.abs(next.variance - variance) <= 1e-4 * variance;
    variance = next.variance;
    if (converged) break;
  }
  return 255 * Math.sqrt(Math.max(0, variance));
}
