import type { FloatImage } from '../data/image';

/**
 * Noise level by the median absolute deviation of the finest diagonal wavelet band (Donoho and
 * Johnstone 1994): sigma = median(|HH1|) / 0.6745. With the orthonormal Haar wavelet, HH1 of a
 * 2 x 2 block a b / c d is (a - b - c + d) / 2, which has the noise's own sigma. Kept as the
 * comparison for the PCA method (docs/denoisers.md): it is cheap but reads fine texture as noise.
 * Colour images: the median over the three channels' coefficients together.
 */
export function estimateNoiseWaveletMad(image: FloatImage): number {
  const { width, height, channels, data } = image;
  const w2 = Math.floor(width / 2);
  const h2 = Math.floor(height / 2);
  const coeffs = new Float32Array(w2 * h2 * channels);
  let k = 0;
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      const i00 = ((2 * y) * width + 2 * x) * channels;
      const i10 = ((2 * y + 1) * width + 2 * x) * channels;
      for (let c = 0; c < channels; c++) {
        const a = data[i00 + c] as number;
        const b = data[i00 + channels + c] as number;
        const cc = data[i10 + c] as number;
        const d = data[i10 + channels + c] as number;
        coeffs[k++] = Math.abs(a - b - cc + d) / 2;
      }
    }
  }
  if (coeffs.length === 0) throw new RangeError(`Image ${width} x ${height} is too small for a wavelet estimate`);
  coeffs.sort();
  const mid = coeffs.length >> 1;
  const median = coeffs.length % 2 ? (coeffs[mid] as number) : ((coeffs[mid - 1] as number) + (coeffs[mid] as number)) / 2;
  return (255 * median) / 0.6745;
}
