import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDaeS } from '../models/dae-s';
import { initBackend } from './init-backend';
import { daeSGradients, fixedValues, relativeError } from './testing';

beforeAll(async () => {
  // One thread: this file checks the kernels; wasm-threads.test.ts checks the thread pool.
  const report = await initBackend({ force: 'wasm', wasmThreads: 1 });
  expect(report.active).toBe('wasm');
  expect(report.threads).toBe(1);
});

describe('training DAE-S on wasm', () => {
  it('has every kernel its forward and backward pass needs', () => {
    const needed = [
      'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Relu', 'Step', 'Multiply', 'Add',
      'Sub', 'Sum', 'Mean', 'SquaredDifference', 'RealDiv', 'Reshape', 'Cast', 'Identity', 'Sqrt', 'Square', 'Fill',
    ];
    expect(needed.filter((k) => tf.getKernel(k, 'wasm') === undefined)).toEqual([]);
  });

  it('gets the same gradients as the cpu backend', async () => {
    const shape: [number, number, number, number] = [2, 16, 16, 1];
    const ref = await daeSGradients('cpu', 3, shape);
    const got = await daeSGradients('wasm', 3, shape);
    expect(got.length).toBe(11);
    const errors = ref.map((r, i) => relativeError(r, got[i] as Float32Array));
    for (const e of errors) expect(e).toBeLessThan(1e-4);
  });

  it('leaks no tensor or buffer across Adam steps', async () => {
    await tf.setBackend('wasm');
    const model = createDaeS(1);
    const vars = [...model.variables.values()];
    const optimizer = tf.train.adam(1e-3);
    const x = tf.tensor4d(fixedValues(2 * 16 * 16, 4), [2, 16, 16, 1]);
    const step = (): void => {
      const cost = optimizer.minimize(() => tf.losses.meanSquaredError(x, model.apply(x)) as tf.Scalar, true, vars);
      cost?.dispose();
    };
    step(); // creates the optimizer's slots
    const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    for (let i = 0; i < 4; i++) step();
    const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    optimizer.dispose();
    model.dispose();
    x.dispose();
  });
});
