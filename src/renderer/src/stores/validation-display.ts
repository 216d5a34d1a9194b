import type { TrainEvent } from '../../../shared/training';
import type { LineSeries } from '../components/chart-types';

/**
 * How the Train view shows a run's validation. A run with a clean reference is scored in PSNR;
 * a self-supervised run on photos that are already noisy has no clean image, so its validation
 * events carry NaN for PSNR and only the blind-spot loss on held-out pixels means anything.
 * Drawing PSNR there would draw nothing and suggest a score exists, so such runs plot the loss.
 */
export type ValidationReference = NonNullable<Extract<TrainEvent, { type: 'validation' }>['reference']>;

/** Engines from before `reference` existed always scored against a clean image. */
export function referenceOf(event: Extract<TrainEvent, { type: 'validation' }>): ValidationReference {
  return event.reference ?? 'clean';
}

export interface ValidationPoints {
  valSteps: number[];
  valLoss: number[];
  valPsnr: number[];
}

export interface ValidationDisplay {
  /**
   * The validation chart: its lines, axis title and accessible name. Linear like the PSNR chart:
   * the held-out loss moves within a narrow band, where log-scale ticks crowd into each other.
   */
  series: LineSeries[];
  yLabel: string;
  label: string;
  /** The loss chart's name for its validation line. */
  valLossLabel: string;
  /** Why no PSNR is shown; null when there is one. */
  note: string | null;
  /** The stats line's validation figure; null where the view shows none (runs scored in PSNR, as always). */
  figure: string | null;
  /** Captions of the first two sample crops (with no reference, the "clean" crop is the noisy photo). */
  sampleCaptions: { clean: string; noisy: string };
}

export const NO_REFERENCE_NOTE =
  'No clean reference: these photos are already noisy, so no PSNR can be measured. The validation curve is the loss on held-out pixels (lower is better).';

export function validationDisplay(reference: ValidationReference, points: ValidationPoints): ValidationDisplay {
  if (reference === 'none') {
    return {
      // Short enough for a half-width chart at 1024 pixels; "lower is better" goes on the axis.
      series: [{ label: 'held-out blind-spot loss', x: points.valSteps, y: points.valLoss, color: '--chart-3' }],
      yLabel: 'loss (lower is better)',
      label: 'Held-out blind-spot loss by step (no clean reference, lower is better)',
      valLossLabel: 'held-out blind-spot loss',
      note: NO_REFERENCE_NOTE,
      figure: latestLossFigure(points),
      sampleCaptions: { clean: 'photo (already noisy)', noisy: 'model input' },
    };
  }
  return {
    series: [{ label: 'validation PSNR (dB)', x: points.valSteps, y: points.valPsnr, color: '--chart-3' }],
    yLabel: 'PSNR (dB)',
    label: 'Validation PSNR by step',
    valLossLabel: 'validation loss',
    note: null,
    figure: null,
    sampleCaptions: { clean: 'clean', noisy: 'corrupted' },
  };
}

/** The latest held-out loss for the stats line; a dash before the first validation or for a value that is not a number. */
function latestLossFigure(points: ValidationPoints): string {
  const value = points.valLoss[points.valLoss.length - 1];
  return `held-out loss ${value !== undefined && Number.isFinite(value) ? value.toExponential(3) : '–'}`;
}
