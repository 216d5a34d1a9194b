import { DenoiseError } from '../../shared/errors';
import { LAB_LIMITS, TOY_DATASETS, type ToyDatasetName } from '../../shared/explore';
import { Rng } from '../data/rng';

/**
 * Toy 2-D data sets for the Explore lab: points near a 1-D curve (circle, spiral, two moons) or
 * around a few centres (mixture of Gaussians), with isotropic Gaussian noise of a chosen size.
 * Each comes with its noise-free "manifold" (a dense sampling of the curve, or the centres),
 * which the plots draw and the tests measure distances to. Coordinates are roughly in [-1.5, 1.5].
 */
export { TOY_DATASETS, type ToyDatasetName } from '../../shared/explore';

export interface ToyDataOptions {
  name: ToyDatasetName;
  count: number;
  /** Standard deviation of the noise added to each coordinate. */
  noise: number;
  seed: number;
}

export interface ToyData {
  name: ToyDatasetName;
  /** [count * 2], x0 y0 x1 y1 ... */
  points: Float32Array;
  /** Noise-free points on the underlying curve (or the mixture's centres), [m * 2]. */
  manifold: Float32Array;
  /** Square window the plots show: [min, max] on both axes. */
  extent: [number, number];
}

const TOY_LIMITS = { count: LAB_LIMITS.count, noise: LAB_LIMITS.dataNoise } as const;

/** A point on the noise-free curve for parameter t in [0, 1). */
type Curve = (t: number) => [number, number];

const circle: Curve = (t) => [Math.cos(2 * Math.PI * t), Math.sin(2 * Math.PI * t)];

/** An Archimedean spiral of 1.5 turns, radius growing from 0.25 to 1.3. */
const spiral: Curve = (t) => {
  const angle = 3 * Math.PI * t;
  const r = 0.25 + 1.05 * t;
  return [r * Math.cos(angle), r * Math.sin(angle)];
};

/** Two interleaved half circles (as scikit-learn's make_moons), centred on the origin. */
const moons: Curve = (t) => {
  if (t < 0.5) {
    const a = Math.PI * (t * 2);
    return [Math.cos(a) - 0.5, Math.sin(a) - 0.25];
  }
  const a = Math.PI * ((t - 0.5) * 2);
  return [0.5 - Math.cos(a), 0.25 - Math.sin(a)];
};

/** Eight centres on a circle of radius 1. */
const GAUSSIAN_CENTRES = 8;
const centre = (k: number): [number, number] => [Math.cos((2 * Math.PI * k) / GAUSSIAN_CENTRES), Math.sin((2 * Math.PI * k) / GAUSSIAN_CENTRES)];

const CURVES: Record<Exclude<ToyDatasetName, 'gaussians'>, Curve> = { circle, spiral, moons };

export function isToyDatasetName(name: string): name is ToyDatasetName {
  return (TOY_DATASETS as readonly string[]).includes(name);
}

export function makeToyData(options: ToyDataOptions): ToyData {
  const { name, count, noise, seed } = options;
  if (!isToyDatasetName(name)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown toy data set "${String(name)}"; known: ${TOY_DATASETS.join(', ')}`);
  }
  if (!Number.isInteger(count) || count < TOY_LIMITS.count.min || count > TOY_LIMITS.count.max) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The point count must be an integer in [${TOY_LIMITS.count.min}, ${TOY_LIMITS.count.max}], got ${count}`);
  }
  if (!Number.isFinite(noise) || noise < TOY_LIMITS.noise.min || noise > TOY_LIMITS.noise.max) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The noise level must be in [${TOY_LIMITS.noise.min}, ${TOY_LIMITS.noise.max}], got ${noise}`);
  }
  const rng = new Rng(seed);
  const points = new Float32Array(count * 2);
  let manifold: Float32Array;
  if (name === 'gaussians') {
    manifold = new Float32Array(GAUSSIAN_CENTRES * 2);
    for (let k = 0; k < GAUSSIAN_CENTRES; k++) manifold.set(centre(k), k * 2);
    // The mixture always has some spread, else the points would all sit on eight spots.
    const spread = Math.max(noise, 0.02);
    for (let i = 0; i < count; i++) {
      const [cx, cy] = centre(rng.int(GAUSSIAN_CENTRES));
      points[2 * i] = cx + spread * rng.normal();
      points[2 * i + 1] = cy + spread * rng.normal();
    }
  } else {
    const curve = CURVES[name];
    const m = 2000;
    manifold = new Float32Array(m * 2);
    for (let j = 0; j < m; j++) manifold.set(curve(j / m), j * 2);
    for (let i = 0; i < count; i++) {
      const [x, y] = curve(rng.next());
      points[2 * i] = x + noise * rng.normal();
      points[2 * i + 1] = y + noise * rng.normal();
    }
  }
  return { name, points, manifold, extent: [-1.8, 1.8] };
}

/** Index of the manifold point nearest to (x, y) and its squared distance (brute force: m is small). */
export function nearestOnManifold(manifold: Float32Array, x: number, y: number): { index: number; distSq: number } {
  let best = 0;
  let bestD = Infinity;
  for (let j = 0; j < manifold.length / 2; j++) {
    const dx = (manifold[2 * j] as number) - x;
    const dy = (manifold[2 * j + 1] as number) - y;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = j;
    }
  }
  return { index: best, distSq: bestD };
}

/** A regular side x side grid over the extent, row-major from the top-left: [side * side * 2]. */
export function gridPoints(extent: [number, number], side: number): Float32Array {
  const [lo, hi] = extent;
  const out = new Float32Array(side * side * 2);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const i = r * side + c;
      out[2 * i] = lo + ((c + 0.5) / side) * (hi - lo);
      out[2 * i + 1] = hi - ((r + 0.5) / side) * (hi - lo);
    }
  }
  return out;
}
