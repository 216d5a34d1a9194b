import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDaeS, DAE_S_LAYERS } from './dae-s';

type S4 = [number, number, number, number];
interface Act {
  values: Float32Array;
  shape: S4;
}

/** NHWC conv the way PyTorch's Conv2d defines it: symmetric zero padding p, stride s. */
function torchConv(x: Float32Array, [n, h, w, ci]: S4, wt: Float32Array, k: number, co: number, s: number, p: number): Act {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  const out = new Float32Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < co; o++) {
          let acc = 0;
          for (let a = 0; a < k; a++)
            for (let c = 0; c < k; c++) {
              const y = oy * s + a - p;
              const xx = ox * s + c - p;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let i = 0; i < ci; i++) acc += (x[((b * h + y) * w + xx) * ci + i] as number) * (wt[((a * k + c) * ci + i) * co + o] as number);
            }
          out[((b * oh + oy) * ow + ox) * co + o] = acc;
        }
  return { values: out, shape: [n, oh, ow, co] as S4 };
}

/** PyTorch's ConvTranspose2d: out[i*s + a - p] += in[i] * W[a]; size (h-1)*s - 2p + k + op. Filter [k, k, out, in]. */
function torchConvT(x: Float32Array, [n, h, w, ci]: S4, wt: Float32Array, k: number, co: number, s: number, p: number, op: number): Act {
  const oh = (h - 1) * s - 2 * p + k + op;
  const ow = (w - 1) * s - 2 * p + k + op;
  const out = new Float32Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < w; ix++)
        for (let a = 0; a < k; a++)
          for (let c = 0; c < k; c++) {
            const y = iy * s + a - p;
            const xx = ix * s + c - p;
            if (y < 0 || y >= oh || xx < 0 || xx >= ow) continue;
            for (let o = 0; o < co; o++) {
              let acc = 0;
              for (let i = 0; i < ci; i++) acc += (x[((b * h + iy) * w + ix) * ci + i] as number) * (wt[((a * k + c) * co + o) * ci + i] as number);
              out[((b * oh + y) * ow + xx) * co + o] = (out[((b * oh + y) * ow + xx) * co + o] as number) + acc;
            }
          }
  return { values: out, shape: [n, oh, ow, co] as S4 };
}

function biasRelu(v: Act, bias: Float32Array, relu: boolean): Act {
  const co = bias.length;
  const values = v.values.map((x, i) => {
    const y = x + (bias[i % co] as number);
    return relu ? Math.max(0, y) : y;
  });
  return { values, shape: v.shape };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DAE-S', () => {
  it('has the reference architecture: 74,497 parameters in five layers', () => {
    const model = createDaeS(0);
    const shapes = Object.fromEntries([...model.variables].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'conv1/w': [3, 3, 1, 32], 'conv1/b': [32],
      'conv2/w': [3, 3, 32, 64], 'conv2/b': [64],
      'conv3/w': [3, 3, 64, 64], 'conv3/b': [64],
      'convT4/w': [3, 3, 32, 64], 'convT4/b': [32],
      'conv5/w': [3, 3, 32, 1], 'conv5/b': [1],
    });
    const count = [...model.variables.values()].reduce((n, v) => n + v.size, 0);
    expect(count).toBe(74_497); // sum(p.numel() for p in dae_s().parameters()) in the torch script
    expect(DAE_S_LAYERS.map((l) => l.name)).toEqual(['conv1', 'conv2', 'conv3', 'convT4', 'conv5']);
    model.dispose();
  });

  it('computes exactly what the PyTorch definition computes (padding and alignment included)', () => {
    const model = createDaeS(7);
    const v = (name: string): Float32Array => model.variables.get(name)?.dataSync() as Float32Array;
    const shape: S4 = [2, 8, 6, 1];
    const input = Float32Array.from({ length: 2 * 8 * 6 }, (_, i) => Math.sin(i * 0.7));
    let h = biasRelu(torchConv(input, shape, v('conv1/w'), 3, 32, 1, 1), v('conv1/b'), true);
    h = biasRelu(torchConv(h.values, h.shape, v('conv2/w'), 3, 64, 2, 1), v('conv2/b'), true);
    h = biasRelu(torchConv(h.values, h.shape, v('conv3/w'), 3, 64, 1, 1), v('conv3/b'), true);
    h = biasRelu(torchConvT(h.values, h.shape, v('convT4/w'), 3, 32, 2, 1, 1), v('convT4/b'), true);
    const expected = biasRelu(torchConv(h.values, h.shape, v('conv5/w'), 3, 1, 1, 1), v('conv5/b'), false);
    expect(expected.shape).toEqual(shape);

    const x = tf.tensor4d(input, shape);
    const y = model.apply(x);
    expect(y.shape).toEqual(shape);
    const got = y.dataSync();
    let err = 0;
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs((got[i] as number) - (expected.values[i] as number)));
    expect(err).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('is reproducible from its seed', () => {
    const a = createDaeS(1);
    const b = createDaeS(1);
    const c = createDaeS(2);
    const first = (m: typeof a): number[] => Array.from(m.variables.get('conv3/w')?.dataSync().slice(0, 8) ?? []);
    expect(first(a)).toEqual(first(b));
    expect(first(a)).not.toEqual(first(c));
    // PyTorch's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const bound = 1 / Math.sqrt(64 * 9);
    expect(Math.max(...(a.variables.get('conv3/w')?.dataSync() ?? [])) ).toBeLessThanOrEqual(bound);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('leaks no tensor', () => {
    const before = tf.memory().numTensors;
    const model = createDaeS(0);
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    model.apply(x).dispose();
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects odd sizes', () => {
    const model = createDaeS(0);
    const x = tf.zeros([1, 5, 4, 1]) as tf.Tensor4D;
    expect(() => model.apply(x)).toThrow(/even/);
    x.dispose();
    model.dispose();
  });
});
