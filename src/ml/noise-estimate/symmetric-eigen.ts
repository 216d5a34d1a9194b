/**
 * Eigenvalues of a real symmetric matrix by the cyclic Jacobi method. Chosen over a
 * tridiagonal QL solver for its simplicity and accuracy on small matrices: the noise estimator
 * only ever needs the spectrum of a patch covariance (64 x 64 for 8 x 8 gray patches, 192 x 192
 * for colour), which takes a few sweeps of n^3 work.
 *
 * `a` is row-major n x n and is not modified. Returns the eigenvalues in ascending order.
 */
export function symmetricEigenvalues(a: Float64Array, n: number, maxSweeps = 60): Float64Array {
  if (a.length !== n * n) throw new RangeError(`Expected ${n * n} entries for a ${n} x ${n} matrix, got ${a.length}`);
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += (m[p * n + p] as number) ** 2;
      for (let q = p + 1; q < n; q++) off += (m[p * n + q] as number) ** 2;
    }
    // Converged when the off-diagonal mass is negligible next to the diagonal's.
    if (off <= 1e-22 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (apq === 0) continue;
        const app = m[p * n + p] as number;
        const aqq = m[q * n + q] as number;
        // The rotation angle that zeroes m[p][q] (Numerical Recipes' stable form).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p] as number;
          const akq = m[k * n + q] as number;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k] as number;
          const aqk = m[q * n + k] as number;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i] as number;
  return values.sort();
}
