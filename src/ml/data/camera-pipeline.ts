/**
 * The colour maths of a simple camera, after Brooks et al. 2019, "Unprocessing Images for
 * Learned Raw Denoising" (section 3, and their published code, google-research/unprocessing):
 * sRGB <-> linear (smoothstep tone curve and gamma 2.2), a random colour-correction matrix,
 * random white-balance gains with their highlight-preserving inverse, the RGGB Bayer layout and
 * bilinear demosaicing. camera-noise.ts puts the pieces together.
 */
import type { Rng } from './rng';

/** Row-major 3 x 3 matrix. */
export type Mat3 = readonly number[];

/**
 * XYZ -> camera matrices of four real cameras, copied from Brooks et al.'s `random_ccm`
 * (google-research/unprocessing, unprocess.py); each camera draw mixes them at random.
 */
const XYZ_TO_CAMS: readonly Mat3[] = [
  [1.0234, -0.2969, -0.2266, -0.5625, 1.6328, -0.0469, -0.0703, 0.2188, 0.6406],
  [0.4913, -0.0541, -0.0202, -0.613, 1.3513, 0.2906, -0.1564, 0.2151, 0.7183],
  [0.838, -0.263, -0.0639, -0.2887, 1.0725, 0.2496, -0.0627, 0.1427, 0.5438],
  [0.6596, -0.2079, -0.0562, -0.4782, 1.3016, 0.1933, -0.097, 0.1581, 0.5181],
];

/** Linear sRGB (D65) -> XYZ, the standard matrix (also the one in unprocess.py). */
const RGB_TO_XYZ: Mat3 = [0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522, 0.072175, 0.0193339, 0.119192, 0.9503041];

/** White-balance gain ranges of Brooks et al.: red U(1.9, 2.4), blue U(1.5, 1.9). */
export const RED_GAIN_RANGE = [1.9, 2.4] as const;
export const BLUE_GAIN_RANGE = [1.5, 1.9] as const;
/**
 * Overall brightening gain is 1 / N(0.8, 0.1). The normal draw is clipped to 3 sigma so a rare
 * tail draw cannot give a zero or negative gain (gain stays within [0.91, 2]).
 */
const RGB_GAIN_INVERSE_MEAN = 0.8;
const RGB_GAIN_INVERSE_STD = 0.1;
const RGB_GAIN_INVERSE_RANGE = [0.5, 1.1] as const;

/** Where the highlight-preserving inverse gains start to fade towards 1 (linear gray level). */
const HIGHLIGHT_INFLECTION = 0.9;
/** Floor before the gamma power, as in unprocess.py, so 0 never meets a fractional power. */
const GAMMA_FLOOR = 1e-8;
const GAMMA = 2.2;

export interface CameraColour {
  rgbToCam: Mat3;
  camToRgb: Mat3;
  /** The camera's white-balance gains per camera channel (R, G, B), brightening included. */
  gains: readonly [number, number, number];
}

function multiply(a: Mat3, b: Mat3): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += (a[r * 3 + k] ?? 0) * (b[k * 3 + c] ?? 0);
      out.push(sum);
    }
  }
  return out;
}

export function invert3(m: Mat3): number[] {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, i = 0] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const s = 1 / det;
  return [
    A * s, -(b * i - c * h) * s, (b * f - c * e) * s,
    B * s, (a * i - c * g) * s, -(a * f - c * d) * s,
    C * s, -(a * h - b * g) * s, (a * e - b * d) * s,
  ];
}

/** One random camera's colour: a convex mix of XYZ_TO_CAMS, rows normalised to sum 1, and gains. */
export function randomCameraColour(rng: Rng): CameraColour {
  const weights = XYZ_TO_CAMS.map(() => rng.next() + 1e-8);
  const total = weights.reduce((s, w) => s + w, 0);
  const xyzToCam = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  XYZ_TO_CAMS.forEach((m, k) => {
    for (let j = 0; j < 9; j++) xyzToCam[j] = (xyzToCam[j] ?? 0) + ((m[j] ?? 0) * (weights[k] ?? 0)) / total;
  });
  const rgbToCam = multiply(xyzToCam, RGB_TO_XYZ);
  // Rows sum to 1 so that gray stays gray in camera space (white balance then does the rest).
  for (let r = 0; r < 3; r++) {
    const sum = (rgbToCam[r * 3] ?? 0) + (rgbToCam[r * 3 + 1] ?? 0) + (rgbToCam[r * 3 + 2] ?? 0);
    for (let c = 0; c < 3; c++) rgbToCam[r * 3 + c] = (rgbToCam[r * 3 + c] ?? 0) / sum;
  }
  const inverseRgbGain = Math.min(
    Math.max(RGB_GAIN_INVERSE_MEAN + RGB_GAIN_INVERSE_STD * rng.normal(), RGB_GAIN_INVERSE_RANGE[0]),
    RGB_GAIN_INVERSE_RANGE[1],
  );
  const rgbGain = 1 / inverseRgbGain;
  const red = RED_GAIN_RANGE[0] + (RED_GAIN_RANGE[1] - RED_GAIN_RANGE[0]) * rng.next();
  const blue = BLUE_GAIN_RANGE[0] + (BLUE_GAIN_RANGE[1] - BLUE_GAIN_RANGE[0]) * rng.next();
  return { rgbToCam, camToRgb: invert3(rgbToCam), gains: [rgbGain * red, rgbGain, rgbGain * blue] };
}

/** sRGB [0,1] -> linear: inverse smoothstep tone curve, then gamma expansion. */
export function srgbToLinear(y: number): number {
  const clipped = Math.min(Math.max(y, 0), 1);
  const toned = 0.5 - Math.sin(Math.asin(1 - 2 * clipped) / 3);
  return Math.pow(Math.max(toned, GAMMA_FLOOR), GAMMA);
}

/** Linear [0,1] -> sRGB: gamma compression, then the smoothstep tone curve (3x^2 - 2x^3). */
export function linearToSrgb(x: number): number {
  const g = Math.pow(Math.max(Math.min(x, 1), GAMMA_FLOOR), 1 / GAMMA);
  return g * g * (3 - 2 * g);
}

/**
 * Table versions of the two curves with linear interpolation, for the per-pixel loops (the exact
 * ones cost three transcendental calls per value, most of a batch's time). Accuracy, checked in
 * camera-noise.test.ts: linearToSrgbFast within 1e-6 of linearToSrgb; srgbToLinearFast within
 * 0.005 only right next to white (the curve is vertical at 1), and the round trip
 * linearToSrgb(srgbToLinearFast(y)) stays within 0.02 / 255 of y everywhere.
 */
const CURVE_STEPS = 4096;
const SRGB_TO_LINEAR_TABLE = Float64Array.from({ length: CURVE_STEPS + 1 }, (_, i) => srgbToLinear(i / CURVE_STEPS));
/** Indexed by sqrt(linear), which spreads the steps where gamma compression is steep (near 0). */
const SQRT_LINEAR_TO_SRGB_TABLE = Float64Array.from({ length: CURVE_STEPS + 1 }, (_, i) => linearToSrgb((i / CURVE_STEPS) ** 2));

function interpolate(table: Float64Array, t: number): number {
  const scaled = t * CURVE_STEPS;
  const i = Math.min(Math.floor(scaled), CURVE_STEPS - 1);
  const below = table[i] ?? 0;
  return below + ((table[i + 1] ?? 0) - below) * (scaled - i);
}

export function srgbToLinearFast(y: number): number {
  return interpolate(SRGB_TO_LINEAR_TABLE, Math.min(Math.max(y, 0), 1));
}

export function linearToSrgbFast(x: number): number {
  return interpolate(SQRT_LINEAR_TO_SRGB_TABLE, Math.sqrt(Math.min(Math.max(x, 0), 1)));
}

/** Bayer colour (0 R, 1 G, 2 B) of the site at (row, col) in an RGGB mosaic. */
export function bayerChannel(row: number, col: number): 0 | 1 | 2 {
  if ((row & 1) === 0) return (col & 1) === 0 ? 0 : 1;
  return (col & 1) === 0 ? 1 : 2;
}

/**
 * What the sensor recorded, as an RGGB plane: the linear RGB image (HWC) taken to camera space
 * and divided by the white-balance gains, clipped to [0, 1]. Near white (gray above
 * HIGHLIGHT_INFLECTION) the inverse gains fade towards 1 (Brooks et al.'s safe_invert_gains), so
 * highlights stay saturated on the sensor instead of turning into dim raw values.
 */
export function sensorMosaic(linear: Float32Array, size: number, colour: CameraColour, out: Float32Array): void {
  const m = colour.rgbToCam;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const p = row * size + col;
      const r = linear[p * 3] ?? 0;
      const g = linear[p * 3 + 1] ?? 0;
      const b = linear[p * 3 + 2] ?? 0;
      const cam0 = (m[0] ?? 0) * r + (m[1] ?? 0) * g + (m[2] ?? 0) * b;
      const cam1 = (m[3] ?? 0) * r + (m[4] ?? 0) * g + (m[5] ?? 0) * b;
      const cam2 = (m[6] ?? 0) * r + (m[7] ?? 0) * g + (m[8] ?? 0) * b;
      const gray = (cam0 + cam1 + cam2) / 3;
      const fade = Math.max(gray - HIGHLIGHT_INFLECTION, 0) / (1 - HIGHLIGHT_INFLECTION);
      const mask = fade * fade;
      const channel = bayerChannel(row, col);
      const cam = channel === 0 ? cam0 : channel === 1 ? cam1 : cam2;
      const inverseGain = 1 / (colour.gains[channel] ?? 1);
      const safeGain = Math.max(mask + (1 - mask) * inverseGain, inverseGain);
      out[p] = Math.min(Math.max(cam * safeGain, 0), 1);
    }
  }
}

/**
 * Bilinear demosaicing of an RGGB plane (size even) into HWC RGB: each missing colour is the
 * mean of its nearest 2 or 4 same-colour sites. Edges reflect (a border of one, mirrored without
 * repeating the edge, so an even size keeps every site's Bayer colour).
 */
export function demosaicBilinear(bayer: Float32Array, size: number, out: Float32Array): void {
  const w = size + 2;
  const padded = new Float32Array(w * w);
  const reflect = (i: number): number => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
  for (let row = -1; row <= size; row++) {
    for (let col = -1; col <= size; col++) {
      padded[(row + 1) * w + col + 1] = bayer[reflect(row) * size + reflect(col)] ?? 0;
    }
  }
  for (let row = 0; row < size; row++) {
    const evenRow = (row & 1) === 0;
    for (let col = 0; col < size; col++) {
      const c = (row + 1) * w + col + 1;
      const here = padded[c] ?? 0;
      const horizontal = ((padded[c - 1] ?? 0) + (padded[c + 1] ?? 0)) / 2;
      const vertical = ((padded[c - w] ?? 0) + (padded[c + w] ?? 0)) / 2;
      const o = (row * size + col) * 3;
      const channel = bayerChannel(row, col);
      if (channel === 1) {
        // A green site: red neighbours lie along its row on red rows, along its column otherwise.
        out[o] = evenRow ? horizontal : vertical;
        out[o + 1] = here;
        out[o + 2] = evenRow ? vertical : horizontal;
        continue;
      }
      const cross = (horizontal + vertical) / 2;
      const diagonal = ((padded[c - w - 1] ?? 0) + (padded[c - w + 1] ?? 0) + (padded[c + w - 1] ?? 0) + (padded[c + w + 1] ?? 0)) / 4;
      out[o] = channel === 0 ? here : diagonal;
      out[o + 1] = cross;
      out[o + 2] = channel === 0 ? diagonal : here;
    }
  }
}
