import type { ModelInfo } from '../../../shared/contract';

/**
 * The model the Denoise view starts with: what suits a photo of unknown noise. A colour,
 * noise-level-aware denoiser first (one pass over colour, its level estimated per photo), then
 * any level-aware one, then any denoiser; generative models (which sample rather than clean)
 * only when nothing else exists. Among equals, the library's order.
 */
export function preferredDenoiser(models: readonly ModelInfo[]): string {
  const levelAware = (m: ModelInfo): boolean => m.options['noiseMap'] === true;
  const denoisers = models.filter((m) => !m.generative);
  const pick = denoisers.find((m) => m.channels === 3 && levelAware(m)) ?? denoisers.find(levelAware) ?? denoisers[0] ?? models[0];
  return pick?.dir ?? '';
}
