import { describe, expect, it } from 'vitest';
import { logFactorial, samplePoisson } from './poisson';
import { Rng } from './rng';

describe('samplePoisson', () => {
  it('matches the Poisson mean and variance on both sides of the method switch', () => {
    const rng = new Rng(11);
    for (const lambda of [0.5, 3, 9.9, 10, 25, 400, 1e5]) {
      const n = 20_000;
      let sum = 0;
      let sq = 0;
      let allCounts = true;
      for (let i = 0; i < n; i++) {
        const k = samplePoisson(lambda, rng);
        allCounts &&= Number.isInteger(k) && k >= 0;
        sum += k;
        sq += k * k;
      }
      expect(allCounts).toBe(true);
      const mean = sum / n;
      const variance = sq / n - mean * mean;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(variance / lambda - 1)).toBeLessThan(0.06);
    }
  });

  it('gives 0 for a non-positive rate', () => {
    expect(samplePoisson(0, new Rng(1))).toBe(0);
    expect(samplePoisson(-2, new Rng(1))).toBe(0);
  });

  it('computes log(k!) accurately past the table', () => {
    let exact = 0;
    for (let k = 1; k <= 200; k++) {
      exact += Math.log(k);
      expect(logFactorial(k)).toBeCloseTo(exact, 8);
    }
  });
});
