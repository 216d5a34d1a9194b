import { describe, expect, it } from 'vitest';
import { learningRateAt } from './lr-schedule';

describe('learningRateAt', () => {
  it('warms up, peaks at the base rate and anneals to 2% of it', () => {
    expect(learningRateAt(0, 1e-3, 'cosine')).toBeLessThan(1e-4);
    expect(learningRateAt(0.02, 1e-3, 'cosine')).toBeCloseTo(1e-3, 5);
    expect(learningRateAt(0.5, 1e-3, 'cosine')).toBeCloseTo(0.51e-3, 6);
    expect(learningRateAt(1, 1e-3, 'cosine')).toBeCloseTo(0.02e-3, 8);
  });

  it('is monotone after the warm-up', () => {
    let last = Infinity;
    for (let p = 0.02; p <= 1; p += 0.01) {
      const lr = learningRateAt(p, 1, 'cosine');
      expect(lr).toBeLessThanOrEqual(last + 1e-12);
      last = lr;
    }
  });

  it('stays flat with the constant schedule', () => {
    expect(learningRateAt(0.9, 5e-4, 'constant')).toBe(5e-4);
  });
});
