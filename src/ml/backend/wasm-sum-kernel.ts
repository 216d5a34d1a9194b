/**
 * Sum over the leading axes on the wasm backend, the shape of every bias gradient (dy
 * [B, H, W, C] summed to [C]). The built-in kernel first transposes the whole tensor so that
 * the reduced axes come last, then reduces, and neither step uses the thread pool. Here the
 * same sum is one matrix product, x[rows, C]^T . ones[rows, 1], through the backend's own
 * BatchMatMul. Other reductions go to the built-in kernel.
 */
import {
  BatchMatMul,
  getKernel,
  registerKernel,
  Sum,
  unregisterKernel,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const BACKEND = 'wasm';

let builtinSum: KernelConfig | null = null;

function leadingAxesCount(axis: number | number[], rank: number): number | null {
  const axes = util.parseAxisParam(axis, new Array<number>(rank).fill(1)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

const sumKernel: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
  const lead = x.dtype === 'float32' ? leadingAxesCount(axis, x.shape.length) : null;
  const matMul = getKernel(BatchMatMul, BACKEND)?.kernelFunc;
  if (lead === null || matMul === undefined || builtinSum === null) {
    if (builtinSum === null) throw new Error('wasm Sum: built-in kernel missing');
    return builtinSum.kernelFunc(args);
  }
  const wasm = backend as BackendWasm;
  const rows = util.sizeFromShape(x.shape.slice(0, lead));
  const inner = util.sizeFromShape(x.shape.slice(lead));
  const ones = wasm.makeOutput([1, rows, 1], 'float32');
  (wasm.typedArrayFromHeap(ones) as Float32Array).fill(1);
  const a: TensorInfo = { dataId: x.dataId, shape: [1, rows, inner], dtype: 'float32' };
  const product = matMul({ inputs: { a, b: ones }, backend, attrs: { transposeA: true, transposeB: false } }) as TensorInfo;
  wasm.disposeData(ones.dataId);
  const rest = x.shape.slice(lead);
  const shape = keepDims ? [...new Array<number>(lead).fill(1), ...rest] : rest;
  return { dataId: product.dataId, shape, dtype: 'float32' };
};

/** Installs the leading-axes Sum on the wasm backend, keeping the built-in one for the rest. */
export function registerWasmSumKernel(): void {
  const current = getKernel(Sum, BACKEND);
  if (current?.kernelFunc === sumKernel) return;
  if (current !== undefined) {
    builtinSum = current;
    unregisterKernel(Sum, BACKEND);
  }
  const config: KernelConfig = { kernelName: Sum, backendName: BACKEND, kernelFunc: sumKernel };
  // The built-in kernel's setup binds its C++ entry point; it must still run at backend start.
  if (builtinSum?.setupFunc !== undefined) config.setupFunc = builtinSum.setupFunc;
  registerKernel(config);
}
