import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvKernels } from '../backend/wasm-conv-kernels';
import { loadModel, readModelMeta, saveModel } from '../store/model-files';
import type { Model, OptionValue } from './model';
import { createModel, getModelDefinition, listModelKinds, resolveModelSpec } from './registry';
import { texturePatches } from './synthetic-data';

/**
 * Every registered kind, in tiny variants: it trains without leaking tensors, and saves and
 * loads through the model files with its kind and options in meta.json. A kind added to the
 * registry without a case here fails the coverage test below.
 */
interface Case {
  kind: string;
  name: string;
  channels: 1 | 3;
  options: Record<string, OptionValue>;
}

const CASES: Case[] = [
  { kind: 'dae', name: 'dae tiny', channels: 1, options: { size: 'tiny' } },
  { kind: 'ae', name: 'ae dense sigmoid', channels: 1, options: { input: 8, latent: 16 } },
  { kind: 'ae', name: 'ae dense tied bce', channels: 1, options: { input: 8, latent: 16, tied: true, loss: 'bce' } },
  { kind: 'ae', name: 'ae conv relu rgb', channels: 3, options: { arch: 'conv', latent: 4, activation: 'relu' } },
  { kind: 'linear', name: 'linear', channels: 1, options: { input: 8, latent: 4 } },
  { kind: 'cae', name: 'cae dense exact', channels: 1, options: { input: 8, latent: 16, lambda: 0.5 } },
  { kind: 'cae', name: 'cae conv estimate', channels: 1, options: { arch: 'conv', latent: 4, projections: 2 } },
  { kind: 'sparse', name: 'sparse dense kl', channels: 1, options: { input: 8, latent: 16, rho: 0.1 } },
  { kind: 'sparse', name: 'sparse conv l1 tanh', channels: 1, options: { arch: 'conv', latent: 4, penalty: 'l1', activation: 'tanh' } },
  { kind: 'vae', name: 'vae bce', channels: 1, options: { input: 16, latent: 4, width: 8, loss: 'bce' } },
  { kind: 'vae', name: 'vae gaussian rgb', channels: 3, options: { input: 8, latent: 3, width: 4, beta: 0.5, sigma: 0.2 } },
  { kind: 'aae', name: 'aae gaussian', channels: 1, options: { input: 16, latent: 4, width: 8, discWidth: 16 } },
  { kind: 'aae', name: 'aae mixture rgb', channels: 3, options: { input: 8, latent: 2, width: 4, discWidth: 8, prior: 'mixture', components: 4 } },
];

let dir: string;
beforeAll(async () => {
  registerWasmConvKernels();
  await tf.setBackend('wasm');
  dir = await fs.mkdtemp(join(tmpdir(), 'kinds-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function batchFor(c: Case): tf.Tensor4D {
  const n = 2;
  const size = 16;
  const gray = texturePatches(n * c.channels, size, 3);
  // RGB: three different gray patches interleaved as channels.
  const data = c.channels === 1 ? gray : Float32Array.from({ length: gray.length }, (_, i) => gray[(i % 3) * n * size * size + Math.floor(i / 3)] as number);
  return tf.tensor4d(data, [n, size, size, c.channels]);
}

function step(model: Model, opt: tf.Optimizer, x: tf.Tensor4D): void {
  tf.tidy(() => void opt.minimize(() => model.loss({ input: x, target: x }).total, false, [...model.variables.values()]));
}

describe('every model kind', () => {
  it('has a case here', () => {
    const covered = new Set(CASES.map((c) => c.kind));
    expect(listModelKinds().map((d) => d.kind).filter((k) => !covered.has(k))).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.name}: no tensor leaks across training steps, predictions or loss parts`, () => {
      const model = createModel(resolveModelSpec(c.kind, c.channels, c.options), 1);
      const opt = tf.train.adam(1e-3);
      const x = batchFor(c);
      step(model, opt, x);
      step(model, opt, x);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step(model, opt, x);
      tf.tidy(() => {
        const terms = model.loss({ input: x, target: x, mask: tf.onesLike(x) });
        expect(Object.keys(terms.parts).length).toBeGreaterThan(0);
        for (const part of Object.values(terms.parts)) expect(Number.isFinite(part.dataSync()[0])).toBe(true);
      });
      model.predict(x).dispose();
      if (model.generative) {
        model.generative.sample(2, 1, 1).dispose();
        const zeros = tf.zeros([1, model.generative.imageSize, model.generative.imageSize, c.channels]) as tf.Tensor4D;
        const { mean, logVar } = model.generative.encode(zeros);
        model.generative.decode(mean).dispose();
        tf.dispose([zeros, mean, logVar]);
      }
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      opt.dispose();
      model.dispose();
    });

    it(`${c.name}: saves and loads with its kind and options in meta.json`, async () => {
      const spec = resolveModelSpec(c.kind, c.channels, c.options);
      const model = createModel(spec, 2);
      const opt = tf.train.adam(1e-2);
      const x = batchFor(c);
      step(model, opt, x);
      const target = join(dir, c.name.replace(/\W+/g, '-'));
      await saveModel(target, { model, backend: 'wasm', training: null, metrics: {}, optimizer: { name: 'adam', step: 1, weights: await opt.getWeights() } });
      const meta = await readModelMeta(target);
      expect(meta.spec).toEqual({ kind: c.kind, channels: c.channels, options: getModelDefinition(c.kind).resolveOptions(c.options) });
      const loaded = await loadModel(target);
      expect(loaded.model.spec).toEqual(spec);
      const [a, b] = tf.tidy(() => [model.predict(x).dataSync(), loaded.model.predict(x).dataSync()]);
      expect(Array.from(b as Float32Array)).toEqual(Array.from(a as Float32Array));
      if (model.generative && loaded.model.generative) {
        const [s, t] = tf.tidy(() => [model.generative?.sample(2, 5, 1).dataSync(), loaded.model.generative?.sample(2, 5, 1).dataSync()]);
        expect(Array.from(t as Float32Array)).toEqual(Array.from(s as Float32Array));
      }
      x.dispose();
      opt.dispose();
      model.dispose();
      loaded.model.dispose();
    });
  }
});
