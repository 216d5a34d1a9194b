import { DenoiseError } from '../../shared/errors';
import type { OptionValue } from './model';

/** Typed readers for a kind's options, with one error wording for every kind. */
export function optionNumber(
  options: Record<string, OptionValue>,
  key: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = options[key] ?? fallback;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    const kind = range.integer ? 'an integer' : 'a number';
    throw new DenoiseError('E_INVALID_ARGUMENT', `Option "${key}" must be ${kind} in [${range.min}, ${range.max}], got ${String(raw)}`);
  }
  return value;
}

export function optionChoice<T extends string>(options: Record<string, OptionValue>, key: string, choices: readonly T[], fallback: T): T {
  const raw = options[key] ?? fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Option "${key}" must be one of ${choices.join(', ')}, got ${String(raw)}`);
  }
  return raw as T;
}

export function optionBoolean(options: Record<string, OptionValue>, key: string, fallback: boolean): boolean {
  const raw = options[key] ?? fallback;
  if (raw === true || raw === 'true' || raw === 1) return true;
  if (raw === false || raw === 'false' || raw === 0) return false;
  throw new DenoiseError('E_INVALID_ARGUMENT', `Option "${key}" must be true or false, got ${String(raw)}`);
}
