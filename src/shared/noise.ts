import { DenoiseError } from './errors';

/**
 * Corruptions applied to clean images to make training pairs (and evaluation inputs).
 * Levels are in the units users know: sigma on the 0..255 scale, probabilities in [0, 1].
 */
export type SingleNoiseSpec =
  | { type: 'gaussian'; sigma: number; sigmaMax?: number }
  | { type: 'salt-pepper'; amount: number }
  | { type: 'masking'; fraction: number }
  | { type: 'poisson-gaussian'; peak: number; sigma: number }
  /**
   * Realistic camera noise (Brooks et al. 2019): the sRGB image is unprocessed to linear raw,
   * given signal-dependent sensor noise of a random camera, demosaiced, processed back and saved
   * as JPEG, so the noise is signal-dependent and spatially correlated as in real photos.
   */
  | { type: 'camera' };

/** Several corruptions in one run: each patch draws one of the parts, with equal chances. */
export type NoiseSpec = SingleNoiseSpec | { type: 'mix'; parts: SingleNoiseSpec[] };

export type NoiseType = NoiseSpec['type'];

const USAGE =
  'expected gaussian:SIGMA, gaussian:MIN-MAX, salt-pepper:AMOUNT, masking:FRACTION, poisson-gaussian:PEAK,SIGMA or camera, or several joined by + (e.g. gaussian:25, gaussian:0-55+camera)';

/**
 * True when every patch's noise comes with a level a level-aware model can be told in training:
 * gaussian sigma, or a camera patch's measured level (not salt-and-pepper, masking or
 * Poisson-Gaussian, whose strength is not a noise level on the sigma scale).
 */
export function noiseHasLevels(noise: NoiseSpec): boolean {
  return noiseParts(noise).every((part) => part.type === 'gaussian' || part.type === 'camera');
}

/** The corruptions a spec can apply: its parts for a mix, else itself. */
export function noiseParts(noise: NoiseSpec): SingleNoiseSpec[] {
  return noise.type === 'mix' ? noise.parts : [noise];
}

function parseNumber(text: string | undefined, what: string, spec: string): number {
  const value = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Malformed noise "${spec}": ${what} is not a number; ${USAGE}`);
  }
  return value;
}

function inRange(value: number, lo: number, hi: number, what: string, spec: string): number {
  if (value < lo || value > hi) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Malformed noise "${spec}": ${what} must be in [${lo}, ${hi}]`);
  }
  return value;
}

/** Parses the CLI/IPC text form, e.g. "gaussian:25", "gaussian:0-50", "salt-pepper:0.05", "gaussian:0-55+camera". */
export function parseNoiseSpec(spec: string): NoiseSpec {
  const texts = spec.split('+');
  if (texts.length === 1) return parseSingleNoise(spec, spec);
  return { type: 'mix', parts: texts.map((text) => parseSingleNoise(text, spec)) };
}

function parseSingleNoise(text: string, spec: string): SingleNoiseSpec {
  const [type, arg, ...rest] = text.trim().split(':');
  if (type === 'camera') {
    if (arg !== undefined) throw new DenoiseError('E_INVALID_ARGUMENT', `Malformed noise "${spec}": camera takes no level (its cameras are drawn at random)`);
    return { type: 'camera' };
  }
  if (rest.length > 0 || arg === undefined) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Malformed noise "${spec}": ${USAGE}`);
  }
  switch (type) {
    case 'gaussian': {
      const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(arg);
      if (range) {
        const lo = inRange(parseNumber(range[1], 'sigma', spec), 0, 255, 'sigma', spec);
        const hi = inRange(parseNumber(range[2], 'sigma', spec), 0, 255, 'sigma', spec);
        if (hi < lo) throw new DenoiseError('E_INVALID_ARGUMENT', `Malformed noise "${spec}": range is reversed`);
        return { type: 'gaussian', sigma: lo, sigmaMax: hi };
      }
      return { type: 'gaussian', sigma: inRange(parseNumber(arg, 'sigma', spec), 0, 255, 'sigma', spec) };
    }
    case 'salt-pepper':
      return { type: 'salt-pepper', amount: inRange(parseNumber(arg, 'amount', spec), 0, 1, 'amount', spec) };
    case 'masking':
      return { type: 'masking', fraction: inRange(parseNumber(arg, 'fraction', spec), 0, 1, 'fraction', spec) };
    case 'poisson-gaussian': {
      const [peak, sigma, extra] = arg.split(',');
      if (extra !== undefined) throw new DenoiseError('E_INVALID_ARGUMENT', `Malformed noise "${spec}": ${USAGE}`);
      return {
        type: 'poisson-gaussian',
        peak: inRange(parseNumber(peak, 'peak', spec), 1e-3, 1e6, 'peak', spec),
        sigma: inRange(parseNumber(sigma, 'sigma', spec), 0, 255, 'sigma', spec),
      };
    }
    default:
      throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown noise type "${type ?? ''}" in "${spec}": ${USAGE}`);
  }
}

export function formatNoiseSpec(noise: NoiseSpec): string {
  switch (noise.type) {
    case 'mix':
      return noise.parts.map(formatNoiseSpec).join('+');
    case 'camera':
      return 'camera';
    case 'gaussian':
      return noise.sigmaMax === undefined ? `gaussian:${noise.sigma}` : `gaussian:${noise.sigma}-${noise.sigmaMax}`;
    case 'salt-pepper':
      return `salt-pepper:${noise.amount}`;
    case 'masking':
      return `masking:${noise.fraction}`;
    case 'poisson-gaussian':
      return `poisson-gaussian:${noise.peak},${noise.sigma}`;
  }
}
