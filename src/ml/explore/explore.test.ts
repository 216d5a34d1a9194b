import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../data/rng';
import { codesOf, encoderJacobians, jacobianNormsSq, jacobianSpectra, mmdSquared, principalAngles, reconstructionField } from './analysis';
import { createToyModel, priorDraws, type ToyModelOptions } from './toy-models';
import { gridPoints, makeToyData, nearestOnManifold } from './toy-data';
import { trainToyModel } from './toy-train';

// wasm: the engine's CPU backend of choice, several times faster than tfjs's plain-JS one here.
beforeAll(async () => {
  await tf.setBackend('wasm');
});

async function trained(options: ToyModelOptions, data: Float32Array, steps: number) {
  const model = createToyModel(options);
  await trainToyModel(model, data, { steps, seed: 1 });
  return model;
}

/** Points at distance in (lo, hi) from the manifold, from a grid. */
function offManifold(manifold: Float32Array, lo: number, hi: number): Float32Array {
  const grid = gridPoints([-1.6, 1.6], 24);
  const kept: number[] = [];
  for (let i = 0; i < grid.length / 2; i++) {
    const d = Math.sqrt(nearestOnManifold(manifold, grid[2 * i] as number, grid[2 * i + 1] as number).distSq);
    if (d > lo && d < hi) kept.push(grid[2 * i] as number, grid[2 * i + 1] as number);
  }
  return Float32Array.from(kept);
}

describe('toy data', () => {
  it('is seeded, sized and near its manifold', () => {
    const a = makeToyData({ name: 'spiral', count: 500, noise: 0.05, seed: 3 });
    const b = makeToyData({ name: 'spiral', count: 500, noise: 0.05, seed: 3 });
    expect(a.points).toEqual(b.points);
    expect(a.points.length).toBe(1000);
    let sum = 0;
    for (let i = 0; i < 500; i++) sum += nearestOnManifold(a.manifold, a.points[2 * i] as number, a.points[2 * i + 1] as number).distSq;
    // Mean squared distance to the curve is about noise^2 * (2 - 1): the normal component only.
    expect(sum / 500).toBeLessThan(0.05 * 0.05 * 2);
  });

  it('rejects bad settings with a clear error', () => {
    expect(() => makeToyData({ name: 'torus' as never, count: 100, noise: 0.1, seed: 0 })).toThrow(/Unknown toy data set/);
    expect(() => makeToyData({ name: 'circle', count: 3, noise: 0.1, seed: 0 })).toThrow(/point count/);
    expect(() => createToyModel({ kind: 'pca' as never, seed: 0 })).toThrow(/Unknown kind/);
  });
});

describe('what each kind learns', () => {
  it('a DAE field off the circle points toward the nearest data', async () => {
    // The spiral needs about 800 steps of the default width for a mean cosine of 0.9 (measured,
    // docs/explore.md); the circle shows the same property in a few hundred, which keeps this fast.
    const data = makeToyData({ name: 'circle', count: 1000, noise: 0.03, seed: 0 });
    const model = await trained({ kind: 'dae', hidden: 32, seed: 0 }, data.points, 300);
    const probes = offManifold(data.manifold, 0.08, 0.2);
    const field = await reconstructionField(model, probes);
    let cosSum = 0;
    const n = probes.length / 2;
    for (let i = 0; i < n; i++) {
      const x = probes[2 * i] as number;
      const y = probes[2 * i + 1] as number;
      const near = nearestOnManifold(data.manifold, x, y).index;
      const tx = (data.manifold[2 * near] as number) - x;
      const ty = (data.manifold[2 * near + 1] as number) - y;
      const fx = field[2 * i] as number;
      const fy = field[2 * i + 1] as number;
      cosSum += (tx * fx + ty * fy) / (Math.hypot(tx, ty) * Math.hypot(fx, fy) + 1e-12);
    }
    expect(n).toBeGreaterThan(40);
    expect(cosSum / n).toBeGreaterThan(0.8);
    model.dispose();
  });

  it("a CAE's encoder is less sensitive off the manifold than a plain AE's", async () => {
    const data = makeToyData({ name: 'circle', count: 800, noise: 0.03, seed: 0 });
    const ae = await trained({ kind: 'ae', seed: 0 }, data.points, 200);
    const cae = await trained({ kind: 'cae', lambda: 0.3, seed: 0 }, data.points, 200);
    const probes = offManifold(data.manifold, 0.25, 0.6);
    const mean = (v: Float32Array): number => v.reduce((s, x) => s + x, 0) / v.length;
    const aeNorm = mean(jacobianNormsSq(await encoderJacobians(ae, probes), 2));
    const caeNorm = mean(jacobianNormsSq(await encoderJacobians(cae, probes), 2));
    expect(caeNorm).toBeLessThan(aeNorm / 2);
    // On the circle the CAE keeps its sensitivity along the curve: the leading direction is tangent.
    const onCurve = new Float32Array([1, 0, 0, 1, -1, 0, 0, -1]);
    const spectra = jacobianSpectra(await encoderJacobians(cae, onCurve), 2);
    for (let i = 0; i < 4; i++) {
      const radial = Math.abs((onCurve[2 * i] as number) * (spectra[4 * i + 2] as number) + (onCurve[2 * i + 1] as number) * (spectra[4 * i + 3] as number));
      expect(radial).toBeLessThan(0.5);
      expect(spectra[4 * i] as number).toBeGreaterThan(spectra[4 * i + 1] as number);
    }
    ae.dispose();
    cae.dispose();
  });

  it("a linear AE's subspace is PCA's (principal angle near 0)", async () => {
    // Elongated Gaussian cloud along the direction (cos 0.5, sin 0.5).
    const rng = new Rng(2);
    const points = new Float32Array(2000);
    for (let i = 0; i < 1000; i++) {
      const a = rng.normal();
      const b = 0.2 * rng.normal();
      points[2 * i] = a * Math.cos(0.5) - b * Math.sin(0.5);
      points[2 * i + 1] = a * Math.sin(0.5) + b * Math.cos(0.5);
    }
    const model = await trained({ kind: 'linear', seed: 0 }, points, 300);
    const decoderRow = await (model.variables.get('dec0/w') as tf.Variable).data();
    const [angle] = principalAngles(Float32Array.from(decoderRow), new Float32Array([Math.cos(0.5), Math.sin(0.5)]), 1, 2);
    expect(angle).toBeLessThan(0.05);
    model.dispose();
  });

  it('principal angles of known subspaces', () => {
    // span(e1, e2) vs span(e1, cos t e2 + sin t e3) in R^3: angles 0 and t.
    const t = 0.7;
    const angles = principalAngles(new Float64Array([1, 0, 0, 0, 1, 0]), new Float64Array([1, 0, 0, 0, Math.cos(t), Math.sin(t)]), 2, 3);
    expect(angles[0]).toBeCloseTo(0, 6);
    expect(angles[1]).toBeCloseTo(t, 6);
  });

  it("an AAE's codes move toward the prior (MMD falls, and ends below a plain AE's)", async () => {
    // The ring-of-Gaussians prior: far from where an unregularised code would fall by chance.
    const data = makeToyData({ name: 'moons', count: 600, noise: 0.05, seed: 0 });
    const prior = priorDraws('mixture', 300, 2, new Rng(9));
    const probe = data.points.subarray(0, 600);
    const aae = createToyModel({ kind: 'aae', prior: 'mixture', seed: 0 });
    const before = mmdSquared(await codesOf(aae, probe), prior, 2);
    await trainToyModel(aae, data.points, { steps: 600, seed: 1 });
    const after = mmdSquared(await codesOf(aae, probe), prior, 2);
    const ae = await trained({ kind: 'ae', seed: 0 }, data.points, 600);
    const plain = mmdSquared(await codesOf(ae, probe), prior, 2);
    expect(after).toBeLessThan(before / 2);
    expect(after).toBeLessThan(plain / 2);
    aae.dispose();
    ae.dispose();
  });

  it('trains every kind without leaking tensors', async () => {
    const data = makeToyData({ name: 'gaussians', count: 200, noise: 0.1, seed: 0 });
    for (const kind of ['ae', 'dae', 'cae', 'sparse', 'vae', 'aae', 'linear'] as const) {
      const model = createToyModel({ kind, seed: 0 });
      const before = tf.memory().numTensors;
      const result = await trainToyModel(model, data.points, { steps: 20, reportEvery: 10, seed: 0 });
      await reconstructionField(model, data.points);
      await encoderJacobians(model, data.points.subarray(0, 20));
      expect(tf.memory().numTensors).toBe(before);
      expect(Object.values(result.parts).every(Number.isFinite)).toBe(true);
      model.dispose();
    }
  });
});
