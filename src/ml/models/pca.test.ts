import { describe, expect, it } from 'vitest';
import { Rng } from '../data/rng';
import { covariance, pca, pcaReconstruct, pcaReconstructionMse, symmetricEigen } from './pca';

describe('PCA', () => {
  it('the Jacobi solver diagonalises a symmetric matrix: A = V diag(lambda) V^T, V orthonormal', () => {
    const d = 7;
    const rng = new Rng(3);
    const b = Float64Array.from({ length: d * d }, () => rng.normal());
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) a[i * d + j] = (a[i * d + j] as number) + (b[i * d + k] as number) * (b[j * d + k] as number);
    const { values, vectors } = symmetricEigen(a, d);
    for (let i = 1; i < d; i++) expect(values[i - 1] as number).toBeGreaterThanOrEqual(values[i] as number);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let rebuilt = 0;
        let dot = 0;
        for (let k = 0; k < d; k++) {
          rebuilt += (vectors[k * d + i] as number) * (values[k] as number) * (vectors[k * d + j] as number);
          dot += (vectors[i * d + k] as number) * (vectors[j * d + k] as number);
        }
        expect(rebuilt).toBeCloseTo(a[i * d + j] as number, 9);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it('finds the known principal axes of stretched data, and its error formula matches projecting', () => {
    const rng = new Rng(5);
    const n = 4000;
    const data = new Float32Array(n * 3);
    // Standard deviations 3, 1 and 0.1 along a rotated basis, offset by (1, 2, 3).
    const c = Math.cos(0.5);
    const s = Math.sin(0.5);
    for (let r = 0; r < n; r++) {
      const [u, v, w] = [3 * rng.normal(), rng.normal(), 0.1 * rng.normal()];
      data.set([1 + c * u - s * v, 2 + s * u + c * v, 3 + w], r * 3);
    }
    const fit = pca(data, n, 3);
    expect(fit.eigenvalues[0]).toBeCloseTo(9, 0);
    expect(fit.eigenvalues[1]).toBeCloseTo(1, 1);
    expect(fit.eigenvalues[2]).toBeCloseTo(0.01, 2);
    expect(Math.abs(fit.vectors[0] as number)).toBeCloseTo(c, 2);
    expect(Array.from(fit.mean).map((m) => Math.round(m))).toEqual([1, 2, 3]);
    for (const k of [0, 1, 2, 3]) {
      const rec = pcaReconstruct(fit, data, n, k);
      let err = 0;
      for (let i = 0; i < rec.length; i++) err += ((rec[i] as number) - (data[i] as number)) ** 2;
      expect(err / rec.length).toBeCloseTo(pcaReconstructionMse(fit, k), 5);
    }
    expect(covariance(data, n, 3).cov[1]).toBeCloseTo(covariance(data, n, 3).cov[3] as number, 12);
  });
});
