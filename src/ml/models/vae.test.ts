import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvKernels } from '../backend/wasm-conv-kernels';
import { Rng } from '../data/rng';
import { klToStandardNormal } from './likelihood';
import { createModel, getModelDefinition, resolveModelSpec } from './registry';
import { discImages } from './synthetic-data';
import type { VaeModel } from './vae';

beforeAll(async () => {
  registerWasmConvKernels();
  await tf.setBackend('wasm');
});

const S = 16;

function vae(options: Record<string, number | string | boolean> = {}, seed = 1): VaeModel {
  return createModel(resolveModelSpec('vae', 1, { input: S, latent: 4, width: 8, ...options }), seed) as VaeModel;
}

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return s / a.length;
}

describe('variational autoencoder', () => {
  it('the KL term equals its closed form against a Monte-Carlo estimate', () => {
    const mean = [0.5, -1.2, 0.1, 0, 2, -0.3];
    const logVar = [-0.7, 0.4, -2, 0, 0.3, 1];
    const closed = tf.tidy(() => Array.from(klToStandardNormal(tf.tensor2d(mean, [2, 3]), tf.tensor2d(logVar, [2, 3])).dataSync()));
    const rng = new Rng(17);
    const samples = 200_000;
    for (let r = 0; r < 2; r++) {
      // E_q[log q(z) - log p(z)] with z ~ q = N(mean, exp(logVar)), one dimension at a time.
      let sum = 0;
      for (let s = 0; s < samples; s++) {
        for (let j = 0; j < 3; j++) {
          const mu = mean[r * 3 + j] as number;
          const lv = logVar[r * 3 + j] as number;
          const z = mu + Math.exp(lv / 2) * rng.normal();
          const logQ = -0.5 * (Math.log(2 * Math.PI) + lv + (z - mu) ** 2 / Math.exp(lv));
          const logP = -0.5 * (Math.log(2 * Math.PI) + z * z);
          sum += logQ - logP;
        }
      }
      const monteCarlo = sum / samples;
      expect(Math.abs(monteCarlo - (closed[r] as number))).toBeLessThan(0.02 * Math.max(1, closed[r] as number));
    }
  });

  it('reports reconstruction and KL separately, and the KL part is the closed form of its encoder', () => {
    const model = vae({ beta: 2 });
    const x = tf.tensor4d(discImages(4, S, 3), [4, S, S, 1]);
    const [total, rec, kl, klDirect] = tf.tidy(() => {
      const terms = model.loss({ input: x, target: x });
      const { mean, logVar } = model.generative.encode(x);
      return [terms.total, terms.parts['reconstruction'], terms.parts['kl'], tf.mean(klToStandardNormal(mean, logVar))].map((t) => (t as tf.Tensor).dataSync()[0] as number);
    });
    expect(kl).toBeCloseTo(klDirect as number, 5);
    expect(total).toBeCloseTo((rec as number) + 2 * (kl as number), 3);
    x.dispose();
    model.dispose();
  });

  it('after a short training on synthetic images, samples differ from each other and reconstructions beat the mean image', () => {
    const n = 512;
    const train = discImages(n, S, 5);
    const heldOut = discImages(64, S, 6);
    const model = vae({ latent: 4, width: 8 });
    const x = tf.tensor4d(train, [n, S, S, 1]);
    const vars = [...model.variables.values()];
    const opt = tf.train.adam(0.005);
    const batch = 64;
    for (let step = 0; step < 400; step++) {
      const start = (step * batch) % n;
      tf.tidy(() => {
        const b = tf.slice(x, [start, 0, 0, 0], [batch, S, S, 1]);
        opt.minimize(() => model.loss({ input: b, target: b }).total, false, vars);
      });
    }
    // The mean image of the training set is the best constant guess.
    const meanImage = new Float32Array(S * S);
    for (let i = 0; i < train.length; i++) meanImage[i % (S * S)] = (meanImage[i % (S * S)] as number) + (train[i] as number) / n;
    const meanGuess = new Float32Array(heldOut.length).map((_, i) => meanImage[i % (S * S)] as number);
    const recon = tf.tidy(() => model.predict(tf.tensor4d(heldOut, [64, S, S, 1])).dataSync() as Float32Array);
    expect(mse(recon, heldOut)).toBeLessThan(0.5 * mse(meanGuess, heldOut));

    const samples = tf.tidy(() => model.generative.sample(16, 7, 1).dataSync() as Float32Array);
    const per = S * S;
    let pairs = 0;
    let distinct = 0;
    for (let a = 0; a < 16; a++) {
      for (let b = a + 1; b < 16; b++) {
        pairs++;
        if (mse(samples.subarray(a * per, (a + 1) * per), samples.subarray(b * per, (b + 1) * per)) > 1e-3) distinct++;
      }
    }
    expect(distinct).toBe(pairs);
    // Each sample has structure (a disc on a ground), not one flat value.
    for (let a = 0; a < 16; a++) {
      const img = samples.subarray(a * per, (a + 1) * per);
      expect(Math.max(...img) - Math.min(...img)).toBeGreaterThan(0.2);
    }
    x.dispose();
    opt.dispose();
    model.dispose();
  });

  it('samples are fixed by their seed; temperature 0 decodes the prior mean', () => {
    const model = vae();
    const [a, b, c, cold] = tf.tidy(() => [model.generative.sample(3, 1, 1), model.generative.sample(3, 1, 1), model.generative.sample(3, 2, 1), model.generative.sample(3, 1, 0)].map((t) => t.dataSync() as Float32Array));
    expect(Array.from(a as Float32Array)).toEqual(Array.from(b as Float32Array));
    expect(mse(a as Float32Array, c as Float32Array)).toBeGreaterThan(0);
    const per = S * S;
    expect(Array.from((cold as Float32Array).subarray(0, per))).toEqual(Array.from((cold as Float32Array).subarray(per, 2 * per)));
    model.dispose();
  });

  it('validates its options', () => {
    const def = getModelDefinition('vae');
    expect(def.resolveOptions({})).toEqual({ input: 32, latent: 32, width: 32, beta: 1, loss: 'mse', sigma: 0.1 });
    expect(def.resolveOptions({ loss: 'bce' })).toEqual({ input: 32, latent: 32, width: 32, beta: 1, loss: 'bce' });
    expect(() => def.resolveOptions({ input: 20 })).toThrow(/multiple of 8/);
    expect(def.patchMultiple?.({ input: 24 })).toBe(24);
  });
});
