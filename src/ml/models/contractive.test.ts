import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/rng';
import type { AutoencoderModel } from './autoencoder';
import { denseJacobianNormSq, estimateJacobianNormSq } from './contractive';
import { createModel, getModelDefinition, resolveModelSpec } from './registry';
import { texturePatches } from './synthetic-data';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

function cae(options: Record<string, number | string | boolean>, seed = 1): AutoencoderModel {
  return createModel(resolveModelSpec('cae', 1, options), seed) as AutoencoderModel;
}

/** ||dh/dx||_F^2 of one sample by brute force: one autodiff gradient per code unit. */
function autodiffJacobianNormSq(model: AutoencoderModel, x: Float32Array, d: number, latent: number): number {
  const encodeFlat = model.encodeFlat as (v: tf.Tensor2D) => tf.Tensor2D;
  let total = 0;
  for (let j = 0; j < latent; j++) {
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.slice(encodeFlat(tf.reshape(v, [1, d])), [0, j], [1, 1])))(tf.tensor1d(x)).dataSync());
    for (const value of g) total += value * value;
  }
  return total;
}

describe('contractive autoencoder', () => {
  for (const activation of ['sigmoid', 'tanh'] as const) {
    it(`closed-form Jacobian norm equals the autodiff Jacobian (${activation} encoder)`, () => {
      const p = 3;
      const d = p * p;
      const latent = 5;
      const model = cae({ input: p, latent, activation, lambda: 1 });
      const rng = new Rng(4);
      const n = 4;
      const x = Float32Array.from({ length: n * d }, () => rng.next());
      const closed = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, d]);
        const w = model.encoderWeights as tf.Tensor2D;
        const pre = tf.add(tf.matMul(xt, w), model.variables.get('enc/b') as tf.Variable);
        return Array.from(denseJacobianNormSq(pre, (model.encodeFlat as (v: tf.Tensor2D) => tf.Tensor2D)(xt), w, activation).dataSync());
      });
      for (let r = 0; r < n; r++) {
        const brute = autodiffJacobianNormSq(model, x.subarray(r * d, (r + 1) * d), d, latent);
        expect(closed[r]).toBeCloseTo(brute, 5);
        expect(brute).toBeGreaterThan(1e-3);
      }
      // The model's penalty is that closed form, times lambda / D, averaged over the batch.
      const penalty = tf.tidy(() => model.penalty(tf.tensor2d(x, [n, d])).dataSync()[0] as number);
      expect(penalty).toBeCloseTo(closed.reduce((a, b) => a + b, 0) / n / d, 6);
      model.dispose();
    });
  }

  it('the stochastic estimate (for conv encoders) agrees with the closed form on a dense encoder', () => {
    const p = 4;
    const d = p * p;
    const model = cae({ input: p, latent: 8, lambda: 1 });
    const x = tf.tensor2d(texturePatches(1, p, 3), [1, d]);
    const encode = model.encodeFlat as (v: tf.Tensor) => tf.Tensor2D;
    const [exact, estimate] = tf.tidy(() => {
      const w = model.encoderWeights as tf.Tensor2D;
      const pre = tf.add(tf.matMul(x, w), model.variables.get('enc/b') as tf.Variable);
      const h = encode(x);
      return [denseJacobianNormSq(pre, h, w, 'sigmoid').dataSync()[0] as number, estimateJacobianNormSq(encode, x, h, new Rng(9), 3000).dataSync()[0] as number];
    });
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.06);
    x.dispose();
    model.dispose();
  });

  it('a positive lambda gives a smaller Jacobian norm on held-out patches than lambda = 0, all else equal', () => {
    const p = 8;
    const n = 512;
    const train = tf.tensor4d(texturePatches(n, p, 21), [n, p, p, 1]);
    const heldOut = tf.tensor4d(texturePatches(256, p, 22), [256, p, p, 1]);
    const heldOutNorm = (lambda: number): { jac: number; recon: number } => {
      const model = cae({ input: p, latent: 32, lambda });
      const vars = [...model.variables.values()];
      const opt = tf.train.adam(0.01);
      for (let i = 0; i < 300; i++) tf.tidy(() => void opt.minimize(() => model.loss({ input: train, target: train }).total, false, vars));
      const result = tf.tidy(() => {
        const flat = tf.reshape(heldOut, [-1, p * p]) as tf.Tensor2D;
        const w = model.encoderWeights as tf.Tensor2D;
        const pre = tf.add(tf.matMul(flat, w), model.variables.get('enc/b') as tf.Variable);
        const h = tf.sigmoid(pre);
        const jac = tf.mean(denseJacobianNormSq(pre, h, w, 'sigmoid')).dataSync()[0] as number;
        const recon = model.loss({ input: heldOut, target: heldOut }).parts['reconstruction']?.dataSync()[0] as number;
        return { jac, recon };
      });
      opt.dispose();
      model.dispose();
      return result;
    };
    const free = heldOutNorm(0);
    const contracted = heldOutNorm(0.5);
    expect(contracted.jac).toBeLessThan(free.jac * 0.5);
    // Still an autoencoder: it reconstructs, just less sharply.
    expect(contracted.recon).toBeLessThan(0.05);
    tf.dispose([train, heldOut]);
  });

  it('uses the exact form for dense encoders and the estimate for conv ones, and reports the penalty as a loss part', () => {
    const def = getModelDefinition('cae');
    expect(def.resolveOptions({})).toMatchObject({ arch: 'dense', jacobian: 'exact', lambda: 0.1 });
    expect(def.resolveOptions({ arch: 'conv' })).toMatchObject({ arch: 'conv', jacobian: 'estimate', projections: 1 });
    expect(() => def.resolveOptions({ arch: 'conv', jacobian: 'exact' })).toThrow(/dense/);
    const model = cae({ arch: 'conv', latent: 4, lambda: 0.1 });
    const x = tf.tensor4d(texturePatches(2, 16, 1), [2, 16, 16, 1]);
    const names = tf.tidy(() => Object.keys(model.loss({ input: x, target: x }).parts));
    expect(names).toEqual(['reconstruction', 'contractive']);
    x.dispose();
    model.dispose();
  });
});
