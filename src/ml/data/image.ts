/**
 * The engine's in-memory image: float samples in [0, 1], interleaved HWC.
 * Alpha is kept aside (never denoised, re-attached on write) and the source bit depth is kept
 * so that a 16-bit input can be written back as 16-bit.
 */
export interface FloatImage {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB). Alpha never counts here. */
  channels: 1 | 3;
  data: Float32Array;
  /** Alpha in [0, 1], one value per pixel, when the source had an alpha channel. */
  alpha?: Float32Array;
  /** 8 or 16: the sample depth of the source, to write outputs back at the same depth. */
  bitDepth: 8 | 16;
}

export function createFloatImage(width: number, height: number, channels: 1 | 3, bitDepth: 8 | 16 = 8): FloatImage {
  return { width, height, channels, bitDepth, data: new Float32Array(width * height * channels) };
}
