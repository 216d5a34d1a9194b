import { describe, expect, it } from 'vitest';
import { formatNoiseSpec, parseNoiseSpec } from '../../../shared/noise';
import { toNoiseSpec } from './training';

/** The Train view's noise form: one fixed gaussian level, or a range for level-aware models. */
describe('train form noise', () => {
  it('gives a fixed level without a range and a range with one, as the CLI spells them', () => {
    expect(toNoiseSpec({ type: 'gaussian', level: 25, peak: 30, levelMax: null })).toEqual({ type: 'gaussian', sigma: 25 });
    const range = toNoiseSpec({ type: 'gaussian', level: 0, peak: 30, levelMax: 55 });
    expect(range).toEqual({ type: 'gaussian', sigma: 0, sigmaMax: 55 });
    expect(parseNoiseSpec(formatNoiseSpec(range))).toEqual(range);
  });

  it('with camera noise ticked, gives the mix the CLI spells gaussian:0-55+camera', () => {
    const spec = toNoiseSpec({ type: 'gaussian', level: 0, peak: 30, levelMax: 55, camera: true });
    expect(formatNoiseSpec(spec)).toBe('gaussian:0-55+camera');
    expect(toNoiseSpec({ type: 'gaussian', level: 25, peak: 30, levelMax: null, camera: false })).toEqual({ type: 'gaussian', sigma: 25 });
  });

  it('a range whose top is not above its bottom is one fixed level', () => {
    expect(toNoiseSpec({ type: 'gaussian', level: 30, peak: 30, levelMax: 30 })).toEqual({ type: 'gaussian', sigma: 30 });
  });
});

describe('noise text form', () => {
  it('reads camera noise and mixes joined by +, and writes them back the same way', () => {
    expect(parseNoiseSpec('camera')).toEqual({ type: 'camera' });
    const mix = parseNoiseSpec('gaussian:0-55+camera');
    expect(mix).toEqual({ type: 'mix', parts: [{ type: 'gaussian', sigma: 0, sigmaMax: 55 }, { type: 'camera' }] });
    expect(formatNoiseSpec(mix)).toBe('gaussian:0-55+camera');
    expect(() => parseNoiseSpec('camera:5')).toThrow(/camera takes no level/);
    expect(() => parseNoiseSpec('gaussian:5+')).toThrow(/Malformed noise "gaussian:5\+"/);
  });
});
