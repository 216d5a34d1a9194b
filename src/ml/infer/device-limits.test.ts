import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../models/model';
import { applyModel } from './apply-model';
import { setDeviceBufferLimit, WIDEST_ACTIVATION_BYTES_PER_PIXEL } from './device-limits';

/** Tiles on a GPU are sized from the adapter's buffer limit, so no feature map outgrows one buffer. */
const identity = {
  spec: { kind: 'identity', channels: 1, options: {} },
  variables: new Map(),
  sizeMultiple: 4,
  receptiveRadius: 8,
  predict: (x: tf.Tensor4D) => tf.clone(x),
  loss: () => {
    throw new Error('not trained');
  },
  dispose: () => undefined,
} as unknown as Model;

async function tilesFor(gpu: boolean): Promise<number> {
  let total = 0;
  const image = { width: 600, height: 600, channels: 1 as const, bitDepth: 8 as const, data: new Float32Array(600 * 600).fill(0.5) };
  const out = await applyModel(identity, image, { gpu, onProgress: (_done, t) => (total = t) });
  expect(out.data[1234]).toBeCloseTo(0.5, 6);
  return total;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => setDeviceBufferLimit(undefined));

describe('GPU tile size from the device limit', () => {
  it('keeps 512-pixel tiles where the buffers allow, and shrinks them under a 128 MiB binding limit', async () => {
    const roomy = await tilesFor(true);
    setDeviceBufferLimit(128 * 2 ** 20);
    const tight = await tilesFor(true);
    expect(tight).toBeGreaterThan(roomy);
    // 4 tiles of side s hold 4 * s^2 * 512 bytes at the widest layer: 128-pixel tiles fit, 512 would not.
    expect(4 * 512 * 512 * WIDEST_ACTIVATION_BYTES_PER_PIXEL).toBeGreaterThan(128 * 2 ** 20);
    // A CPU backend ignores the GPU's limit.
    expect(await tilesFor(false)).toBe(roomy);
  });
});
