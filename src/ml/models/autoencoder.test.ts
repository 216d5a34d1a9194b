import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvKernels } from '../backend/wasm-conv-kernels';
import type { AutoencoderModel } from './autoencoder';
import { bceWithLogits } from './likelihood';
import { createModel, getModelDefinition, resolveModelSpec } from './registry';
import { texturePatches } from './synthetic-data';

beforeAll(async () => {
  registerWasmConvKernels();
  await tf.setBackend('wasm');
});

function ae(options: Record<string, number | string | boolean>, channels: 1 | 3 = 1): AutoencoderModel {
  return createModel(resolveModelSpec('ae', channels, options), 1) as AutoencoderModel;
}

describe('plain autoencoder', () => {
  it('is undercomplete by default and warns when the code can learn the identity', () => {
    const def = getModelDefinition('ae');
    const warn = (options: Record<string, number | string | boolean>, channels: 1 | 3 = 1) => def.warnings?.(resolveModelSpec('ae', channels, options)) ?? [];
    expect(def.resolveOptions({})).toEqual({ arch: 'dense', input: 16, latent: 64, activation: 'sigmoid', tied: false, loss: 'mse' });
    expect(def.resolveOptions({ arch: 'conv' })).toEqual({ arch: 'conv', latent: 8, activation: 'sigmoid', loss: 'mse' });
    expect(warn({})).toEqual([]);
    expect(warn({ arch: 'conv' })).toEqual([]);
    expect(warn({ latent: 256 })[0]).toMatch(/identity/);
    expect(warn({ input: 8, latent: 100 })[0]).toMatch(/100 code units.*64 values/);
    expect(warn({ arch: 'conv', latent: 16 })[0]).toMatch(/identity/);
    expect(warn({ arch: 'conv', latent: 16 }, 3)).toEqual([]);
    // Regularised kinds do not warn: their penalty is what stops the identity.
    expect(getModelDefinition('cae').warnings).toBeUndefined();
    expect(getModelDefinition('sparse').warnings).toBeUndefined();
  });

  it('a tied decoder has no matrix of its own and decodes with W^T', () => {
    const model = ae({ input: 4, latent: 5, tied: true, activation: 'tanh' });
    expect([...model.variables.keys()].sort()).toEqual(['dec/b', 'enc/b', 'enc/w']);
    const x = tf.randomUniform([3, 4, 4, 1]) as tf.Tensor4D;
    const [got, want] = tf.tidy(() => {
      tf.tidy(() => (model.variables.get('dec/b') as tf.Variable).assign(tf.randomNormal([16])));
      const w = model.encoderWeights as tf.Tensor2D;
      const flat = tf.reshape(x, [3, 16]);
      const h = tf.tanh(tf.add(tf.matMul(flat, w), model.variables.get('enc/b') as tf.Variable));
      const y = tf.sigmoid(tf.add(tf.matMul(h, w, false, true), model.variables.get('dec/b') as tf.Variable));
      return [model.predict(x).dataSync(), y.dataSync()];
    });
    Array.from(got as Float32Array).forEach((v, i) => expect(v).toBeCloseTo((want as Float32Array)[i] as number, 5));
    expect(() => getModelDefinition('ae').resolveOptions({ arch: 'conv', tied: true })).toThrow(/dense/);
    x.dispose();
    model.dispose();
  });

  it('binary cross-entropy from logits equals the textbook formula and stays finite when saturated', () => {
    const [value, huge] = tf.tidy(() => [
      bceWithLogits(tf.tensor1d([-2, 0.5, 3]), tf.tensor1d([0.1, 0.7, 1])).dataSync()[0] as number,
      bceWithLogits(tf.tensor1d([200, -200]), tf.tensor1d([0, 1])).dataSync()[0] as number,
    ]);
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    const naive = ([[-2, 0.1], [0.5, 0.7], [3, 1]] as const).map(([z, t]) => -(t * Math.log(sig(z)) + (1 - t) * Math.log(1 - sig(z))));
    expect(value).toBeCloseTo(naive.reduce((a, b) => a + b, 0) / 3, 5);
    expect(huge).toBeCloseTo(200, 3);
  });

  it('with a mask, only masked pixels count in the reconstruction', () => {
    const model = ae({ input: 4, latent: 3 });
    const x = tf.tensor4d(texturePatches(2, 4, 1), [2, 4, 4, 1]);
    const target = tf.zerosLike(x) as tf.Tensor4D;
    const [full, masked, manual] = tf.tidy(() => {
      const mask = tf.tensor4d(Float32Array.from({ length: 32 }, (_, i) => (i % 5 === 0 ? 1 : 0)), [2, 4, 4, 1]);
      const y = model.predict(x);
      const manualValue = tf.div(tf.sum(tf.mul(tf.square(y), mask)), tf.sum(mask));
      return [
        model.loss({ input: x, target }).total.dataSync()[0] as number,
        model.loss({ input: x, target, mask }).total.dataSync()[0] as number,
        manualValue.dataSync()[0] as number,
      ];
    });
    expect(masked).toBeCloseTo(manual, 6);
    expect(masked).not.toBeCloseTo(full, 4);
    tf.dispose([x, target]);
    model.dispose();
  });

  const trainable: Record<string, number | string | boolean>[] = [
    { input: 8, latent: 16, activation: 'relu', loss: 'bce' },
    { arch: 'conv', latent: 4, activation: 'tanh' },
  ];
  for (const options of trainable) {
    it(`learns to reconstruct (${JSON.stringify(options)})`, () => {
      const model = ae(options);
      const x = tf.tensor4d(texturePatches(32, 16, 4), [32, 16, 16, 1]);
      const opt = tf.train.adam(0.005);
      const mse = (): number => tf.tidy(() => tf.mean(tf.square(tf.sub(model.predict(x), x))).dataSync()[0] as number);
      const before = mse();
      for (let i = 0; i < 60; i++) tf.tidy(() => void opt.minimize(() => model.loss({ input: x, target: x }).total, false, [...model.variables.values()]));
      expect(mse()).toBeLessThan(before * 0.5);
      x.dispose();
      opt.dispose();
      model.dispose();
    });
  }
});
