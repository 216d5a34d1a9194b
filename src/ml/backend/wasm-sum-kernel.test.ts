import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedValues, relativeError, valuesOn } from './testing';
import { registerWasmSumKernel } from './wasm-sum-kernel';

beforeAll(() => {
  registerWasmSumKernel();
});

describe('wasm Sum', () => {
  const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
    { shape: [8, 16, 16, 32], axis: [0, 1, 2], keepDims: false }, // a bias gradient
    { shape: [8, 16, 16, 1], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 5, 6], axis: [1, 0], keepDims: true },
    { shape: [4, 5, 6], axis: 0, keepDims: false },
    // Not leading axes: the built-in kernel.
    { shape: [4, 5, 6], axis: [1], keepDims: false },
    { shape: [4, 5, 6], axis: -1, keepDims: true },
    { shape: [7, 3], axis: [0, 1], keepDims: false },
    { shape: [10], axis: 0, keepDims: false },
  ];

  it.each(cases)('matches the cpu backend: $shape over $axis', async ({ shape, axis, keepDims }) => {
    const values = fixedValues(shape.reduce((a, b) => a * b), 17);
    const run = (): tf.Tensor => {
      const x = tf.tensor(values, shape);
      const s = tf.sum(x, axis, keepDims);
      x.dispose();
      return s;
    };
    const shapes: number[][] = [];
    const [ref] = await valuesOn('cpu', () => {
      const s = run();
      shapes.push(s.shape);
      return s;
    });
    const [got] = await valuesOn('wasm', () => {
      const s = run();
      shapes.push(s.shape);
      return s;
    });
    expect(shapes[1]).toEqual(shapes[0]);
    expect(relativeError(ref as Float32Array, got as Float32Array)).toBeLessThan(1e-5);
  });

  it('frees its temporary buffers', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([4, 8, 8, 3]);
    tf.sum(x, [0, 1, 2]).dispose();
    const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    for (let i = 0; i < 3; i++) tf.sum(x, [0, 1, 2]).dispose();
    expect((tf.memory() as tf.MemoryInfo & { numDataBuffers: number }).numDataBuffers).toBe(before.numDataBuffers);
    x.dispose();
  });
});
