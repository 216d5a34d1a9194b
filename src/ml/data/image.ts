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
  /**
   * What the source file carried besides pixels, written back into outputs made from it. When
   * `icc` is set the samples are in that profile's space (the decoder does not convert them),
   * so an output must carry the same profile to show the same colours.
   */
  source?: SourceMetadata;
}

/** Metadata blocks exactly as the source file stored them (sharp's `metadata()` buffers). */
export interface SourceMetadata {
  /** EXIF block ("Exif\0\0" + TIFF structure). Its orientation no longer applies: pixels are upright. */
  exif?: Uint8Array;
  /** XMP packet (UTF-8 XML). */
  xmp?: Uint8Array;
  /** IPTC-IIM in its Photoshop resource wrapper, as JPEG APP13 carries it. */
  iptc?: Uint8Array;
  /** The ICC profile the samples are encoded in; absent means sRGB. */
  icc?: Uint8Array;
  /**
   * EXIF tags as libvips field names ('exif-ifd0-Make' -> 'Canon'), for sources whose capture
   * data is not an EXIF block (camera RAW, read by LibRaw).
   */
  exifTags?: Readonly<Record<string, string>>;
}

export function createFloatImage(width: number, height: number, channels: 1 | 3, bitDepth: 8 | 16 = 8): FloatImage {
  return { width, height, channels, bitDepth, data: new Float32Array(width * height * channels) };
}

/** The central `size` x `size` square (or less, for a smaller image). */
export function centerCrop(image: FloatImage, size: number): FloatImage {
  const w = Math.min(size, image.width);
  const h = Math.min(size, image.height);
  const x0 = Math.floor((image.width - w) / 2);
  const y0 = Math.floor((image.height - h) / 2);
  const c = image.channels;
  const data = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * image.width + x0) * c;
    data.set(image.data.subarray(src, src + w * c), y * w * c);
  }
  return { width: w, height: h, channels: c, data, bitDepth: image.bitDepth };
}
