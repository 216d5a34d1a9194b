import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, seededFloatImage } from '../../test-support/float-images';
import { initBackend } from '../backend';
import { createModel, resolveModelSpec } from '../models/registry';
import { applyModel } from './apply-model';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

/**
 * A real net (strided levels: inputs must be multiples of 4) on images whose sides are not
 * multiples of 4: tiles must see the same reflected border as the whole-image run.
 */
describe('tiled inference of a strided net equals the whole-image run at any image size', () => {
  it.each([
    [230, 157],
    [197, 262],
    [259, 128],
  ])('%i x %i', async (width, height) => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 7);
    expect(model.sizeMultiple).toBeGreaterThan(1);
    const image = seededFloatImage(width, height, 1, width);
    const whole = await applyModel(model, image, { gpu: false, tileSize: 512 });
    const tiled = await applyModel(model, image, { gpu: false, tileSize: 96 });
    model.dispose();
    expect(maxAbsDiff(whole.data, tiled.data)).toBeLessThan(1e-4);
  });
});
