import { numberArg } from './args';

/**
 * The noise level on the command line, as `denoise` and `eval --pairs` both take and print it:
 * `--sigma auto` (or no flag) estimates it per image, `--sigma N` sets it (0..255 scale).
 */
export function parseSigmaFlag(value: string | undefined): number | 'auto' {
  return value === undefined || value === 'auto' ? 'auto' : (numberArg(value, '--sigma', { min: 0, max: 255 }) as number);
}

/** " (sigma 12.00, estimated)" after an image's line; empty for a model that takes no level. */
export function describeLevel(sigma: number | undefined, estimated: boolean | undefined): string {
  return sigma === undefined ? '' : ` (sigma ${sigma.toFixed(2)}${estimated ? ', estimated' : ''})`;
}
