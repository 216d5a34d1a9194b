import type { Rng } from './rng';

/** log(k!) for integer k >= 0: a table for small k, Stirling's series beyond (error < 1e-10). */
const LOG_FACTORIAL_TABLE: number[] = (() => {
  const table = [0];
  for (let k = 1; k < 64; k++) table.push((table[k - 1] ?? 0) + Math.log(k));
  return table;
})();

export function logFactorial(k: number): number {
  const small = LOG_FACTORIAL_TABLE[k];
  if (small !== undefined) return small;
  const n = k + 1;
  const inv = 1 / n;
  const inv2 = inv * inv;
  return (
    (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}

/** Knuth's multiplication method: exact, O(lambda) draws, used where lambda is small. */
function poissonSmall(lambda: number, rng: Rng): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k += 1;
    p *= rng.next();
  }
  return k;
}

/**
 * Hörmann's PTRS (transformed rejection with squeeze, 1993), the method numpy uses for
 * lambda >= 10: exact, with about 1.1 iterations on average whatever the size of lambda.
 */
function poissonLarge(lambda: number, rng: Rng): number {
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) {
      return k;
    }
  }
}

/** One Poisson(lambda) draw; lambda <= 0 gives 0. */
export function samplePoisson(lambda: number, rng: Rng): number {
  if (!(lambda > 0)) return 0;
  return lambda < 10 ? poissonSmall(lambda, rng) : poissonLarge(lambda, rng);
}
