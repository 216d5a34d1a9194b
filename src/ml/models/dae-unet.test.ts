import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAE_SIZES } from './dae-unet';
import { createModel, resolveModelSpec } from './registry';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('dae (residual U-Net)', () => {
  it('is fully convolutional: any size that is a multiple of 4, gray or colour', () => {
    for (const channels of [1, 3] as const) {
      const model = createModel(resolveModelSpec('dae', channels, { size: 'tiny' }), 0);
      for (const [h, w] of [
        [16, 16],
        [20, 36],
      ] as const) {
        const y = model.predict(tf.zeros([2, h, w, channels]));
        expect(y.shape).toEqual([2, h, w, channels]);
        y.dispose();
      }
      model.dispose();
    }
  });

  it('starts close to the identity (residual output with a small last layer)', () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'small' }), 1);
    const x = tf.randomUniform([1, 32, 32, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = model.predict(x);
    const rms = Math.sqrt(tf.mean(tf.square(tf.sub(y, x))).dataSync()[0] as number);
    expect(rms).toBeLessThan(0.1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it.each(DAE_SIZES)('%s: an input change farther than receptiveRadius leaves the output unchanged', (size) => {
    const model = createModel(resolveModelSpec('dae', 1, { size }), 2);
    const r = model.receptiveRadius;
    const side = 4 * Math.ceil((r + 8) / 2);
    const base = tf.randomUniform([1, side, side, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const poke = tf.buffer([1, side, side, 1]);
    poke.set(5, 0, 0, side - 1, 0); // top-right corner
    const poked = tf.add(base, poke.toTensor()) as tf.Tensor4D;
    const a = model.predict(base).arraySync()[0] as number[][][];
    const b = model.predict(poked).arraySync()[0] as number[][][];
    let farChanged = 0;
    let nearChanged = 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const changed = Math.abs((a[y]?.[x]?.[0] ?? 0) - (b[y]?.[x]?.[0] ?? 0)) > 1e-6;
        const far = Math.max(y, side - 1 - x) > r;
        if (far && changed) farChanged++;
        if (!far && changed) nearChanged++;
      }
    }
    expect(farChanged).toBe(0);
    expect(nearChanged).toBeGreaterThan(0);
    tf.dispose([base, poked]);
    model.dispose();
  });

  it('bce: outputs stay in (0, 1), the loss is the Bernoulli cross-entropy of them, and Adam steps lower it', async () => {
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny', loss: 'bce' }), 3);
    const target = tf.randomUniform([2, 16, 16, 1], 0.05, 0.95, 'float32', 11) as tf.Tensor4D;
    const input = tf.clipByValue(tf.add(target, tf.randomNormal([2, 16, 16, 1], 0, 0.1, 'float32', 12)), 0, 1) as tf.Tensor4D;
    const y = model.predict(input);
    const values = await y.data();
    expect(Math.min(...values)).toBeGreaterThan(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // The loss equals -mean(t log y + (1 - t) log(1 - y)) computed from the outputs directly.
    const direct = tf.tidy(() => tf.neg(tf.mean(tf.add(tf.mul(target, tf.log(y)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, y)))))));
    const terms = model.loss({ input, target });
    expect((await terms.total.data())[0]).toBeCloseTo((await direct.data())[0] as number, 4);
    const optimizer = tf.train.adam(1e-2);
    const first = (await terms.total.data())[0] as number;
    tf.dispose([y, direct, terms.total, ...Object.values(terms.parts)]);
    for (let i = 0; i < 20; i++) optimizer.minimize(() => model.loss({ input, target }).total, false, [...model.variables.values()]);
    const after = model.loss({ input, target });
    expect((await after.total.data())[0]).toBeLessThan(first);
    tf.dispose([after.total, ...Object.values(after.parts), input, target]);
    optimizer.dispose();
    model.dispose();
  });

  it('validates its options', () => {
    expect(() => resolveModelSpec('dae', 1, { size: 'huge' })).toThrow(/size.*tiny, small, medium/);
    expect(() => resolveModelSpec('dae', 1, { loss: 'l3' })).toThrow(/loss/);
  });
});
