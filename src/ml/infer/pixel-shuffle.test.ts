import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { maxAbsDiff, seededFloatImage } from '../../test-support/float-images';
import { initBackend } from '../backend';
import type { Model } from '../models/model';
import { createModel, resolveModelSpec } from '../models/registry';
import { loadModel, META_FILE, saveModel } from '../store/model-files';
import { applyModel } from './apply-model';
import { checkPixelShuffleStride, pixelShuffleMerge, pixelShuffleSplit } from './pixel-shuffle';

describe('pixel-shuffle split and merge', () => {
  it('merge after split gives the image back, for sizes that are not multiples of the stride', () => {
    for (const [w, h, c] of [
      [7, 5, 3],
      [12, 12, 1],
      [1, 1, 3],
      [2, 9, 1],
      [31, 17, 3],
    ] as const) {
      for (let stride = 1; stride <= 6; stride++) {
        const image = seededFloatImage(w, h, c, w * 100 + h + stride);
        const subs = pixelShuffleSplit(image, stride);
        expect(subs).toHaveLength(Math.min(stride, w) * Math.min(stride, h));
        expect(Array.from(pixelShuffleMerge(subs, w, h, stride))).toEqual(Array.from(image.data));
      }
    }
  });

  it('sub-image (dy, dx) holds every stride-th pixel from row dy, column dx', () => {
    const image = seededFloatImage(7, 5, 3, 7);
    const subs = pixelShuffleSplit(image, 3);
    const sub = subs.find((s) => s.dy === 1 && s.dx === 2);
    expect(sub?.image.width).toBe(2); // columns 2 and 5
    expect(sub?.image.height).toBe(2); // rows 1 and 4
    const at = (data: Float32Array, width: number, x: number, y: number): number[] => Array.from(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    expect(at(sub?.image.data as Float32Array, 2, 1, 1)).toEqual(at(image.data, 7, 5, 4));
    expect(at(sub?.image.data as Float32Array, 2, 0, 1)).toEqual(at(image.data, 7, 2, 4));
    // Neighbours in a sub-image are `stride` pixels apart in the image.
    expect(at(subs[0]?.image.data as Float32Array, 3, 1, 0)).toEqual(at(image.data, 7, 3, 0));
  });

  it('refuses strides outside 1..6 and non-integers with E_INVALID_ARGUMENT', () => {
    for (const bad of [0, 7, -2, 1.5, Number.NaN]) {
      expect(() => checkPixelShuffleStride(bad)).toThrow(/pixel-shuffle stride must be an integer from 1 to 6/);
      expect(() => pixelShuffleSplit(seededFloatImage(8, 8, 1, 7), bad)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    }
    const subs = pixelShuffleSplit(seededFloatImage(8, 8, 1, 7), 2);
    expect(() => pixelShuffleMerge(subs.slice(1), 8, 8, 2)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => pixelShuffleMerge(subs, 9, 8, 2)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});

/** A 3 x 3 convolution mixing the channels: a local operator of receptive radius 1, like a tiny net. */
function convModel(): Model & { kernel: tf.Tensor4D } {
  const kernel = tf.tidy(() => tf.randomUniform([3, 3, 3, 3], -0.3, 0.3, 'float32', 5) as tf.Tensor4D);
  return {
    spec: { kind: 'test-conv', channels: 3, options: {} },
    variables: new Map(),
    sizeMultiple: 1,
    receptiveRadius: 1,
    predict: (input) => tf.conv2d(input, kernel, 1, 'same'),
    loss: () => {
      throw new Error('not trained');
    },
    dispose: () => kernel.dispose(),
    kernel,
  };
}

describe('denoising through pixel shuffle', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ force: 'wasm' });
    dir = await makeTempDir('pixel-shuffle-');
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('runs the net on each sub-image; tiled equals untiled; no tensors leak', async () => {
    const model = convModel();
    const image = seededFloatImage(150, 101, 3, 7);
    const before = tf.memory().numTensors;
    // Sub-images at stride 2 are 75 x 51: tiles of 40 need several per sub-image.
    const tiled = await applyModel(model, image, { gpu: false, pixelShuffleStride: 2, tileSize: 40 });
    const whole = await applyModel(model, image, { gpu: false, pixelShuffleStride: 2, tileSize: 512 });
    const plain = await applyModel(model, image, { gpu: false, tileSize: 512 });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(tiled.data, whole.data)).toBeLessThan(1e-5);
    // The reference: split, the net on each whole sub-image, merge (clamped as denoising clamps).
    const subs = pixelShuffleSplit(image, 2).map((s) => {
      const out = tf.tidy(() => model.predict(tf.tensor4d(s.image.data, [1, s.image.height, s.image.width, 3])).clipByValue(0, 1).dataSync());
      return { ...s, image: { ...s.image, data: Float32Array.from(out) } };
    });
    expect(maxAbsDiff(whole.data, pixelShuffleMerge(subs, 150, 101, 2))).toBeLessThan(1e-5);
    // And it is not what the net does on the photo itself.
    expect(maxAbsDiff(whole.data, plain.data)).toBeGreaterThan(1e-2);
    model.dispose();
  });

  it('reports progress over all sub-images, ending at the total', async () => {
    const model = convModel();
    const seen: Array<[number, number]> = [];
    await applyModel(model, seededFloatImage(150, 101, 3, 7), { gpu: false, pixelShuffleStride: 3, tileSize: 40, onProgress: (d, t) => seen.push([d, t]) });
    const total = seen[0]?.[1] as number;
    expect(seen.every(([, t]) => t === total)).toBe(true);
    expect(seen.at(-1)).toEqual([total, total]);
    for (let i = 1; i < seen.length; i++) expect((seen[i] as [number, number])[0]).toBeGreaterThanOrEqual((seen[i - 1] as [number, number])[0]);
    model.dispose();
  });

  it('a saved model keeps its stride in meta.json and denoises with it; a model saved without one behaves as before', async () => {
    const spec = resolveModelSpec('dae', 3, { size: 'tiny' });
    const model = createModel(spec, 3);
    const image = seededFloatImage(64, 48, 3, 7);
    const base = { model, backend: 'wasm', training: null, metrics: {} };
    await saveModel(join(dir, 'old'), base);
    await saveModel(join(dir, 'pd'), { ...base, inference: { pixelShuffleStride: 2 } });
    const oldMeta = JSON.parse(await fs.readFile(join(dir, 'old', META_FILE), 'utf8')) as Record<string, unknown>;
    expect(oldMeta).not.toHaveProperty('inference');
    const old = await loadModel(join(dir, 'old'));
    const pd = await loadModel(join(dir, 'pd'));
    expect(old.model.pixelShuffleStride).toBeUndefined();
    expect(pd.meta.inference).toEqual({ pixelShuffleStride: 2 });
    expect(pd.model.pixelShuffleStride).toBe(2);

    const before = tf.memory().numTensors;
    const direct = await applyModel(model, image, { gpu: false });
    const fromOld = await applyModel(old.model, image, { gpu: false });
    const fromPd = await applyModel(pd.model, image, { gpu: false });
    const pdByHand = await applyModel(model, image, { gpu: false, pixelShuffleStride: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(fromOld.data)).toEqual(Array.from(direct.data));
    expect(Array.from(fromPd.data)).toEqual(Array.from(pdByHand.data));
    expect(maxAbsDiff(fromPd.data, direct.data)).toBeGreaterThan(1e-4);
    // An override (AP-BSN's smaller inference stride) wins over the stored one.
    expect(Array.from((await applyModel(pd.model, image, { gpu: false, pixelShuffleStride: 1 })).data)).toEqual(Array.from(direct.data));
    [model, old.model, pd.model].forEach((m) => m.dispose());
  });

  it('a meta.json with a stride out of range is refused as damaged', async () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 1);
    await saveModel(join(dir, 'bad'), { model, backend: 'wasm', training: null, metrics: {}, inference: { pixelShuffleStride: 2 } });
    model.dispose();
    const file = join(dir, 'bad', META_FILE);
    const meta = JSON.parse(await fs.readFile(file, 'utf8')) as { inference: { pixelShuffleStride: number } };
    meta.inference.pixelShuffleStride = 9;
    await fs.writeFile(file, JSON.stringify(meta));
    await expect(loadModel(join(dir, 'bad'))).rejects.toMatchObject({ code: 'E_MODEL_CORRUPT' });
  });
});
