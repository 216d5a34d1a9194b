import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../../shared/contract';
import { preferredDenoiser } from './preferred-denoiser';

function model(dir: string, channels: 1 | 3, options: ModelInfo['options'], generative = false): ModelInfo {
  return { dir, name: dir, kind: generative ? 'vae' : 'dae', channels, options, createdAt: '', updatedAt: '', backend: 'wasm', generative, training: null, metrics: {}, checkpoints: [] };
}

describe('preferredDenoiser', () => {
  const vae = model('a-vae', 3, {}, true);
  const fixedGray = model('b-gray-sigma25', 1, { noiseMap: false });
  const levelGray = model('c-gray-level', 1, { noiseMap: true });
  const levelRgb = model('d-rgb-level', 3, { noiseMap: true });

  it('starts photos on the colour level-aware model, then any level-aware one, then any denoiser', () => {
    expect(preferredDenoiser([vae, fixedGray, levelGray, levelRgb])).toBe('d-rgb-level');
    expect(preferredDenoiser([vae, fixedGray, levelGray])).toBe('c-gray-level');
    expect(preferredDenoiser([vae, fixedGray])).toBe('b-gray-sigma25');
  });

  it('falls back to a generative model only when it is all there is, and to nothing for an empty library', () => {
    expect(preferredDenoiser([vae])).toBe('a-vae');
    expect(preferredDenoiser([])).toBe('');
  });
});
