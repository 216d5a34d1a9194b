import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { assertSameShape, type MetricOptions } from './psnr';

/**
 * SSIM as scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1, K1=0.01, K2=0.03)` computes it (Wang et al. 2004),
 * so that numbers from the CLI and from training validation compare with the Python benchmarks.
 *
 * skimage filters with `truncate=3.5`, i.e. radius int(3.5 * 1.5 + 0.5) = 5 (an 11-tap window),
 * and then averages the SSIM map after cropping (win_size - 1) / 2 = 5 pixels from every border.
 * Because the crop equals the filter radius, no cropped pixel's window ever reaches past the
 * image, so scipy's 'reflect' border handling cannot affect the mean; only the cropped region is
 * computed here. Filtering is separable and streamed row by row through an 11-row ring buffer,
 * so memory is O(width) rather than five float64 copies of a 12-megapixel image.
 */
export const SSIM_SIGMA = 1.5;
export const SSIM_TRUNCATE = 3.5;
export const SSIM_RADIUS = Math.trunc(SSIM_TRUNCATE * SSIM_SIGMA + 0.5);
export const SSIM_WIN_SIZE = 2 * SSIM_RADIUS + 1;
const K1 = 0.01;
const K2 = 0.03;

/** scipy.ndimage's `_gaussian_kernel1d(sigma, order=0, radius)`: sampled and normalised to sum 1. */
export function gaussianKernel1d(sigma: number, radius: number): Float64Array {
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * i * i);
    kernel[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) / sum;
  return kernel;
}

export type SsimOptions = MetricOptions;

/** Mean SSIM of an image against its reference; for colour, the mean over channels. */
export function ssim(output: FloatImage, reference: FloatImage, options: SsimOptions = {}): number {
  assertSameShape(output, reference);
  const perChannel = ssimPerChannel(output.data, reference.data, output.width, output.height, output.channels, options);
  return perChannel.reduce((a, b) => a + b, 0) / perChannel.length;
}

/** Mean SSIM of each channel of interleaved HWC data. */
export function ssimPerChannel(
  output: Float32Array,
  reference: Float32Array,
  width: number,
  height: number,
  channels: number,
  options: SsimOptions = {},
): number[] {
  if (!Number.isInteger(width) || !Number.isInteger(height) || !Number.isInteger(channels) || channels < 1) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'SSIM needs integer width, height and channels', { width, height, channels });
  }
  if (output.length !== width * height * channels || reference.length !== output.length) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'SSIM inputs do not match width * height * channels', {
      width,
      height,
      channels,
      output: output.length,
      reference: reference.length,
    });
  }
  // Same refusal as skimage: below the window size the cropped region would be empty.
  if (width < SSIM_WIN_SIZE || height < SSIM_WIN_SIZE) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `SSIM needs images of at least ${SSIM_WIN_SIZE}x${SSIM_WIN_SIZE} pixels`, {
      width,
      height,
    });
  }
  const clip = options.clip ?? true;
  const r = SSIM_RADIUS;
  const taps = SSIM_WIN_SIZE;
  const k = gaussianKernel1d(SSIM_SIGMA, r);
  const c1 = K1 * K1;
  const c2 = K2 * K2;

  const rowLen = width * channels;
  const outCols = width - 2 * r;
  const outLen = outCols * channels;
  const outRows = height - 2 * r;

  // One input row in float64, plus its products, so each product is formed once per pixel.
  const rx = new Float64Array(rowLen);
  const ry = new Float64Array(rowLen);
  const rxx = new Float64Array(rowLen);
  const ryy = new Float64Array(rowLen);
  const rxy = new Float64Array(rowLen);
  // Ring of horizontally filtered rows: slot s holds input row s (mod taps).
  const hx = new Float64Array(taps * outLen);
  const hy = new Float64Array(taps * outLen);
  const hxx = new Float64Array(taps * outLen);
  const hyy = new Float64Array(taps * outLen);
  const hxy = new Float64Array(taps * outLen);
  const sums = new Float64Array(channels);
  const slotBase = new Int32Array(taps);

  for (let row = 0; row < height; row++) {
    const base = row * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let a = output[base + i] as number;
      if (clip) a = a < 0 ? 0 : a > 1 ? 1 : a;
      const b = reference[base + i] as number;
      rx[i] = a;
      ry[i] = b;
      rxx[i] = a * a;
      ryy[i] = b * b;
      rxy[i] = a * b;
    }
    const slot = (row % taps) * outLen;
    for (let o = 0; o < outLen; o++) {
      // Output column o/channels (cropped) is centred on input column o/channels + r, so its
      // window starts at the same interleaved index o in the input row. The kernel is
      // symmetric, so taps are paired to halve the multiplications.
      const centre = o + r * channels;
      const wc = k[r] as number;
      let sx = wc * (rx[centre] as number);
      let sy = wc * (ry[centre] as number);
      let sxx = wc * (rxx[centre] as number);
      let syy = wc * (ryy[centre] as number);
      let sxy = wc * (rxy[centre] as number);
      for (let t = 0, lo = o, hi = o + (taps - 1) * channels; t < r; t++, lo += channels, hi -= channels) {
        const w = k[t] as number;
        sx += w * ((rx[lo] as number) + (rx[hi] as number));
        sy += w * ((ry[lo] as number) + (ry[hi] as number));
        sxx += w * ((rxx[lo] as number) + (rxx[hi] as number));
        syy += w * ((ryy[lo] as number) + (ryy[hi] as number));
        sxy += w * ((rxy[lo] as number) + (rxy[hi] as number));
      }
      hx[slot + o] = sx;
      hy[slot + o] = sy;
      hxx[slot + o] = sxx;
      hyy[slot + o] = syy;
      hxy[slot + o] = sxy;
    }
    if (row < taps - 1) continue;
    // Rows row-2r .. row are in the ring: finish output row (row - 2r) of the cropped region.
    const first = row - (taps - 1);
    for (let t = 0; t < taps; t++) slotBase[t] = ((first + t) % taps) * outLen;
    for (let o = 0, c = 0; o < outLen; o++, c = c + 1 === channels ? 0 : c + 1) {
      const mid = (slotBase[r] as number) + o;
      const wc = k[r] as number;
      let ux = wc * (hx[mid] as number);
      let uy = wc * (hy[mid] as number);
      let uxx = wc * (hxx[mid] as number);
      let uyy = wc * (hyy[mid] as number);
      let uxy = wc * (hxy[mid] as number);
      for (let t = 0; t < r; t++) {
        const w = k[t] as number;
        const lo = (slotBase[t] as number) + o;
        const hi = (slotBase[taps - 1 - t] as number) + o;
        ux += w * ((hx[lo] as number) + (hx[hi] as number));
        uy += w * ((hy[lo] as number) + (hy[hi] as number));
        uxx += w * ((hxx[lo] as number) + (hxx[hi] as number));
        uyy += w * ((hyy[lo] as number) + (hyy[hi] as number));
        uxy += w * ((hxy[lo] as number) + (hxy[hi] as number));
      }
      const vx = uxx - ux * ux;
      const vy = uyy - uy * uy;
      const vxy = uxy - ux * uy;
      const a1 = 2 * ux * uy + c1;
      const a2 = 2 * vxy + c2;
      const b1 = ux * ux + uy * uy + c1;
      const b2 = vx + vy + c2;
      sums[c] = (sums[c] as number) + (a1 * a2) / (b1 * b2);
    }
  }
  const count = outRows * outCols;
  return Array.from(sums, (s) => s / count);
}
