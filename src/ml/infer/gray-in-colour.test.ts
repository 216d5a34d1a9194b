import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededFloatImage } from '../../test-support/float-images';
import { initBackend } from '../backend';
import type { Model } from '../models/model';
import { createModel, resolveModelSpec } from '../models/registry';
import { applyModel, GRAY_IN_COLOUR_LEVEL } from './apply-model';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

/** Records the level map each predict call is given (its first value, on the 0-255 scale). */
function recordLevels(model: Model): number[] {
  const levels: number[] = [];
  const predict = model.predict.bind(model);
  model.predict = (input: tf.Tensor4D, level?: tf.Tensor4D): tf.Tensor4D => {
    if (level) levels.push((level.dataSync()[0] as number) * 255);
    return predict(input, level);
  };
  return levels;
}

describe('a level-aware colour model on a gray photo', () => {
  it('is told sigma x sqrt(3), the independent-noise level whose channel mean matches the photo noise; colour photos get sigma as given', async () => {
    const model = createModel(resolveModelSpec('dae', 3, { size: 'tiny', noiseMap: true }), 3);
    const levels = recordLevels(model);
    try {
      const gray = await applyModel(model, seededFloatImage(40, 36, 1, 5), { gpu: false, sigma: 20 });
      expect(gray.channels).toBe(1);
      expect(levels.length).toBeGreaterThan(0);
      for (const l of levels) expect(l).toBeCloseTo(20 * GRAY_IN_COLOUR_LEVEL, 3);
      levels.length = 0;
      await applyModel(model, seededFloatImage(40, 36, 3, 5), { gpu: false, sigma: 20 });
      for (const l of levels) expect(l).toBeCloseTo(20, 3);
      expect(GRAY_IN_COLOUR_LEVEL).toBeCloseTo(Math.sqrt(3), 12);
    } finally {
      model.dispose();
    }
  });
});
