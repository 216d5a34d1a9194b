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
 * this module is tested against (jpeg-round-trip.test.ts). Chroma is kept at full resolution
 * (4:4:4), as jpeg-js writes it.
 */

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

/**
 * The pixels of `rgb` (HWC, 3 bytes per pixel) after a JPEG save and load at `quality`
 * (1..100), written to `out` (same layout; may be `rgb` itself). Images whose sides are not
 * multiples of 8 are padded by repeating their last row and column, as encoders do.
 */
export function jpegRoundTrip(rgb: Uint8Array, width: number, height: number, quality: number, out: Uint8Array): void {
  const [lumaStep, chromaStep] = tablesFor(quality);
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
          // JFIF colour transform; luma is level-shifted by 128 like the chroma planes' centre.
          yPlane[y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          cbPlane[y * 8 + x] = -0.168735892 * r - 0.331264108 * g + 0.5 * b;
          crPlane[y * 8 + x] = 0.5 * r - 0.418687589 * g - 0.081312411 * b;
        }
      }
      quantiseBlock(yPlane, lumaStep, tmp);
      quantiseBlock(cbPlane, chromaStep, tmp);
      quantiseBlock(crPlane, chromaStep, tmp);
      for (let y = 0; y < 8 && by * 8 + y < height; y++) {
        for (let x = 0; x < 8 && bx * 8 + x < width; x++) {
          // Decoders store each plane as bytes before the colour transform.
          const i = y * 8 + x;
          const luma = clampByte(Math.round((yPlane[i] ?? 0) + 128));
          const cb = clampByte(Math.round((cbPlane[i] ?? 0) + 128)) - 128;
          const cr = clampByte(Math.round((crPlane[i] ?? 0) + 128)) - 128;
          const p = ((by * 8 + y) * width + bx * 8 + x) * 3;
          out[p] = clampByte(Math.round(luma + 1.402 * cr));
          out[p + 1] = clampByte(Math.round(luma - 0.344136286 * cb - 0.714136286 * cr));
          out[p + 2] = clampByte(Math.round(luma + 1.772 * cb));
        }
      }
    }
  }
}
