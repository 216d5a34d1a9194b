import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedValues, relativeError, valuesOn } from './testing';
import { registerWasmConvKernels, setBackpropInputStrategy } from './wasm-conv-kernels';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

const TOLERANCE = 1e-4;

const SHAPES: { x: Shape4; k: number; co: number }[] = [
  { x: [2, 8, 8, 3], k: 3, co: 4 },
  { x: [3, 9, 7, 2], k: 3, co: 5 },
  { x: [1, 6, 6, 1], k: 1, co: 3 },
  { x: [2, 7, 7, 4], k: 5, co: 2 },
  { x: [2, 10, 10, 3], k: 2, co: 3 },
  { x: [2, 8, 8, 1], k: 3, co: 8 },
  { x: [2, 8, 8, 6], k: 3, co: 1 },
];
const PADS: Pad[] = [
  'same',
  'valid',
  [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ],
  [
    [0, 0],
    [1, 0],
    [0, 1],
    [0, 0],
  ],
  [
    [0, 0],
    [2, 1],
    [0, 2],
    [0, 0],
  ],
];

interface Case {
  name: string;
  x: Shape4;
  filter: Shape4;
  stride: number | [number, number];
  dilation: number;
  pad: Pad;
}

function outShape(c: Case): Shape4 | null {
  try {
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, c.dilation, c.pad);
    return info.outHeight > 0 && info.outWidth > 0 ? (info.outShape as Shape4) : null;
  } catch {
    return null;
  }
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const s of SHAPES) {
    const filter: Shape4 = [s.k, s.k, s.x[3], s.co];
    for (const pad of PADS) {
      for (const stride of [1, 2]) out.push({ name: `x${s.x} k${s.k} co${s.co} s${stride} ${JSON.stringify(pad)}`, x: s.x, filter, stride, dilation: 1, pad });
      if (s.k > 1) out.push({ name: `x${s.x} k${s.k} co${s.co} d2 ${JSON.stringify(pad)}`, x: s.x, filter, stride: 1, dilation: 2, pad });
    }
  }
  return out.filter((c) => outShape(c) !== null);
}

function dilatedShape([kh, kw, ci, co]: Shape4, d: number): Shape4 {
  return [(kh - 1) * d + 1, (kw - 1) * d + 1, ci, co];
}

/** The filter a dilated conv is equivalent to: taps spread d apart with zeros between. */
function dilateFilter(values: Float32Array, shape: Shape4, d: number): { values: Float32Array; shape: Shape4 } {
  const [kh, kw, ci, co] = shape;
  const [eh, ew] = dilatedShape(shape, d);
  const out = new Float32Array(eh * ew * ci * co);
  const block = ci * co;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) out.set(values.subarray((a * kw + b) * block, (a * kw + b + 1) * block), (a * d * ew + b * d) * block);
  }
  return { values: out, shape: [eh, ew, ci, co] };
}

function takeDilatedTaps(values: Float32Array, dilated: Shape4, shape: Shape4, d: number): Float32Array {
  const [kh, kw, ci, co] = shape;
  const ew = dilated[1];
  const block = ci * co;
  const out = new Float32Array(kh * kw * block);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) out.set(values.subarray((a * d * ew + b * d) * block, (a * d * ew + b * d + 1) * block), (a * kw + b) * block);
  }
  return out;
}

function filterGrad(c: Case, xv: Float32Array, dyv: Float32Array, dyShape: Shape4, reference: boolean): tf.Tensor {
  const x = tf.tensor4d(xv, c.x);
  const dy = tf.tensor4d(dyv, dyShape);
  // The cpu kernel knows no dilation: the reference differentiates the equivalent zero-filled filter.
  const filterShape = reference && c.dilation > 1 ? dilatedShape(c.filter, c.dilation) : c.filter;
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape, ...(reference ? {} : { dilations: c.dilation }) };
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  tf.dispose([x, dy]);
  return dw;
}

function inputGrad(c: Case, dyv: Float32Array, dyShape: Shape4, wv: Float32Array, reference: boolean): tf.Tensor {
  const dil = reference && c.dilation > 1 ? dilateFilter(wv, c.filter, c.dilation) : { values: wv, shape: c.filter };
  const dy = tf.tensor4d(dyv, dyShape);
  const filter = tf.tensor4d(dil.values, dil.shape);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x, ...(reference ? {} : { dilations: c.dilation }) };
  const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  tf.dispose([dy, filter]);
  return dx;
}

beforeAll(async () => {
  registerWasmConvKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

describe('wasm conv gradient kernels match the cpu backend', () => {
  const all = cases();

  it('covers strides 1 and 2, same/valid/explicit padding and dilation 2', () => {
    expect(all.length).toBeGreaterThan(60);
    expect(all.some((c) => c.dilation === 2)).toBe(true);
  });

  it('Conv2DBackpropFilter', async () => {
    const failures: string[] = [];
    for (const [i, c] of all.entries()) {
      const dyShape = outShape(c) as Shape4;
      const xv = fixedValues(c.x.reduce((a, b) => a * b), 3 * i + 1);
      const dyv = fixedValues(dyShape.reduce((a, b) => a * b), 3 * i + 2);
      const [ref] = await valuesOn('cpu', () => filterGrad(c, xv, dyv, dyShape, true));
      const [got] = await valuesOn('wasm', () => filterGrad(c, xv, dyv, dyShape, false));
      const expected = c.dilation > 1 ? takeDilatedTaps(ref as Float32Array, dilatedShape(c.filter, c.dilation), c.filter, c.dilation) : (ref as Float32Array);
      const err = relativeError(expected, got as Float32Array);
      if (!(err < TOLERANCE)) failures.push(`${c.name}: ${err}`);
    }
    expect(failures).toEqual([]);
  });

  it('Conv2DBackpropInput', async () => {
    const failures: string[] = [];
    for (const [i, c] of all.entries()) {
      const dyShape = outShape(c) as Shape4;
      const dyv = fixedValues(dyShape.reduce((a, b) => a * b), 3 * i + 2);
      const wv = fixedValues(c.filter.reduce((a, b) => a * b), 3 * i + 3);
      const [ref] = await valuesOn('cpu', () => inputGrad(c, dyv, dyShape, wv, true));
      const [got] = await valuesOn('wasm', () => inputGrad(c, dyv, dyShape, wv, false));
      const err = relativeError(ref as Float32Array, got as Float32Array);
      if (!(err < TOLERANCE)) failures.push(`${c.name}: ${err}`);
    }
    expect(failures).toEqual([]);
  });

  it('Conv2DBackpropInput falls back to the built-in kernel for unequal strides', async () => {
    const c: Case = { name: 'unequal', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: [1, 2], dilation: 1, pad: 'same' };
    const dyShape = outShape(c) as Shape4;
    const dyv = fixedValues(dyShape.reduce((a, b) => a * b), 5);
    const wv = fixedValues(36 * 3, 6);
    const [ref] = await valuesOn('cpu', () => inputGrad(c, dyv, dyShape, wv, true));
    const [got] = await valuesOn('wasm', () => inputGrad(c, dyv, dyShape, wv, false));
    expect(relativeError(ref as Float32Array, got as Float32Array)).toBeLessThan(TOLERANCE);
  });

  it('the XNNPACK and built-in input-gradient kernels agree', async () => {
    const c: Case = { name: 'same', x: [2, 16, 16, 8], filter: [3, 3, 8, 16], stride: 2, dilation: 1, pad: 'same' };
    const dyShape = outShape(c) as Shape4;
    const dyv = fixedValues(dyShape.reduce((a, b) => a * b), 7);
    const wv = fixedValues(c.filter.reduce((a, b) => a * b), 8);
    setBackpropInputStrategy('builtin');
    const [builtin] = await valuesOn('wasm', () => inputGrad(c, dyv, dyShape, wv, false));
    setBackpropInputStrategy('xnnpack');
    const [ours] = await valuesOn('wasm', () => inputGrad(c, dyv, dyShape, wv, false));
    expect(relativeError(builtin as Float32Array, ours as Float32Array)).toBeLessThan(TOLERANCE);
  });

  it('frees every intermediate buffer', async () => {
    await tf.setBackend('wasm');
    const c: Case = { name: 'leak', x: [2, 12, 12, 4], filter: [3, 3, 4, 6], stride: 2, dilation: 1, pad: 'same' };
    const dyShape = outShape(c) as Shape4;
    const xv = fixedValues(c.x.reduce((a, b) => a * b), 9);
    const dyv = fixedValues(dyShape.reduce((a, b) => a * b), 10);
    const wv = fixedValues(c.filter.reduce((a, b) => a * b), 11);
    const run = (): void => {
      tf.dispose([filterGrad(c, xv, dyv, dyShape, false), inputGrad(c, dyv, dyShape, wv, false)]);
    };
    run();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) run();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    // Buffers the kernels allocate behind the engine's back only show up here.
    expect((after as { numDataBuffers: number }).numDataBuffers).toBe((before as { numDataBuffers: number }).numDataBuffers);
  });
});
