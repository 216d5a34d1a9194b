import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { DenoiseError } from '../shared/errors';

/** node:util parseArgs with the engine's error type, so bad flags read like every other bad input. */
export type OptionsSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends OptionsSpec>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new DenoiseError('E_INVALID_ARGUMENT', (err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

export function requireString(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new DenoiseError('E_INVALID_ARGUMENT', `Missing required option ${flag}`);
  return value;
}

export function numberArg(value: string | undefined, flag: string, range: { min: number; max: number; integer?: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n))) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `${flag} must be ${range.integer ? 'an integer' : 'a number'} in [${range.min}, ${range.max}], got "${value}"`);
  }
  return n;
}

/** The flags of the commands that score models on a data folder (eval, compare): one spec for both. */
export const SCORING_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  noise: { type: 'string', default: 'gaussian:25' },
  seed: { type: 'string', default: '0' },
  json: { type: 'boolean' },
  recursive: { type: 'boolean' },
  backend: { type: 'string' },
} as const satisfies OptionsSpec;

/** `--pairs NOISY:CLEAN`; a drive letter (C:\\...) on either side is not taken for the separator. */
export function parsePairs(text: string): { noisyDir: string; cleanDir: string } {
  const m = /^((?:[A-Za-z]:[\\/])?[^:]+):((?:[A-Za-z]:[\\/])?[^:]+)$/.exec(text);
  if (!m) throw new DenoiseError('E_INVALID_ARGUMENT', `--pairs expects NOISY_DIR:CLEAN_DIR, got "${text}"`);
  return { noisyDir: resolve(m[1] as string), cleanDir: resolve(m[2] as string) };
}
