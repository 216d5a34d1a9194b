import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { estimateNoisePca } from './pca-estimate';

/**
 * The automatic noise level of one image: sigma of additive white Gaussian noise on the 0..255
 * scale, as level-aware models take it. The method was chosen by measurement
 * (docs/denoisers.md, `npm run bench:noise-estimate`): patch-covariance PCA (Chen, Zhu and Heng
 * 2015), on gray images refined on weak-texture patches (Liu, Tanaka and Okutomi 2013); wavelet MAD, the
 * classical alternative, reads fine texture as noise and misses the aim at low levels.
 */
export const NOISE_ESTIMATE_METHOD = 'pca-weak-texture';

/** Patch side of the estimator; smaller images cannot be estimated. */
export const NOISE_ESTIMATE_MIN_SIDE = 8;

/**
 * Patches used at most, by channel count: the covariance costs patches x (64 * channels)^2, so
 * colour takes fewer to keep a 12-megapixel photo to about a second or two.
 */
const MAX_PATCHES: Record<1 | 3, number> = { 1: 60_000, 3: 20_000 };

/**
 * Weak-texture refinement rounds by channel count. Gray images need them (Set12 at sigma 5:
 * 12 of 12 within the aim with, 4 of 12 without). On colour the unrefined estimate already meets
 * the aim on Kodak24, and the 192-dimensional patches' texture statistic is so tight that a
 * slightly low first estimate makes the selection drop noisy patches and spiral down.
 */
const REFINEMENTS: Record<1 | 3, number> = { 1: 3, 3: 0 };

export interface NoiseEstimate {
  sigma: number;
  method: typeof NOISE_ESTIMATE_METHOD;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A gray photo decoded as RGB has three equal channels: its joint patch covariance then has
 * two thirds of its eigenvalues at zero, which would read as no noise at all.
 */
function isGrayAsRgb(image: FloatImage): boolean {
  if (image.channels !== 3) return false;
  const d = image.data;
  for (let i = 0; i < d.length; i += 3) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

function firstChannel(image: FloatImage): FloatImage {
  const data = new Float32Array(image.width * image.height);
  for (let i = 0; i < data.length; i++) data[i] = image.data[i * 3] as number;
  return { width: image.width, height: image.height, channels: 1, bitDepth: image.bitDepth, data };
}

export async function estimateNoiseLevel(image: FloatImage): Promise<NoiseEstimate> {
  if (image.width < NOISE_ESTIMATE_MIN_SIDE || image.height < NOISE_ESTIMATE_MIN_SIDE) {
    throw new DenoiseError(
      'E_IMAGE_TOO_SMALL',
      `Cannot estimate the noise level of a ${image.width} x ${image.height} image: it needs at least ${NOISE_ESTIMATE_MIN_SIDE} x ${NOISE_ESTIMATE_MIN_SIDE} pixels`,
    );
  }
  const source = isGrayAsRgb(image) ? firstChannel(image) : image;
  // Yields between chunks of patches so a large photo never holds the engine's event loop for long.
  const sigma = await estimateNoisePca(source, { maxPatches: MAX_PATCHES[source.channels], refinements: REFINEMENTS[source.channels], yieldEvery: yieldToEventLoop });
  return { sigma, method: NOISE_ESTIMATE_METHOD };
}
