import { DenoiseError } from '../../shared/errors';
import { PIXEL_SHUFFLE_STRIDE_LIMIT } from '../../shared/training';
import type { FloatImage } from '../data/image';

/**
 * Pixel-shuffle downsampling (PD), as AP-BSN (Lee et al., CVPR 2022) uses it against spatially
 * correlated camera noise. Demosaicing and JPEG make the noise of neighbouring pixels alike, so
 * a blind-spot net can predict a hidden pixel's noise from its neighbours and learns to keep it.
 * PD with stride s splits an image into s x s sub-images, sub-image (dy, dx) holding every s-th
 * pixel starting at row dy and column dx: neighbours in a sub-image are s pixels apart in the
 * photo, where the noise is nearly independent. Training runs on the sub-images; denoising runs
 * the net on each sub-image and puts every pixel back where it came from (inverse PD).
 *
 * Sizes need not be multiples of s: sub-image (dy, dx) of a W x H image is
 * ceil((W - dx) / s) x ceil((H - dy) / s), so the split is exact and needs no padding; offsets
 * past a dimension (an image narrower than s) give no sub-image at all. Plain arrays, no tensors.
 */
export interface SubImage {
  /** Row and column in the full image of the sub-image's first pixel (0 <= dy, dx < stride). */
  dy: number;
  dx: number;
  image: FloatImage;
}

/** Throws E_INVALID_ARGUMENT unless `stride` is an integer in the allowed range (1 = no PD). */
export function checkPixelShuffleStride(stride: number): number {
  const { min, max } = PIXEL_SHUFFLE_STRIDE_LIMIT;
  if (!Number.isInteger(stride) || stride < min || stride > max) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The pixel-shuffle stride must be an integer from ${min} to ${max} (1 = no pixel shuffle), got ${String(stride)}`);
  }
  return stride;
}

/** The s x s sub-images of `image` in row-major order of (dy, dx). Alpha and metadata are not carried. */
export function pixelShuffleSplit(image: FloatImage, stride: number): SubImage[] {
  checkPixelShuffleStride(stride);
  const { width, height, channels, data } = image;
  const subs: SubImage[] = [];
  for (let dy = 0; dy < Math.min(stride, height); dy++) {
    for (let dx = 0; dx < Math.min(stride, width); dx++) {
      const w = Math.ceil((width - dx) / stride);
      const h = Math.ceil((height - dy) / stride);
      const out = new Float32Array(w * h * channels);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = ((dy + y * stride) * width + dx + x * stride) * channels;
          const dst = (y * w + x) * channels;
          for (let c = 0; c < channels; c++) out[dst + c] = data[src + c] as number;
        }
      }
      subs.push({ dy, dx, image: { width: w, height: h, channels, bitDepth: image.bitDepth, data: out } });
    }
  }
  return subs;
}

/** Inverse PD: the width x height x channels data whose split is `subs`. */
export function pixelShuffleMerge(subs: readonly SubImage[], width: number, height: number, stride: number): Float32Array {
  checkPixelShuffleStride(stride);
  const channels = subs[0]?.image.channels ?? 1;
  const out = new Float32Array(width * height * channels);
  const expected = Math.min(stride, width) * Math.min(stride, height);
  if (subs.length !== expected) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `A ${width} x ${height} image at pixel-shuffle stride ${stride} has ${expected} sub-images, got ${subs.length}`);
  }
  for (const { dy, dx, image } of subs) {
    const { width: w, height: h, data } = image;
    if (w !== Math.ceil((width - dx) / stride) || h !== Math.ceil((height - dy) / stride) || image.channels !== channels) {
      throw new DenoiseError('E_INVALID_ARGUMENT', `Sub-image (${dy}, ${dx}) is ${w} x ${h} x ${image.channels}, which does not fit a ${width} x ${height} x ${channels} image at stride ${stride}`);
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dst = ((dy + y * stride) * width + dx + x * stride) * channels;
        const src = (y * w + x) * channels;
        for (let c = 0; c < channels; c++) out[dst + c] = data[src + c] as number;
      }
    }
  }
  return out;
}

/**
 * Runs `denoise` on each sub-image in turn (so memory holds one sub-image's work at a time) and
 * merges the results. Progress is reported over all sub-images together, in the units `denoise`
 * reports (tiles), scaled so the total stays fixed. Alpha, bit depth and metadata come from `image`.
 */
export async function denoisePixelShuffled(
  image: FloatImage,
  stride: number,
  denoise: (sub: FloatImage, onProgress: (done: number, total: number) => void) => Promise<FloatImage>,
  onProgress?: (done: number, total: number) => void,
): Promise<FloatImage> {
  const subs = pixelShuffleSplit(image, stride);
  const outputs: SubImage[] = [];
  for (const [k, sub] of subs.entries()) {
    const progress = (done: number, total: number): void => onProgress?.(k * total + done, subs.length * total);
    outputs.push({ ...sub, image: await denoise(sub.image, progress) });
  }
  return {
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth: image.bitDepth,
    data: pixelShuffleMerge(outputs, image.width, image.height, stride),
    ...(image.alpha ? { alpha: image.alpha.slice() } : {}),
    ...(image.source ? { source: image.source } : {}),
  };
}

/** Every training image replaced by its sub-images (stride 1: the images as they are). */
export function pixelShuffleImages(images: readonly FloatImage[], stride: number): FloatImage[] {
  if (checkPixelShuffleStride(stride) === 1) return [...images];
  return images.flatMap((image) => pixelShuffleSplit(image, stride).map((s) => s.image));
}
