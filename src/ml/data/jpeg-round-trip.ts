/**
 * What saving an image as a baseline JPEG and reading it back does to its pixels, without
 * writing the file: JFIF YCbCr, 8 x 8 DCT, quantisation with the standard (Annex K) tables
 * scaled by quality as libjpeg and jpeg-js do, then the inverse steps, 8-bit rounding. The
 * Huffman coding that a real file adds is lossless, so it is left out.
 *
 * Why not a codec from npm: jpeg-js (the usual pure-JS one) rebuilds its encoder tables on every
 * call: 16 patches of 64 x 64 took 1.6-2.1 s to encode (and 0.16-0.25 s to decode) on the
 * 2-core development machine under load, against a training step of about 1 s; the wasm codecs
 * are asynchronous, and the batch builder is synchronous. jpeg-js stays as the reference
 * this module is tested against (jpeg-round-trip.test.ts).
 *
 * Chroma comes in two layouts. '4:4:4' keeps it at full resolution, as jpeg-js writes it.
 * '4:2:0' is what cameras and the real-noise validation files use: chroma is averaged over
 * 2 x 2 pixels before its DCT and stretched back with libjpeg's default ("fancy") upsampling on
 * load, which turns fine chroma noise into larger blotches; synthetic camera noise has to go
 * through the same to look like the real thing. That path is checked against libjpeg-turbo
 * (through sharp), and it reproduces libjpeg's padding, averaging and upsampling, but not its
 * integer DCT or its rounding of YCbCr to bytes before the DCT.
 */

export type ChromaSubsampling = '4:4:4' | '4:2:0';

const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100,
  103, 99,
];
const CHROMA_TABLE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

/** The quantisation step per coefficient (natural order) for a quality in [1, 100]. */
export function quantisationTable(base: readonly number[], quality: number): Float64Array {
  const q = Math.min(Math.max(Math.round(quality), 1), 100);
  const scale = q < 50 ? Math.floor(5000 / q) : Math.floor(200 - 2 * q);
  return Float64Array.from(base, (v) => Math.min(Math.max(Math.floor((v * scale + 50) / 100), 1), 255));
}

/** DCT-II basis, COS[u * 8 + x] = c(u) / 2 * cos((2x + 1) u pi / 16): orthonormal 8-point DCT. */
const COS = (() => {
  const table = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const c = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) table[u * 8 + x] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return table;
})();

/** COS transposed, the inverse transform's matrix. */
const COS_T = Float64Array.from({ length: 64 }, (_, i) => COS[(i % 8) * 8 + Math.floor(i / 8)] ?? 0);

const tableCache = new Map<number, [Float64Array, Float64Array]>();

function tablesFor(quality: number): [Float64Array, Float64Array] {
  let tables = tableCache.get(quality);
  if (tables === undefined) {
    tables = [quantisationTable(LUMA_TABLE, quality), quantisationTable(CHROMA_TABLE, quality)];
    tableCache.set(quality, tables);
  }
  return tables;
}

/**
 * One 8-point pass over a block: dst[k * dstStep + j * lineStep] = sum_i m(k, i) src[i * srcStep + j * lineStep]
 * for each of the 8 lines j, where m(k, i) is COS[k * 8 + i] (forward) or COS[i * 8 + k]
 * (inverse). Locals instead of an inner loop: this is the hot loop of a batch.
 */
function pass(src: Float64Array, srcStep: number, dst: Float64Array, dstStep: number, lineStep: number, inverse: boolean): void {
  for (let j = 0; j < 8; j++) {
    const o = j * lineStep;
    const x0 = src[o] ?? 0;
    const x1 = src[o + srcStep] ?? 0;
    const x2 = src[o + 2 * srcStep] ?? 0;
    const x3 = src[o + 3 * srcStep] ?? 0;
    const x4 = src[o + 4 * srcStep] ?? 0;
    const x5 = src[o + 5 * srcStep] ?? 0;
    const x6 = src[o + 6 * srcStep] ?? 0;
    const x7 = src[o + 7 * srcStep] ?? 0;
    const m = inverse ? COS_T : COS;
    for (let k = 0; k < 8; k++) {
      const r = k * 8;
      dst[o + k * dstStep] =
        (m[r] ?? 0) * x0 + (m[r + 1] ?? 0) * x1 + (m[r + 2] ?? 0) * x2 + (m[r + 3] ?? 0) * x3 +
        (m[r + 4] ?? 0) * x4 + (m[r + 5] ?? 0) * x5 + (m[r + 6] ?? 0) * x6 + (m[r + 7] ?? 0) * x7;
    }
  }
}

/** In place: forward DCT of one 8 x 8 block, quantise (round half away from 0), dequantise, inverse DCT. */
function quantiseBlock(block: Float64Array, step: Float64Array, tmp: Float64Array): void {
  pass(block, 1, tmp, 1, 8, false); // along rows
  pass(tmp, 8, block, 8, 1, false); // along columns
  for (let i = 0; i < 64; i++) {
    const q = step[i] ?? 1;
    const coefficient = block[i] ?? 0;
    const level = coefficient >= 0 ? Math.floor(coefficient / q + 0.5) : -Math.floor(0.5 - coefficient / q);
    block[i] = level * q;
  }
  pass(block, 8, tmp, 8, 1, true);
  pass(tmp, 1, block, 1, 8, true);
}

const clampByte = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : v);

// JFIF colour transform; luma is level-shifted by 128 like the chroma planes' centre.
const lumaOf = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b - 128;
const cbOf = (r: number, g: number, b: number): number => -0.168735892 * r - 0.331264108 * g + 0.5 * b;
const crOf = (r: number, g: number, b: number): number => 0.5 * r - 0.418687589 * g - 0.081312411 * b;

/** A decoded plane sample as decoders store it, one byte, before the colour transform. */
const storedByte = (sample: number): number => clampByte(Math.round(sample + 128));

/** JFIF's inverse colour transform of one decoded pixel (chroma centred on 0) into `out` at `p`. */
function writeRgb(out: Uint8Array, p: number, luma: number, cb: number, cr: number): void {
  out[p] = clampByte(Math.round(luma + 1.402 * cr));
  out[p + 1] = clampByte(Math.round(luma - 0.344136286 * cb - 0.714136286 * cr));
  out[p + 2] = clampByte(Math.round(luma + 1.772 * cb));
}

/**
 * The pixels of `rgb` (HWC, 3 bytes per pixel) after a JPEG save and load at `quality`
 * (1..100) with the given chroma layout, written to `out` (same layout; may be `rgb` itself).
 * Images whose sides are not multiples of the block (8, or 16 for 4:2:0) are padded by
 * repeating their last row and column, as encoders do.
 */
export function jpegRoundTrip(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality: number,
  out: Uint8Array,
  chroma: ChromaSubsampling = '4:4:4',
): void {
  const [lumaStep, chromaStep] = tablesFor(quality);
  if (chroma === '4:2:0') roundTrip420(rgb, width, height, lumaStep, chromaStep, out);
  else roundTrip444(rgb, width, height, lumaStep, chromaStep, out);
}

function roundTrip444(
  rgb: Uint8Array,
  width: number,
  height: number,
  lumaStep: Float64Array,
  chromaStep: Float64Array,
  out: Uint8Array,
): void {
  const blocksX = Math.ceil(width / 8);
  const blocksY = Math.ceil(height / 8);
  const planes = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  const tmp = new Float64Array(64);
  const [yPlane, cbPlane, crPlane] = planes as [Float64Array, Float64Array, Float64Array];
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      for (let y = 0; y < 8; y++) {
        const row = Math.min(by * 8 + y, height - 1);
        for (let x = 0; x < 8; x++) {
          const p = (row * width + Math.min(bx * 8 + x, width - 1)) * 3;
          const r = rgb[p] ?? 0;
          const g = rgb[p + 1] ?? 0;
          const b = rgb[p + 2] ?? 0;
          yPlane[y * 8 + x] = lumaOf(r, g, b);
          cbPlane[y * 8 + x] = cbOf(r, g, b);
          crPlane[y * 8 + x] = crOf(r, g, b);
        }
      }
      quantiseBlock(yPlane, lumaStep, tmp);
      quantiseBlock(cbPlane, chromaStep, tmp);
      quantiseBlock(crPlane, chromaStep, tmp);
      for (let y = 0; y < 8 && by * 8 + y < height; y++) {
        for (let x = 0; x < 8 && bx * 8 + x < width; x++) {
          const i = y * 8 + x;
          const p = ((by * 8 + y) * width + bx * 8 + x) * 3;
          writeRgb(out, p, storedByte(yPlane[i] ?? 0), storedByte(cbPlane[i] ?? 0) - 128, storedByte(crPlane[i] ?? 0) - 128);
        }
      }
    }
  }
}

// Scratch for the 4:2:0 path, kept between calls: it runs on every patch of every batch.
let lumaBytes = new Uint8Array(0);
let cbBytes = new Uint8Array(0);
let crBytes = new Uint8Array(0);
let cbSums = new Int32Array(0);
let crSums = new Int32Array(0);
const mcuLuma = new Float64Array(256);
const lumaBlock = new Float64Array(64);
const cbBlock = new Float64Array(64);
const crBlock = new Float64Array(64);
const blockTmp = new Float64Array(64);

/**
 * 4:2:0 in two passes, because the upsampler reads chroma from neighbouring MCUs: first every
 * plane is coded and stored as bytes (as a decoder holds them), then chroma is upsampled and
 * converted to RGB. Nothing is written to `out` before all of `rgb` is read, so in place works.
 */
function roundTrip420(
  rgb: Uint8Array,
  width: number,
  height: number,
  lumaStep: Float64Array,
  chromaStep: Float64Array,
  out: Uint8Array,
): void {
  // libjpeg's chroma plane is ceil(side / 2) samples; its upsampler clamps at that edge, not
  // at the MCU padding.
  const chromaWidth = (width + 1) >> 1;
  const chromaHeight = (height + 1) >> 1;
  if (lumaBytes.length < width * height) lumaBytes = new Uint8Array(width * height);
  if (cbBytes.length < chromaWidth * chromaHeight) {
    cbBytes = new Uint8Array(chromaWidth * chromaHeight);
    crBytes = new Uint8Array(chromaWidth * chromaHeight);
  }
  if (cbSums.length < chromaWidth) {
    cbSums = new Int32Array(chromaWidth);
    crSums = new Int32Array(chromaWidth);
  }
  const mcusX = Math.ceil(width / 16);
  const mcusY = Math.ceil(height / 16);
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      const x0 = mx * 16;
      const y0 = my * 16;
      for (let cy = 0; cy < 8; cy++) {
        // Repeating the last row and column before averaging is what libjpeg's edge expansion
        // amounts to, for both the 2 x 2 groups and the MCU padding.
        const row0 = Math.min(y0 + 2 * cy, height - 1) * width;
        const row1 = Math.min(y0 + 2 * cy + 1, height - 1) * width;
        for (let cx = 0; cx < 8; cx++) {
          const col0 = Math.min(x0 + 2 * cx, width - 1);
          const col1 = Math.min(x0 + 2 * cx + 1, width - 1);
          const p00 = (row0 + col0) * 3;
          const p01 = (row0 + col1) * 3;
          const p10 = (row1 + col0) * 3;
          const p11 = (row1 + col1) * 3;
          const r00 = rgb[p00] ?? 0;
          const g00 = rgb[p00 + 1] ?? 0;
          const b00 = rgb[p00 + 2] ?? 0;
          const r01 = rgb[p01] ?? 0;
          const g01 = rgb[p01 + 1] ?? 0;
          const b01 = rgb[p01 + 2] ?? 0;
          const r10 = rgb[p10] ?? 0;
          const g10 = rgb[p10 + 1] ?? 0;
          const b10 = rgb[p10 + 2] ?? 0;
          const r11 = rgb[p11] ?? 0;
          const g11 = rgb[p11 + 1] ?? 0;
          const b11 = rgb[p11 + 2] ?? 0;
          const l = cy * 32 + cx * 2;
          mcuLuma[l] = lumaOf(r00, g00, b00);
          mcuLuma[l + 1] = lumaOf(r01, g01, b01);
          mcuLuma[l + 16] = lumaOf(r10, g10, b10);
          mcuLuma[l + 17] = lumaOf(r11, g11, b11);
          // Plain mean of the group (the transform is linear, so of RGB). libjpeg's h2v2
          // downsampler adds a bias alternating 1, 2 before its >> 2 only so that rounding its
          // byte sums does not lean one way; these values are not rounded yet, so the exact
          // mean is what that bias approximates.
          const r = 0.25 * (r00 + r01 + r10 + r11);
          const g = 0.25 * (g00 + g01 + g10 + g11);
          const b = 0.25 * (b00 + b01 + b10 + b11);
          cbBlock[cy * 8 + cx] = cbOf(r, g, b);
          crBlock[cy * 8 + cx] = crOf(r, g, b);
        }
      }
      for (let sy = 0; sy < 16; sy += 8) {
        for (let sx = 0; sx < 16; sx += 8) {
          // A block wholly in the padding never shows, and blocks are coded independently.
          if (y0 + sy >= height || x0 + sx >= width) continue;
          for (let y = 0; y < 8; y++) {
            for (let x = 0; x < 8; x++) lumaBlock[y * 8 + x] = mcuLuma[(sy + y) * 16 + sx + x] ?? 0;
          }
          quantiseBlock(lumaBlock, lumaStep, blockTmp);
          for (let y = 0; y < 8 && y0 + sy + y < height; y++) {
            const o = (y0 + sy + y) * width + x0 + sx;
            for (let x = 0; x < 8 && x0 + sx + x < width; x++) {
              lumaBytes[o + x] = storedByte(lumaBlock[y * 8 + x] ?? 0);
            }
          }
        }
      }
      quantiseBlock(cbBlock, chromaStep, blockTmp);
      quantiseBlock(crBlock, chromaStep, blockTmp);
      for (let cy = 0; cy < 8 && y0 / 2 + cy < chromaHeight; cy++) {
        const o = (y0 / 2 + cy) * chromaWidth + x0 / 2;
        for (let cx = 0; cx < 8 && x0 / 2 + cx < chromaWidth; cx++) {
          cbBytes[o + cx] = storedByte(cbBlock[cy * 8 + cx] ?? 0);
          crBytes[o + cx] = storedByte(crBlock[cy * 8 + cx] ?? 0);
        }
      }
    }
  }
  // libjpeg(-turbo)'s h2v2_fancy_upsample: weights 3:1 towards the nearer of the two chroma
  // rows (column sums), then 3:1 across columns, /16 with a rounding bias of 8 on even and 7 on
  // odd output columns; neighbours past the plane's edge are the edge sample itself, which is
  // also what its special-cased first and last columns compute. Planes 2 or fewer samples wide
  // it just replicates (libjpeg's "downsampled_width > 2" condition; sharp shows it too).
  const fancy = chromaWidth > 2;
  for (let y = 0; y < height; y++) {
    const cy = y >> 1;
    const near = cy * chromaWidth;
    const far = fancy
      ? ((y & 1) === 1 ? Math.min(cy + 1, chromaHeight - 1) : Math.max(cy - 1, 0)) * chromaWidth
      : near;
    for (let c = 0; c < chromaWidth; c++) {
      cbSums[c] = 3 * (cbBytes[near + c] ?? 0) + (cbBytes[far + c] ?? 0);
      crSums[c] = 3 * (crBytes[near + c] ?? 0) + (crBytes[far + c] ?? 0);
    }
    for (let x = 0; x < width; x++) {
      const cx = x >> 1;
      const odd = x & 1;
      const other = !fancy ? cx : odd === 1 ? Math.min(cx + 1, chromaWidth - 1) : Math.max(cx - 1, 0);
      const bias = fancy ? 8 - odd : 8;
      const cb = ((3 * (cbSums[cx] ?? 0) + (cbSums[other] ?? 0) + bias) >> 4) - 128;
      const cr = ((3 * (crSums[cx] ?? 0) + (crSums[other] ?? 0) + bias) >> 4) - 128;
      writeRgb(out, (y * width + x) * 3, lumaBytes[y * width + x] ?? 0, cb, cr);
    }
  }
}
