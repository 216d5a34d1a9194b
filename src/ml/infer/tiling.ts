import { DenoiseError } from '../../shared/errors';

/**
 * Tile geometry for inference on images of any size.
 *
 * `overlap` is a margin, not the shared width: the number of pixels at each inner tile edge
 * that the network may get wrong because it cannot see past the tile (set it to at least the
 * model's receptive radius). Those pixels get zero weight, so with overlap >= receptive radius
 * the tiled result equals a whole-image run. Next to that margin comes a raised-cosine
 * crossfade of `blend` pixels, which hides what exactness cannot promise (an underestimated
 * radius, or a shifted edge tile landing at another phase of the net's strided levels).
 * Neighbouring tiles therefore share 2 * overlap + blend pixels.
 *
 * Tile edges on the image border are not tapered: the network sees the real border there, the
 * same one a whole-image run sees, which is why edge tiles are shifted inward, not padded.
 */
export const DEFAULT_BLEND = 16;

export interface TileOrigin {
  /** Left column of the tile in image coordinates. */
  x: number;
  /** Top row of the tile in image coordinates. */
  y: number;
  /** Index into TilePlan.xs / TilePlan.ys, which selects the tile's window profiles. */
  col: number;
  row: number;
}

export interface TilePlan {
  width: number;
  height: number;
  /** Network input size; a multiple of sizeMultiple. Larger than the image on an axis where
   * the image is smaller than a tile: the rest is filled by reflection. */
  tileWidth: number;
  tileHeight: number;
  overlap: number;
  /** Crossfade length actually used: the requested blend plus the slack from keeping the
   * stride a multiple of sizeMultiple, so that ramps of neighbours line up exactly. */
  ramp: number;
  sizeMultiple: number;
  /** Tile origins along each axis; the last one is shifted inward to end at the border. */
  xs: readonly number[];
  ys: readonly number[];
  /** Row-major. */
  tiles: readonly TileOrigin[];
}

export interface PlanOptions {
  /** Input sizes must be multiples of this (2 per stride-2 level of the net). Default 1. */
  sizeMultiple?: number;
  /** Crossfade length in pixels. Default DEFAULT_BLEND. */
  blend?: number;
}

function isNonNegativeInt(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

export function roundUpTo(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

export function roundDownTo(value: number, multiple: number): number {
  return Math.floor(value / multiple) * multiple;
}

/**
 * Smallest tile size that can step across an image with this overlap and blend: the stride
 * must stay positive and at least the crossfade, so no pixel ever needs three tiles' ramps.
 */
export function minTileSize(overlap: number, sizeMultiple = 1, blend = DEFAULT_BLEND): number {
  return roundUpTo(2 * (overlap + blend) + 2 * sizeMultiple, sizeMultiple);
}

interface AxisPlan {
  tile: number;
  positions: number[];
  ramp: number;
}

function planAxis(length: number, tileSize: number, overlap: number, blend: number, m: number): AxisPlan {
  if (length <= tileSize) return { tile: roundUpTo(length, m), positions: [0], ramp: blend };
  // The stride is a multiple of sizeMultiple so that regular tiles sample the net's strided
  // levels at the same phase as a whole-image run; the slack goes into the crossfade.
  const stride = roundDownTo(tileSize - 2 * overlap - blend, m);
  const ramp = tileSize - 2 * overlap - stride;
  if (stride < m || stride < ramp) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Tile size too small for this overlap', {
      tileSize,
      overlap,
      blend,
      minTileSize: minTileSize(overlap, m, blend),
    });
  }
  const positions: number[] = [];
  for (let p = 0; ; p += stride) {
    if (p + tileSize >= length) {
      positions.push(length - tileSize);
      break;
    }
    positions.push(p);
  }
  return { tile: tileSize, positions, ramp };
}

/** Tiles covering a width x height image; see the module comment for what overlap means. */
export function planTiles(width: number, height: number, tileSize: number, overlap: number, options: PlanOptions = {}): TilePlan {
  const m = options.sizeMultiple ?? 1;
  const blend = options.blend ?? DEFAULT_BLEND;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Image size must be positive integers', { width, height });
  }
  if (!Number.isInteger(m) || m < 1) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'sizeMultiple must be a positive integer', { sizeMultiple: m });
  }
  if (!Number.isInteger(tileSize) || tileSize < m || tileSize % m !== 0) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Tile size must be a positive multiple of sizeMultiple', {
      tileSize,
      sizeMultiple: m,
    });
  }
  if (!isNonNegativeInt(overlap) || !isNonNegativeInt(blend)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'overlap and blend must be non-negative integers', { overlap, blend });
  }
  const ax = planAxis(width, tileSize, overlap, blend, m);
  const ay = planAxis(height, tileSize, overlap, blend, m);
  const tiles: TileOrigin[] = [];
  ay.positions.forEach((y, row) => ax.positions.forEach((x, col) => tiles.push({ x, y, col, row })));
  return {
    width,
    height,
    tileWidth: ax.tile,
    tileHeight: ay.tile,
    overlap,
    // Both axes derive the same ramp from the same tile size; a one-tile axis never tapers.
    ramp: ax.positions.length > 1 ? ax.ramp : ay.ramp,
    sizeMultiple: m,
    xs: ax.positions,
    ys: ay.positions,
    tiles,
  };
}

/**
 * 1-D weights across a tile: zero over the `overlap` margin, a raised cosine over the next
 * `ramp` pixels, one in the middle; each end tapered only where the tile has a neighbour.
 * sin^2 ramps sampled at pixel centres sum with their mirror image to exactly one, so on a
 * regular grid the weights of overlapping tiles add up to one without normalising.
 */
export function axisProfile(length: number, overlap: number, ramp: number, taperStart: boolean, taperEnd: boolean): Float32Array {
  const w = new Float32Array(length).fill(1);
  const edge = (i: number): number => {
    if (i < overlap) return 0;
    if (i < overlap + ramp) {
      const s = Math.sin((Math.PI / 2) * ((i - overlap + 0.5) / ramp));
      return s * s;
    }
    return 1;
  };
  for (let i = 0; i < Math.min(length, overlap + ramp); i++) {
    if (taperStart) w[i] = (w[i] as number) * edge(i);
    if (taperEnd) w[length - 1 - i] = (w[length - 1 - i] as number) * edge(i);
  }
  return w;
}

/** The window of a tile with neighbours on every side (as a 1-D profile; the 2-D window is
 * its outer product with itself). */
export function blendWindow(tileSize: number, overlap: number, blend = DEFAULT_BLEND): Float32Array {
  return axisProfile(tileSize, overlap, blend, true, true);
}

export interface TileProfiles {
  /** Per entry of plan.xs: weights across the tile's columns. */
  x: Float32Array[];
  /** Per entry of plan.ys: weights across the tile's rows. */
  y: Float32Array[];
  /** Accumulated weight per image column / row. The 2-D weight map is their outer product,
   * because every tile's window is separable and the tiles form a grid. */
  sumX: Float64Array;
  sumY: Float64Array;
}

function profilesFor(positions: readonly number[], tile: number, length: number, overlap: number, ramp: number) {
  const profiles = positions.map((_, i) => axisProfile(tile, overlap, ramp, i > 0, i < positions.length - 1));
  const sum = new Float64Array(length);
  positions.forEach((p, i) => {
    const prof = profiles[i] as Float32Array;
    for (let k = 0; k < tile && p + k < length; k++) sum[p + k] = (sum[p + k] as number) + (prof[k] as number);
  });
  return { profiles, sum };
}

export function tileProfiles(plan: TilePlan): TileProfiles {
  const px = profilesFor(plan.xs, plan.tileWidth, plan.width, plan.overlap, plan.ramp);
  const py = profilesFor(plan.ys, plan.tileHeight, plan.height, plan.overlap, plan.ramp);
  return { x: px.profiles, y: py.profiles, sumX: px.sum, sumY: py.sum };
}

export interface TileSizeOptions {
  channels: 1 | 3;
  /** Memory the tile batch may use; when given, the tile shrinks to fit half of it. */
  availableBytes?: number;
  tileBatch?: number;
  sizeMultiple?: number;
  /** Bytes of live activations per tile pixel. The default assumes float32 feature maps of
   * 64 channels with about four alive at once (a small U-Net), plus input and output. */
  bytesPerPixel?: number;
}

const DEFAULT_TILE = 512;
const SMALLEST_TILE = 64;

/**
 * Default tile side: 512 everywhere. Neighbouring tiles recompute 2 * overlap + blend pixels
 * (about 76 for the U-Net), which costs twice the work at 256 but a third more at 512; a
 * 512-pixel tile of the largest preset holds a few hundred MB of activations, fine on CPU.
 * With `availableBytes` it shrinks (in steps of 64) until the batch fits half the budget; the
 * other half is headroom for the backend. Estimates only: out-of-memory recovery in
 * denoiseTiled is what actually keeps a too-large guess from failing.
 */
export function chooseTileSize(options: TileSizeOptions): number {
  const m = options.sizeMultiple ?? 1;
  let side = DEFAULT_TILE;
  if (options.availableBytes !== undefined) {
    const perPixel = options.bytesPerPixel ?? 4 * (64 * 4 + 2 * options.channels);
    const batch = Math.max(1, options.tileBatch ?? 1);
    const fit = Math.sqrt((options.availableBytes * 0.5) / (perPixel * batch));
    side = Math.max(SMALLEST_TILE, Math.min(side, roundDownTo(fit, SMALLEST_TILE)));
  }
  return Math.max(m, roundDownTo(side, m));
}
