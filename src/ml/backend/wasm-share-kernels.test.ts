import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmShareKernels } from './wasm-share-kernels';

beforeAll(async () => {
  registerWasmShareKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

describe('wasm Identity and Cast', () => {
  it('share the buffer and free it only with the last reference', () => {
    const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    c.dispose();
    expect((tf.memory() as tf.MemoryInfo & { numDataBuffers: number }).numDataBuffers).toBe(before.numDataBuffers);
  });

  it('still converts between dtypes', () => {
    const x = tf.tensor1d([1.7, -2.2, 0]);
    expect(Array.from(tf.cast(x, 'int32').dataSync())).toEqual([1, -2, 0]);
    expect(Array.from(tf.cast(tf.tensor1d([1, 0], 'int32'), 'float32').dataSync())).toEqual([1, 0]);
  });

  it('keep variables independent of the tensors they were made from', () => {
    const init = tf.tensor1d([1, 2]);
    const v = tf.variable(tf.clone(init));
    v.assign(tf.tensor1d([5, 6]));
    expect(Array.from(init.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    tf.dispose([init, v]);
  });
});
