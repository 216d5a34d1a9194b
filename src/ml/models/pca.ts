/**
 * Principal component analysis by eigendecomposition of the sample covariance, in plain
 * TypeScript (float64). It is the yardstick for the linear autoencoder: the best rank-k linear
 * reconstruction of centred data keeps the top k eigen-directions, and its mean squared error
 * per value is the sum of the discarded eigenvalues divided by the dimension.
 *
 * The eigen solver is cyclic Jacobi: slow for big matrices (O(d^3) per sweep) but simple, exact
 * to rounding for symmetric ones and fine for patch covariances (d = 64..784).
 */
export interface PcaResult {
  dim: number;
  mean: Float64Array;
  /** Eigenvalues of the covariance, largest first. */
  eigenvalues: Float64Array;
  /** Eigenvectors as rows, in the order of `eigenvalues`: row j is vectors[j * dim .. (j + 1) * dim). */
  vectors: Float64Array;
}

/** Mean and covariance (divided by n, the maximum-likelihood form) of n rows of length d. */
export function covariance(data: Float32Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] = (mean[i] as number) + (data[r * d + i] as number);
  for (let i = 0; i < d; i++) mean[i] = (mean[i] as number) / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) row[i] = (data[r * d + i] as number) - (mean[i] as number);
    for (let i = 0; i < d; i++) {
      const ri = row[i] as number;
      for (let j = i; j < d; j++) cov[i * d + j] = (cov[i * d + j] as number) + ri * (row[j] as number);
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = (cov[i * d + j] as number) / n;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { mean, cov };
}

/**
 * Cyclic Jacobi rotations on a copy of the symmetric d x d matrix (row-major) until its
 * off-diagonal mass is negligible; returns the rotated matrix, whose diagonal holds the
 * eigenvalues. With `v` (the identity on entry) the rotations are also applied to it, so its
 * columns become the eigenvectors; without, that third of the work is skipped.
 */
function jacobiRotate(matrix: Float64Array, d: number, maxSweeps: number, v: Float64Array | null): Float64Array {
  const a = Float64Array.from(matrix);
  const at = (i: number, j: number): number => a[i * d + j] as number;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < d; i++) {
      diag += at(i, i) ** 2;
      for (let j = i + 1; j < d; j++) off += at(i, j) ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = at(p, q);
        if (apq === 0) continue;
        // The rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A <- J^T A J on rows/columns p and q.
        for (let k = 0; k < d; k++) {
          const akp = at(k, p);
          const akq = at(k, q);
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = at(p, k);
          const aqk = at(q, k);
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        if (!v) continue;
        // V <- V J: columns p and q of V hold the eigenvector estimates.
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p] as number;
          const vkq = v[k * d + q] as number;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return a;
}

/**
 * Eigen-decomposition of a symmetric d x d matrix (row-major; not modified) by cyclic Jacobi
 * rotations. Returns eigenvalues largest first and the matching eigenvectors as rows.
 */
export function symmetricEigen(matrix: Float64Array, d: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  const a = jacobiRotate(matrix, d, maxSweeps, v);
  const at = (i: number, j: number): number => a[i * d + j] as number;
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => at(j, j) - at(i, i));
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((col, r) => {
    values[r] = at(col, col);
    for (let k = 0; k < d; k++) vectors[r * d + k] = v[k * d + col] as number;
  });
  return { values, vectors };
}

/**
 * Eigenvalues only, smallest first, of a symmetric n x n matrix (row-major; not modified): what
 * the noise estimator needs from a patch covariance (64 x 64 gray, 192 x 192 colour), without
 * the eigenvector work.
 */
export function symmetricEigenvalues(matrix: Float64Array, n: number, maxSweeps = 100): Float64Array {
  if (matrix.length !== n * n) throw new RangeError(`Expected ${n * n} entries for a ${n} x ${n} matrix, got ${matrix.length}`);
  const a = jacobiRotate(matrix, n, maxSweeps, null);
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i] as number).sort();
}

/** PCA of n rows of length d. */
export function pca(data: Float32Array, n: number, d: number): PcaResult {
  const { mean, cov } = covariance(data, n, d);
  const { values, vectors } = symmetricEigen(cov, d);
  return { dim: d, mean, eigenvalues: values, vectors };
}

/** Mean squared error per value of the best rank-k reconstruction of the data PCA was fitted on. */
export function pcaReconstructionMse(result: PcaResult, k: number): number {
  let rest = 0;
  for (let i = k; i < result.dim; i++) rest += Math.max(0, result.eigenvalues[i] as number);
  return rest / result.dim;
}

/** Reconstructs rows from their projection onto the top k components (mean added back). */
export function pcaReconstruct(result: PcaResult, data: Float32Array, n: number, k: number): Float32Array {
  const d = result.dim;
  const out = new Float32Array(n * d);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) centred[i] = (data[r * d + i] as number) - (result.mean[i] as number);
    const rec = Float64Array.from(result.mean);
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (centred[i] as number) * (result.vectors[j * d + i] as number);
      for (let i = 0; i < d; i++) rec[i] = (rec[i] as number) + dot * (result.vectors[j * d + i] as number);
    }
    out.set(rec, r * d);
  }
  return out;
}
