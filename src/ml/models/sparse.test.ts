import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AutoencoderModel } from './autoencoder';
import { createModel, getModelDefinition, resolveModelSpec } from './registry';
import { bernoulliKl } from './sparse';
import { texturePatches } from './synthetic-data';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const P = 8;
const train = (): tf.Tensor4D => tf.tensor4d(texturePatches(512, P, 31), [512, P, P, 1]);
const heldOut = (): tf.Tensor4D => tf.tensor4d(texturePatches(256, P, 32), [256, P, P, 1]);

/** Trains a dense sparse AE and returns its codes, [patches, latent], on held-out and on training patches. */
function trainedCodes(options: Record<string, number | string | boolean>, kind = 'sparse', steps = 400): { codes: Float32Array; trainCodes: Float32Array; latent: number } {
  const model = createModel(resolveModelSpec(kind, 1, { input: P, latent: 32, ...options }), 2) as AutoencoderModel;
  const x = train();
  const y = heldOut();
  const vars = [...model.variables.values()];
  const opt = tf.train.adam(0.01);
  for (let i = 0; i < steps; i++) tf.tidy(() => void opt.minimize(() => model.loss({ input: x, target: x }).total, false, vars));
  const codes = tf.tidy(() => model.encode(y).dataSync() as Float32Array);
  const trainCodes = tf.tidy(() => model.encode(x).dataSync() as Float32Array);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return { codes, trainCodes, latent: 32 };
}

function unitMeans(codes: Float32Array, latent: number): number[] {
  const n = codes.length / latent;
  const means = new Array<number>(latent).fill(0);
  for (let i = 0; i < codes.length; i++) means[i % latent] = (means[i % latent] as number) + (codes[i] as number) / n;
  return means;
}

describe('sparse autoencoder', () => {
  it('Bernoulli KL is zero at rho and matches its formula elsewhere', () => {
    const values = tf.tidy(() => [bernoulliKl(0.05, tf.tensor1d([0.05, 0.05])).dataSync()[0], bernoulliKl(0.1, tf.tensor1d([0.3])).dataSync()[0]]);
    expect(values[0]).toBeCloseTo(0, 6);
    expect(values[1]).toBeCloseTo(0.1 * Math.log(0.1 / 0.3) + 0.9 * Math.log(0.9 / 0.7), 5);
  });

  it('with the KL penalty, the mean activation after training is near the target rate rho', () => {
    const rho = 0.05;
    const { codes, trainCodes, latent } = trainedCodes({ penalty: 'kl', rho, lambda: 3 });
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    // On the data it was trained on (where the penalty measures rho_hat) ...
    const trainMeans = unitMeans(trainCodes, latent);
    expect(Math.abs(mean(trainMeans) - rho)).toBeLessThan(0.015);
    // ... every unit, not just the average, is pulled toward rho ...
    expect(Math.max(...trainMeans)).toBeLessThan(0.15);
    // ... and it carries over to patches it never saw.
    expect(Math.abs(mean(unitMeans(codes, latent)) - rho)).toBeLessThan(0.04);
    // Without the penalty the same network is nowhere near that sparse.
    const free = trainedCodes({}, 'ae');
    expect(mean(unitMeans(free.codes, free.latent))).toBeGreaterThan(0.2);
  });

  it('with the L1 activity penalty, more code values are near zero than without it', () => {
    const nearZero = (codes: Float32Array): number => codes.filter((v) => Math.abs(v) < 0.05).length / codes.length;
    const withL1 = nearZero(trainedCodes({ penalty: 'l1', lambda: 0.5 }).codes);
    const without = nearZero(trainedCodes({ penalty: 'l1', lambda: 0 }).codes);
    expect(withL1).toBeGreaterThan(without + 0.3);
  });

  it('refuses the KL penalty on a code that is not in (0, 1)', () => {
    expect(() => getModelDefinition('sparse').resolveOptions({ activation: 'relu' })).toThrow(/sigmoid/);
    expect(getModelDefinition('sparse').resolveOptions({ activation: 'relu', penalty: 'l1' })).toMatchObject({ penalty: 'l1', activation: 'relu' });
  });
});
