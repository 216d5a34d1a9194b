import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { BackendReport } from '../../shared/backend';
import { isDenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { applyModel } from '../infer/apply-model';
import type { Model, OptionValue } from '../models/model';
import { createModel, listModelKinds, resolveModelSpec } from '../models/registry';
import { texturePatches } from '../models/synthetic-data';
import { initBackend } from './init-backend';
import { daeSGradients, fixedValues, relativeError, valuesOn } from './testing';
import { injectDeviceError, loseDeviceForTest, releaseWebgpu } from './webgpu-backend';
import { registerWebgpuKernels } from './webgpu-kernels';

/**
 * The engine on tfjs's WebGPU backend, forced onto whatever adapter Dawn offers (on CI and
 * development machines without a GPU: Mesa's llvmpipe through OpenGL ES). One file on purpose:
 * the device and its compiled shaders are shared, and shader compilation is most of the cost
 * on a software adapter. Where no adapter can be had every test is skipped with the reason.
 */
let report: BackendReport | null = null;
let unavailable = '';

beforeAll(async () => {
  try {
    report = await initBackend({ force: 'webgpu' });
  } catch (error) {
    unavailable = error instanceof Error ? error.message : String(error);
    console.warn(`webgpu tests skipped: ${unavailable}`);
  }
});

afterAll(() => {
  // Frees the device; Dawn otherwise keeps the worker alive.
  releaseWebgpu();
});

function needGpu(ctx: TestContext): void {
  if (report === null) ctx.skip(`no WebGPU adapter: ${unavailable}`);
}

async function onWebgpu<T>(fn: () => Promise<T>): Promise<T> {
  await tf.setBackend('webgpu');
  return fn();
}

describe('webgpu backend', () => {
  it('names the adapter in the report', (ctx) => {
    needGpu(ctx);
    const r = report as BackendReport;
    expect(r.active).toBe('webgpu');
    expect(r.adapter?.driver).toBeTruthy();
    expect(r.adapter?.maxBufferBytes).toBeGreaterThan(0);
    expect(r.isGpu).toBe(!r.adapter?.software);
    expect(r.customKernels).toEqual(['Conv2DBackpropFilter']);
  });

  describe('kernels against the cpu backend', () => {
    const x = fixedValues(2 * 12 * 12 * 3, 1);
    const xShape: [number, number, number, number] = [2, 12, 12, 3];
    const cases: { name: string; stride: 1 | 2; pad: 'same' | 'valid'; k: number }[] = [
      { name: 'stride 1 same', stride: 1, pad: 'same', k: 3 },
      { name: 'stride 2 same', stride: 2, pad: 'same', k: 3 },
      { name: 'stride 2 valid', stride: 2, pad: 'valid', k: 3 },
    ];
    for (const c of cases) {
      it(`conv2d and both its gradients, ${c.name}`, async (ctx) => {
        needGpu(ctx);
        const w = fixedValues(c.k * c.k * 3 * 5, 2);
        const grads = (): tf.Tensor[] => {
          const xt = tf.tensor4d(x, xShape);
          const wt = tf.tensor4d(w, [c.k, c.k, 3, 5]);
          const f = (...[a, b]: tf.Tensor[]): tf.Tensor => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)));
          const [gx, gw] = tf.grads(f)([xt, wt]) as [tf.Tensor, tf.Tensor];
          const y = tf.conv2d(xt, wt, c.stride, c.pad);
          tf.dispose([xt, wt]);
          return [y, gx, gw];
        };
        const ref = await valuesOn('cpu', grads);
        const got = await onWebgpu(() => valuesOn('webgpu', grads));
        ref.forEach((r, i) => expect(relativeError(r, got[i] as Float32Array)).toBeLessThan(1e-4));
      });
    }

    it('conv2dTranspose stride 2 and its gradients', async (ctx) => {
      needGpu(ctx);
      const h = fixedValues(2 * 6 * 6 * 4, 3);
      const w = fixedValues(3 * 3 * 3 * 4, 4);
      const grads = (): tf.Tensor[] => {
        const ht = tf.tensor4d(h, [2, 6, 6, 4]);
        const wt = tf.tensor4d(w, [3, 3, 3, 4]);
        const f = (...[a, b]: tf.Tensor[]): tf.Tensor => tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 12, 12, 3], 2, 'same')));
        const out = tf.grads(f)([ht, wt]);
        tf.dispose([ht, wt]);
        return out;
      };
      const ref = await valuesOn('cpu', grads);
      const got = await onWebgpu(() => valuesOn('webgpu', grads));
      ref.forEach((r, i) => expect(relativeError(r, got[i] as Float32Array)).toBeLessThan(1e-4));
    });

    it('nearest-neighbour upsampling gradient (batch 2) against the analytic sum of each 2x2 block', async (ctx) => {
      // The cpu backend's ResizeNearestNeighborGrad is wrong for batch > 1, so no cpu reference.
      needGpu(ctx);
      const dy = fixedValues(2 * 8 * 8 * 2, 5);
      const [got] = await onWebgpu(() =>
        valuesOn('webgpu', () => {
          const x = tf.zeros([2, 4, 4, 2]) as tf.Tensor4D;
          const dyt = tf.tensor4d(dy, [2, 8, 8, 2]);
          const g = tf.grad((a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [8, 8]))(x, dyt);
          tf.dispose([x, dyt]);
          return g;
        }),
      );
      const want = new Float32Array(2 * 4 * 4 * 2);
      for (let b = 0; b < 2; b++)
        for (let y = 0; y < 8; y++)
          for (let xx = 0; xx < 8; xx++)
            for (let c = 0; c < 2; c++) {
              const k = ((b * 4 + (y >> 1)) * 4 + (xx >> 1)) * 2 + c;
              want[k] = (want[k] as number) + (dy[((b * 8 + y) * 8 + xx) * 2 + c] as number);
            }
      expect(relativeError(want, got as Float32Array)).toBeLessThan(1e-5);
    });

    it('the engine\'s filter gradient in batch chunks (small buffer budget) equals the cpu one', async (ctx) => {
      needGpu(ctx);
      // 4 MiB chunks: one sample of this im2col is 2.4 MB, so three matmuls are summed.
      registerWebgpuKernels(16 * 2 ** 20);
      try {
        const x = fixedValues(3 * 32 * 32 * 64, 6);
        const dy = fixedValues(3 * 32 * 32 * 8, 7);
        const grad = (): tf.Tensor => {
          const xt = tf.tensor4d(x, [3, 32, 32, 64]);
          const dyt = tf.tensor4d(dy, [3, 32, 32, 8]);
          const g = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 64, 8] }) as tf.Tensor;
          tf.dispose([xt, dyt]);
          return g;
        };
        const [ref] = await valuesOn('cpu', grad);
        const [got] = await onWebgpu(() => valuesOn('webgpu', grad));
        expect(relativeError(ref as Float32Array, got as Float32Array)).toBeLessThan(1e-4);
      } finally {
        registerWebgpuKernels((report as BackendReport).adapter?.maxBufferBytes ?? 2 ** 27);
      }
    });

    it('DAE-S gradients equal the cpu ones', async (ctx) => {
      needGpu(ctx);
      const ref = await daeSGradients('cpu', 3, [2, 16, 16, 1]);
      const got = await onWebgpu(() => daeSGradients('webgpu', 3, [2, 16, 16, 1]));
      ref.forEach((r, i) => expect(relativeError(r, got[i] as Float32Array)).toBeLessThan(1e-3));
    });
  });

  describe('every model kind trains without leaking', () => {
    // Small variants: on a software adapter every kernel launch costs milliseconds. The VAE's
    // loss is noisier (sampled latents), so it gets a larger step.
    const cases: { kind: string; options: Record<string, OptionValue>; lr: number }[] = [
      { kind: 'dae', options: { size: 'tiny' }, lr: 1e-3 },
      { kind: 'ae', options: { input: 8, latent: 16 }, lr: 1e-3 },
      { kind: 'linear', options: { input: 8, latent: 4 }, lr: 1e-3 },
      { kind: 'cae', options: { input: 8, latent: 16, lambda: 0.5 }, lr: 1e-3 },
      { kind: 'sparse', options: { input: 8, latent: 16, rho: 0.1 }, lr: 1e-3 },
      { kind: 'vae', options: { input: 16, latent: 4, width: 8, loss: 'bce' }, lr: 1e-2 },
      { kind: 'aae', options: { input: 16, latent: 4, width: 8, discWidth: 8 }, lr: 1e-3 },
    ];

    it('covers every registered kind', () => {
      expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(listModelKinds().map((d) => d.kind)));
    });

    for (const c of cases) {
      it(`${c.kind}: Adam steps lower the loss and leave tf.memory() flat`, async (ctx) => {
        needGpu(ctx);
        await tf.setBackend('webgpu');
        const model = createModel(resolveModelSpec(c.kind, 1, c.options), 1);
        const x = tf.tensor4d(texturePatches(2, 16, 3), [2, 16, 16, 1]);
        const optimizer = tf.train.adam(c.lr);
        const vars = [...model.variables.values()];
        // Each step's loss is the one before its update.
        const step = async (): Promise<number> => {
          const cost = optimizer.minimize(() => model.loss({ input: x, target: x }).total, true, vars) as tf.Scalar;
          const v = (await cost.data())[0] as number;
          cost.dispose();
          return v;
        };
        const first = await step(); // also creates Adam's slots
        const tensors = tf.memory().numTensors;
        await step();
        await step();
        const last = await step();
        expect(tf.memory().numTensors).toBe(tensors);
        expect(Number.isFinite(last)).toBe(true);
        expect(last).toBeLessThan(first);
        optimizer.dispose();
        model.dispose();
        x.dispose();
      });
    }
  });

  describe('denoising', () => {
    let model: Model;
    // Sides are multiples of the net's sizeMultiple (4): a whole-image run of any other size
    // sees reflected rows past the border where the edge tiles see the real border.
    const image = (w: number, h: number): FloatImage => ({ width: w, height: h, channels: 1, bitDepth: 8, data: fixedValues(w * h, 9).map((v) => 0.5 + 0.4 * v) });
    let tiled: FloatImage;
    beforeAll(() => {
      if (report !== null) model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 2);
    });
    afterAll(() => model?.dispose());

    it('tiled equals untiled', async (ctx) => {
      needGpu(ctx);
      await tf.setBackend('webgpu');
      const before = tf.memory().numTensors;
      const whole = await applyModel(model, image(96, 92), { gpu: true, tileSize: 128, tileBatch: 1 });
      // 92 is the smallest tile for this net's overlap: two tiles, as one batch.
      tiled = await applyModel(model, image(96, 92), { gpu: true, tileSize: 92, tileBatch: 2 });
      expect(relativeError(whole.data, tiled.data)).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('halves the tile batch after a device out-of-memory error and finishes', async (ctx) => {
      needGpu(ctx);
      if (tiled === undefined) ctx.skip('needs the tiled result of the test before');
      await tf.setBackend('webgpu');
      // Reported by the device as Dawn would, surfacing at the read of the first batch (two tiles).
      injectDeviceError('GPUOutOfMemoryError', 'Out of memory: buffer allocation failed');
      const batches: number[] = [];
      const got = await applyModel(model, image(96, 92), { gpu: true, tileSize: 92, tileBatch: 2, onProgress: (done) => batches.push(done) });
      // Progress after each finished batch: one tile at a time after the halving.
      expect(batches).toEqual([0, 1, 2]);
      expect(relativeError(tiled.data, got.data)).toBeLessThan(1e-5);
    });

    it('fails a job with the device error when it is not memory', async (ctx) => {
      needGpu(ctx);
      await tf.setBackend('webgpu');
      injectDeviceError('GPUValidationError', 'Invalid ComputePipeline');
      const failure = await applyModel(model, image(40, 40), { gpu: true, tileSize: 128, tileBatch: 1 }).catch((e: unknown) => e);
      expect(isDenoiseError(failure)).toBe(false);
      expect(String((failure as Error).message)).toMatch(/GPUValidationError: Invalid ComputePipeline/);
    });
  });

  // Last: it loses the device the other tests use.
  it('a lost device fails the read with E_GPU_OOM instead of hanging, and a new start gets a fresh device', async (ctx) => {
    needGpu(ctx);
    await tf.setBackend('webgpu');
    const t = tf.tidy(() => tf.add(tf.ones([64]), 1));
    loseDeviceForTest();
    const failure = await t.data().catch((e: unknown) => e);
    t.dispose();
    expect(isDenoiseError(failure) && failure.code).toBe('E_GPU_OOM');
    expect(isDenoiseError(failure) && failure.details?.['deviceLost']).toBe(true);
    const again = await initBackend({ force: 'webgpu' });
    expect(again.active).toBe('webgpu');
    const u = tf.tidy(() => tf.add(tf.ones([4]), 1));
    expect(Array.from(await u.data())).toEqual([2, 2, 2, 2]);
    u.dispose();
  });
});
