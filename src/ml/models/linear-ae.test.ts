import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AutoencoderModel } from './autoencoder';
import { pca, pcaReconstruct, pcaReconstructionMse } from './pca';
import { createModel, getModelDefinition, resolveModelSpec } from './registry';
import { texturePatches } from './synthetic-data';

beforeAll(async () => {
  // Dense ops only, so wasm (several times faster than cpu here) needs no extra kernels.
  await tf.setBackend('wasm');
});

const P = 8;
const D = P * P;
const K = 8;
const N = 600;

function meanSquaredError(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return s / a.length;
}

describe('linear autoencoder', () => {
  it('reaches PCA\'s optimal reconstruction error for the same number of components (within 2%)', async () => {
    const data = texturePatches(N, P, 11);
    const fit = pca(data, N, D);
    const optimum = pcaReconstructionMse(fit, K);
    // The closed form agrees with actually projecting the data.
    expect(meanSquaredError(pcaReconstruct(fit, data, N, K), data)).toBeCloseTo(optimum, 6);

    const model = createModel(resolveModelSpec('linear', 1, { input: P, latent: K }), 5) as AutoencoderModel;
    const x = tf.tensor4d(data, [N, P, P, 1]);
    const vars = [...model.variables.values()];
    const schedule: [number, number][] = [
      [0.03, 1000],
      [0.01, 500],
      [0.003, 300],
    ];
    for (const [lr, steps] of schedule) {
      const opt = tf.train.adam(lr);
      for (let i = 0; i < steps; i++) tf.tidy(() => void opt.minimize(() => model.loss({ input: x, target: x }).total, false, vars));
      opt.dispose();
    }
    const y = model.predict(x);
    const achieved = meanSquaredError(y.dataSync() as Float32Array, data);
    tf.dispose([x, y]);
    model.dispose();
    // PCA is the optimum, so the autoencoder can only match it (up to float32 rounding).
    expect(achieved).toBeGreaterThan(optimum * 0.999);
    expect(achieved).toBeLessThan(optimum * 1.02);
  });

  it('is dense and linear whatever is asked, and refuses the conv form', () => {
    const spec = resolveModelSpec('linear', 1, { latent: 4 });
    expect(spec.options).toMatchObject({ arch: 'dense', activation: 'linear', loss: 'mse', latent: 4, input: 16, tied: true });
    expect(() => getModelDefinition('linear').resolveOptions({ arch: 'conv' })).toThrow(/dense/);
  });
});
