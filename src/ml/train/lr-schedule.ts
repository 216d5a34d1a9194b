import type { LrSchedule } from '../../shared/training';

/**
 * Learning rate as a function of how far the run is (0..1). Progress is the larger of the step
 * and time fractions, so a run bounded by minutes anneals on time just like one bounded by
 * epochs anneals on steps. A short linear warm-up keeps Adam's first, noisy steps small.
 */
export function learningRateAt(progress: number, base: number, schedule: LrSchedule, warmup = 0.02): number {
  const p = Math.min(1, Math.max(0, progress));
  const warm = warmup > 0 && p < warmup ? (p + 1e-3) / (warmup + 1e-3) : 1;
  if (schedule === 'constant') return base * warm;
  const floor = 0.02;
  const cosine = floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p));
  return base * warm * cosine;
}
