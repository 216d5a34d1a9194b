/**
 * Synthetic camera noise for training denoisers that must work on real photos (issue 11): the
 * clean sRGB patch is taken back to what a random camera's sensor would have recorded, given
 * signal-dependent sensor noise, and brought forward again through demosaicing, white balance,
 * colour correction, gamma, tone curve and a JPEG file (Brooks et al. 2019, "Unprocessing
 * Images for Learned Raw Denoising", section 3). The result is noise that grows with
 * brightness, is spatially correlated, and carries JPEG's block artefacts, like real photos.
 *
 * One deliberate difference from a literal raw pipeline: the clean image itself is not
 * demosaiced, only the noise is (demosaicing is linear, so demosaic(mosaic(x) + n) =
 * demosaic(mosaic(x)) + demosaic(n), and we replace the first term by x). The training target is
 * the given clean patch, so demosaicing the signal would put bilinear blur and colour fringes at
 * every edge into the "noise" and teach models to sharpen; with this split, a camera without
 * sensor noise and without JPEG returns the clean patch (to 8-bit rounding) everywhere,
 * highlights and saturated colours included.
 */
import { DenoiseError } from '../../shared/errors';
import { demosaicBilinear, linearToSrgbFast, randomCameraColour, sensorMosaic, srgbToLinearFast } from './camera-pipeline';
import { type ChromaSubsampling, jpegRoundTrip } from './jpeg-round-trip';
import type { Rng } from './rng';

export interface CameraNoiseLayout {
  patches: number;
  patchSize: number;
  channels: 1 | 3;
}

export interface CameraNoiseResult {
  /** Same layout as clean: [patches, patchSize, patchSize, channels], HWC, in [0, 1], 8-bit quantised. */
  noisy: Float32Array;
  /**
   * Same layout: the photo each patch's camera would have saved without sensor noise (same colour
   * path, 8 bits, same JPEG). noisy - reference is the noise as it appears in the file; the
   * compression error of the scene itself is in both. This is how real noisy/clean pairs are
   * made (both photos go through the camera and the file format) and what a denoiser should learn
   * to remove: with the clean patch as the aim instead, JPEG's error on texture, not the sensor's
   * noise, dominated the finest scale (docs/denoisers.md, eleventh stretch).
   */
  reference: Float32Array;
  /** Per patch: population standard deviation of (noisy - reference) over all its values, 0..255 scale. */
  levels: Float32Array;
}

/** Stages that tests switch off to check the rest; training always uses all of them. */
export interface CameraNoiseStages {
  sensorNoise?: boolean;
  jpeg?: boolean;
  /** A fixed in-camera noise-reduction blur (pixels) instead of a random one; 0 turns it off. */
  noiseReductionSigma?: number;
  /** A JPEG chroma layout instead of CAMERA_JPEG_CHROMA. */
  chroma?: ChromaSubsampling;
}

/**
 * In-camera noise reduction: the demosaiced noise is blurred with a Gaussian of this sigma
 * (pixels), drawn uniformly per patch. Cameras smooth away the finest noise and leave
 * low-frequency blotches: on real-noise-val the finest-scale (diagonal Haar) part of the noise
 * is 0.2-0.4 of its standard deviation, against 0.6-0.9 for demosaicing and JPEG alone.
 */
export const NOISE_REDUCTION_SIGMA_RANGE = [0, 1.5] as const;

/**
 * Shot-noise variance factor, log-uniform over this range. Brooks et al. fit [1e-4, 1.2e-2] to
 * real raw data, but their top end is far heavier than what camera JPEGs show: on
 * real-noise-val the noise std is 2.5-7.1 levels (median 3.5), while this pipeline gives a
 * median of 4.1 at 1e-4, 9.8 at 1e-3 and 36 at 1.2e-2 (Kodak24 crops). The top is cut to 2e-3
 * (high-ISO photos); heavier noise is the gaussian part's job in a mix (gaussian:0-55+camera).
 */
export const SHOT_NOISE_RANGE = [1e-4, 2e-3] as const;
/** log(read) = SLOPE * log(shot) + INTERCEPT + N(0, SCATTER): their line fit across cameras. */
export const READ_NOISE_SLOPE = 2.18;
export const READ_NOISE_INTERCEPT = 1.2;
export const READ_NOISE_SCATTER = 0.26;
/**
 * JPEG quality per patch, an integer drawn uniformly from this inclusive range. Cameras save
 * "fine" JPEGs (about 90-97), but photos are often saved again at lower quality (shared,
 * edited, exported), and every file of real-noise-val carries libjpeg's quality-75 tables.
 * Quantisation at 75 removes most of the finest noise, luma and chroma alike, which is why the
 * estimate reads so little of real photos' noise (docs/denoisers.md); until the eleventh
 * stretch of issue 11 the range was 88-98 and models never saw noise shaped that way.
 */
export const JPEG_QUALITY_RANGE = [70, 98] as const;
/**
 * Cameras and photo software save chroma at half resolution each way (every file of
 * real-noise-val is 4:2:0), which turns the fine chroma noise into 2 x 2 blotches.
 */
export const CAMERA_JPEG_CHROMA: ChromaSubsampling = '4:2:0';

interface NoiseVariance {
  shot: number;
  read: number;
}

function randomNoiseVariance(rng: Rng): NoiseVariance {
  const [low, high] = SHOT_NOISE_RANGE.map(Math.log) as [number, number];
  const logShot = low + (high - low) * rng.next();
  const logRead = READ_NOISE_SLOPE * logShot + READ_NOISE_INTERCEPT + READ_NOISE_SCATTER * rng.normal();
  return { shot: Math.exp(logShot), read: Math.exp(logRead) };
}

function checkLayout(clean: Float32Array, layout: CameraNoiseLayout): void {
  const { patches, patchSize, channels } = layout;
  const fail = (why: string): DenoiseError =>
    new DenoiseError('E_INVALID_ARGUMENT', `Camera noise: ${why}.`, { patches, patchSize, channels, length: clean.length });
  if (!Number.isInteger(patches) || patches < 0) throw fail('the patch count must be a whole number, 0 or more');
  if (!Number.isInteger(patchSize) || patchSize < 2 || patchSize % 2 !== 0) {
    throw fail(`the patch size must be an even whole number of at least 2 (an RGGB mosaic needs 2 x 2 cells), got ${patchSize}`);
  }
  if (channels !== 1 && channels !== 3) throw fail(`channels must be 1 or 3, got ${String(channels)}`);
  const expected = patches * patchSize * patchSize * channels;
  if (clean.length !== expected) {
    throw fail(`${clean.length} values do not fill ${patches} patches of ${patchSize} x ${patchSize} x ${channels} (${expected})`);
  }
}

/** Working buffers for one patch, reused across the patches of a call. */
interface Scratch {
  linear: Float32Array;
  blurred: Float32Array;
  sensorSignal: Float32Array;
  sensorNoise: Float32Array;
  demosaicedNoise: Float32Array;
  rgb: Uint8Array;
  referenceRgb: Uint8Array;
}

/** Separable Gaussian blur of an RGB field in place (mirrored edges); sigma below 0.1 leaves it. */
function gaussianBlurRgb(field: Float32Array, size: number, sigma: number, tmp: Float32Array): void {
  if (sigma < 0.1) return;
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const weights = kernel.map((k) => k / total);
  const mirror = (i: number): number => {
    const period = 2 * size - 2;
    const j = ((i % period) + period) % period;
    return j < size ? j : period - j;
  };
  const pass = (from: Float32Array, to: Float32Array, horizontal: boolean): void => {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const p = horizontal ? y * size + mirror(x + k) : mirror(y + k) * size + x;
            sum += (weights[k + radius] as number) * (from[p * 3 + c] as number);
          }
          to[(y * size + x) * 3 + c] = sum;
        }
      }
    }
  };
  pass(field, tmp, true);
  pass(tmp, field, false);
}

/**
 * One patch (the values of `clean` from `start`, HWC with `channels`) through one random
 * camera; leaves the 8-bit RGB bytes of the decoded file in `s.rgb`, and those of the same
 * camera's file without sensor noise in `s.referenceRgb` (valid until the next patch). Gray
 * patches replicate their one channel to RGB.
 */
function photographPatch(
  clean: Float32Array,
  start: number,
  channels: 1 | 3,
  size: number,
  rng: Rng,
  stages: CameraNoiseStages,
  s: Scratch,
): void {
  const colour = randomCameraColour(rng);
  const variance = randomNoiseVariance(rng);
  const quality = JPEG_QUALITY_RANGE[0] + rng.int(JPEG_QUALITY_RANGE[1] - JPEG_QUALITY_RANGE[0] + 1);
  const [nrLow, nrHigh] = NOISE_REDUCTION_SIGMA_RANGE;
  const noiseReduction = nrLow + (nrHigh - nrLow) * rng.next();
  const pixels = size * size;
  for (let i = 0; i < pixels * channels; i++) {
    const value = clean[start + i] ?? 0;
    if (!Number.isFinite(value)) {
      throw new DenoiseError('E_INVALID_ARGUMENT', `Camera noise: the clean patch holds a non-finite value (${value}).`);
    }
    const linear = srgbToLinearFast(value);
    if (channels === 3) s.linear[i] = linear;
    else s.linear.fill(linear, i * 3, i * 3 + 3);
  }
  s.sensorNoise.fill(0);
  if (stages.sensorNoise !== false) {
    sensorMosaic(s.linear, size, colour, s.sensorSignal);
    // Poisson-Gaussian noise as heteroscedastic Gaussian: variance = shot * signal + read.
    for (let p = 0; p < pixels; p++) {
      s.sensorNoise[p] = Math.sqrt(variance.shot * (s.sensorSignal[p] ?? 0) + variance.read) * rng.normal();
    }
  }
  demosaicBilinear(s.sensorNoise, size, s.demosaicedNoise);
  gaussianBlurRgb(s.demosaicedNoise, size, stages.noiseReductionSigma ?? noiseReduction, s.blurred);
  const [gainR, gainG, gainB] = colour.gains;
  const m = colour.camToRgb;
  for (let p = 0; p < pixels; p++) {
    // White balance, then colour correction, of the noise; the clean signal is already linear RGB.
    const n0 = (s.demosaicedNoise[p * 3] ?? 0) * gainR;
    const n1 = (s.demosaicedNoise[p * 3 + 1] ?? 0) * gainG;
    const n2 = (s.demosaicedNoise[p * 3 + 2] ?? 0) * gainB;
    for (let c = 0; c < 3; c++) {
      const noise = (m[c * 3] ?? 0) * n0 + (m[c * 3 + 1] ?? 0) * n1 + (m[c * 3 + 2] ?? 0) * n2;
      const linear = s.linear[p * 3 + c] ?? 0;
      s.rgb[p * 3 + c] = Math.round(linearToSrgbFast(linear + noise) * 255);
      s.referenceRgb[p * 3 + c] = Math.round(linearToSrgbFast(linear) * 255);
    }
  }
  if (stages.jpeg !== false) {
    const chroma = stages.chroma ?? CAMERA_JPEG_CHROMA;
    jpegRoundTrip(s.rgb, size, size, quality, s.rgb, chroma);
    jpegRoundTrip(s.referenceRgb, size, size, quality, s.referenceRgb, chroma);
  }
}

/**
 * Realistic camera noise for a batch of clean sRGB patches, each through its own random camera.
 * Gray patches run the same colour pipeline on their value replicated to RGB and return the
 * mean of the three decoded channels (rounded to 8 bits), so gray models see the same
 * correlated noise. Deterministic for a given `rng` state; `clean` is only read.
 */
export function addCameraNoise(
  clean: Float32Array,
  rng: Rng,
  layout: CameraNoiseLayout,
  stages: CameraNoiseStages = {},
): CameraNoiseResult {
  checkLayout(clean, layout);
  const { patches, patchSize: size, channels } = layout;
  const pixels = size * size;
  const valuesPerPatch = pixels * channels;
  const noisy = new Float32Array(clean.length);
  const reference = new Float32Array(clean.length);
  const levels = new Float32Array(patches);
  const scratch: Scratch = {
    linear: new Float32Array(pixels * 3),
    blurred: new Float32Array(pixels * 3),
    sensorSignal: new Float32Array(pixels),
    sensorNoise: new Float32Array(pixels),
    demosaicedNoise: new Float32Array(pixels * 3),
    rgb: new Uint8Array(pixels * 3),
    referenceRgb: new Uint8Array(pixels * 3),
  };
  for (let patch = 0; patch < patches; patch++) {
    const start = patch * valuesPerPatch;
    photographPatch(clean, start, channels, size, rng, stages, scratch);
    storeDecoded(scratch.rgb, channels, noisy, start, pixels);
    storeDecoded(scratch.referenceRgb, channels, reference, start, pixels);
    levels[patch] = residualStd(noisy, reference, start, valuesPerPatch) * 255;
  }
  return { noisy, reference, levels };
}

/** Decoded RGB bytes as values in [0, 1] at `start`; gray layouts take the rounded channel mean. */
function storeDecoded(rgb: Uint8Array, channels: 1 | 3, into: Float32Array, start: number, pixels: number): void {
  if (channels === 3) {
    for (let i = 0; i < pixels * 3; i++) into[start + i] = (rgb[i] ?? 0) / 255;
    return;
  }
  for (let p = 0; p < pixels; p++) {
    const mean = ((rgb[p * 3] ?? 0) + (rgb[p * 3 + 1] ?? 0) + (rgb[p * 3 + 2] ?? 0)) / 3;
    into[start + p] = Math.round(mean) / 255;
  }
}

/** Population standard deviation of noisy - clean over [start, start + count). */
export function residualStd(noisy: Float32Array, clean: Float32Array, start: number, count: number): number {
  let sum = 0;
  let sumSquares = 0;
  for (let i = start; i < start + count; i++) {
    const d = (noisy[i] ?? 0) - (clean[i] ?? 0);
    sum += d;
    sumSquares += d * d;
  }
  const mean = sum / count;
  return Math.sqrt(Math.max(sumSquares / count - mean * mean, 0));
}
