import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { runSmokeTest } from './smoke-test';

describe('runSmokeTest', () => {
  const original = tf.getKernel('Conv2DBackpropFilter', 'cpu');

  afterEach(() => {
    if (tf.getKernel('Conv2DBackpropFilter', 'cpu') !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(original);
  });

  it('passes on the cpu backend without leaking', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const result = await runSmokeTest();
    expect(result).toMatchObject({ ok: true });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails when a gradient kernel is missing', async () => {
    await tf.setBackend('cpu');
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    const result = await runSmokeTest();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/Conv2DBackpropFilter/);
  });

  it('fails when a gradient kernel returns finite garbage', async () => {
    await tf.setBackend('cpu');
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    // A gradient pointing the wrong way: finite, non-zero, and useless.
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const out = original.kernelFunc(args) as tf.TensorInfo;
        const backend = args.backend as { data: { get(id: object): { values: Float32Array } } };
        const values = backend.data.get(out.dataId).values;
        for (let i = 0; i < values.length; i++) values[i] = -(values[i] as number);
        return out;
      },
    });
    const result = await runSmokeTest();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/did not lower the loss/);
  });
});
