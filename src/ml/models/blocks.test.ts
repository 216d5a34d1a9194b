import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockwise, fromBlocks, padSymmetric, toBlocks } from './blocks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ramp = (shape: [number, number, number, number]): tf.Tensor4D => tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);

describe('blocks', () => {
  it('cuts a batch into row-major blocks and puts it back', () => {
    const x = ramp([2, 4, 6, 3]);
    const blocks = toBlocks(x, 2);
    expect(blocks.shape).toEqual([12, 2, 2, 3]);
    // Block 1 of image 0 is rows 0-1, columns 2-3.
    const b1 = tf.slice(blocks, [1, 0, 0, 0], [1, 2, 2, 3]);
    const expected = tf.slice(x, [0, 0, 2, 0], [1, 2, 2, 3]);
    expect(Array.from(b1.dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(Array.from(fromBlocks(blocks, 2, 4, 6).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(() => toBlocks(x, 4)).toThrow(/multiple of 4/);
  });

  it('pads symmetrically (edge repeated, period 2n) by more than the image side', () => {
    const x = tf.tensor4d([1, 2], [1, 1, 2, 1]);
    const padded = padSymmetric(x, 0, 2, 3, 1);
    expect(padded.shape).toEqual([1, 3, 6, 1]);
    expect(Array.from(padded.dataSync()).slice(0, 6)).toEqual([2, 2, 1, 1, 2, 2]);
  });

  it('runs a block function over any image size, with half-block shifts, and keeps the size', () => {
    for (const [h, w] of [
      [5, 7],
      [16, 16],
      [3, 40],
    ] as const) {
      const x = tf.randomUniform([2, h, w, 1]) as tf.Tensor4D;
      // An identity block function must give the image back exactly, shifts and padding included.
      const y = blockwise(x, 8, (b) => b.clone());
      expect(y.shape).toEqual(x.shape);
      expect(tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]).toBeLessThan(1e-6);
      // A block function that sees its whole block: each output depends on its block only.
      const z = blockwise(x, 8, (b) => tf.mul(b, 2), false);
      expect(tf.max(tf.abs(tf.sub(tf.mul(x, 2), z))).dataSync()[0]).toBeLessThan(1e-6);
    }
  });
});
