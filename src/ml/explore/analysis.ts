import * as tf from '@tensorflow/tfjs-core';
import { symmetricEigen } from '../models/pca';
import type { ToyModel } from './toy-models';

/**
 * What the Explore plots show, computed from a toy model as plain arrays (every tensor is
 * disposed here; values are read asynchronously).
 */

/** r(x) - x at each point: for a DAE, an estimate of sigma^2 * grad log p(x). [n * 2]. */
export async function reconstructionField(model: ToyModel, points: Float32Array): Promise<Float32Array> {
  const t = tf.tidy(() => {
    const x = tf.tensor2d(points, [points.length / 2, 2]);
    return tf.sub(model.reconstruct(x), x);
  });
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Codes of the points: [n * latent]. */
export async function codesOf(model: ToyModel, points: Float32Array): Promise<Float32Array> {
  const t = model.encode(tf.tensor2d(points, [points.length / 2, 2]));
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Reconstructions of the points: [n * 2]. */
export async function reconstructionsOf(model: ToyModel, points: Float32Array): Promise<Float32Array> {
  const t = tf.tidy(() => model.reconstruct(tf.tensor2d(points, [points.length / 2, 2])));
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Prior draws decoded to 2-D points, or null for kinds without a prior. [count * 2]. */
export async function decodedPriorSamples(model: ToyModel, count: number, seed: number): Promise<Float32Array | null> {
  if (!model.samplePrior) return null;
  const sample = model.samplePrior;
  const t = tf.tidy(() => model.decode(sample(count, seed)));
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * The encoder's exact Jacobian dh/dx at each point by autodiff, one gradient per code unit
 * (points are independent, so the gradient of the summed unit j gives row j at every point).
 * Returns [n * latent * 2], row-major per point: J[i][j][c] = dh_j/dx_c.
 */
export async function encoderJacobians(model: ToyModel, points: Float32Array): Promise<Float32Array> {
  const n = points.length / 2;
  const k = model.latent;
  const x = tf.tensor2d(points, [n, 2]);
  const rows: tf.Tensor[] = [];
  try {
    for (let j = 0; j < k; j++) {
      rows.push(tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.slice(model.encode(v as tf.Tensor2D), [0, j], [-1, 1])))(x)));
    }
    const stacked = tf.tidy(() => tf.stack(rows, 1)); // [n, k, 2]
    try {
      return (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
  } finally {
    x.dispose();
    rows.forEach((r) => r.dispose());
  }
}

/**
 * Singular values and right singular vectors of each k x 2 Jacobian (from the 2 x 2 matrix
 * J^T J): how much the code moves per unit step along each input direction. The first vector
 * is the most sensitive direction (the tangent, on a CAE's manifold). Returns per point
 * [s1, s2, v1x, v1y].
 */
export function jacobianSpectra(jacobians: Float32Array, latent: number): Float32Array {
  const n = jacobians.length / (latent * 2);
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    let d = 0;
    for (let j = 0; j < latent; j++) {
      const jx = jacobians[(i * latent + j) * 2] as number;
      const jy = jacobians[(i * latent + j) * 2 + 1] as number;
      a += jx * jx;
      b += jx * jy;
      d += jy * jy;
    }
    // Eigen of [[a, b], [b, d]] in closed form.
    const mean = (a + d) / 2;
    const rad = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    const l1 = mean + rad;
    const l2 = Math.max(0, mean - rad);
    let vx = b;
    let vy = l1 - a;
    if (Math.abs(vx) + Math.abs(vy) < 1e-12) [vx, vy] = a >= d ? [1, 0] : [0, 1];
    const norm = Math.hypot(vx, vy);
    out.set([Math.sqrt(l1), Math.sqrt(l2), vx / norm, vy / norm], i * 4);
  }
  return out;
}

/** Squared Frobenius norm of each Jacobian: [n]. */
export function jacobianNormsSq(jacobians: Float32Array, latent: number): Float32Array {
  const n = jacobians.length / (latent * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < latent * 2; c++) s += (jacobians[i * latent * 2 + c] as number) ** 2;
    out[i] = s;
  }
  return out;
}

/** Orthonormal basis (Gram-Schmidt, float64) of the span of k vectors of length d given as rows. */
export function orthonormalRows(rows: Float64Array | Float32Array, k: number, d: number): Float64Array {
  const q = new Float64Array(k * d);
  for (let r = 0; r < k; r++) {
    const v = Float64Array.from(rows.subarray(r * d, (r + 1) * d));
    // Twice, for numerical orthogonality (classical Gram-Schmidt loses it on near-parallel rows).
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < r; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += (v[i] as number) * (q[p * d + i] as number);
        for (let i = 0; i < d; i++) v[i] = (v[i] as number) - dot * (q[p * d + i] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d; i++) q[r * d + i] = (v[i] as number) / norm;
  }
  return q;
}

/**
 * Principal angles (radians, smallest first) between the spans of two sets of k vectors in R^d
 * (rows): the arccosines of the singular values of Qa Qb^T for orthonormal bases Qa, Qb.
 */
export function principalAngles(a: Float64Array | Float32Array, b: Float64Array | Float32Array, k: number, d: number): number[] {
  const qa = orthonormalRows(a, k, d);
  const qb = orthonormalRows(b, k, d);
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += (qa[i * d + c] as number) * (qb[j * d + c] as number);
      m[i * k + j] = dot;
    }
  }
  // Singular values of M are the square roots of the eigenvalues of M^T M.
  const mtm = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += (m[r * k + i] as number) * (m[r * k + j] as number);
      mtm[i * k + j] = s;
    }
  }
  const { values } = symmetricEigen(mtm, k);
  return [...values].map((v) => Math.acos(Math.min(1, Math.sqrt(Math.max(0, v)))));
}

/**
 * Squared maximum mean discrepancy between two samples of d-dimensional points (rows) with a
 * Gaussian kernel of bandwidth `bandwidth`; the biased (V-statistic) estimate, always >= 0 and
 * 0 for identical samples. Used to see codes move toward a prior.
 */
export function mmdSquared(x: Float32Array, y: Float32Array, d: number, bandwidth = 1): number {
  const nx = x.length / d;
  const ny = y.length / d;
  const kernelMean = (p: Float32Array, np: number, q: Float32Array, nq: number): number => {
    let sum = 0;
    for (let i = 0; i < np; i++) {
      for (let j = 0; j < nq; j++) {
        let dist = 0;
        for (let c = 0; c < d; c++) dist += ((p[i * d + c] as number) - (q[j * d + c] as number)) ** 2;
        sum += Math.exp(-dist / (2 * bandwidth * bandwidth));
      }
    }
    return sum / (np * nq);
  };
  return kernelMean(x, nx, x, nx) + kernelMean(y, ny, y, ny) - 2 * kernelMean(x, nx, y, ny);
}

/** PCA of 2-D-or-more points to 2 coordinates (for codes wider than 2): [n * 2]. */
export function projectToTwo(values: Float32Array, d: number): Float32Array {
  const n = values.length / d;
  if (d <= 2) {
    if (d === 2) return Float32Array.from(values);
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) out[2 * i] = values[i] as number;
    return out;
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] = (mean[c] as number) + (values[i * d + c] as number) / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = (values[i * d + a] as number) - (mean[a] as number);
      for (let b = 0; b < d; b++) cov[a * d + b] = (cov[a * d + b] as number) + (va * ((values[i * d + b] as number) - (mean[b] as number))) / n;
    }
  }
  const { vectors } = symmetricEigen(cov, d);
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 2; p++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += ((values[i * d + c] as number) - (mean[c] as number)) * (vectors[p * d + c] as number);
      out[2 * i + p] = s;
    }
  }
  return out;
}
