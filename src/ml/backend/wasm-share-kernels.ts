/**
 * Identity and same-dtype Cast on the wasm backend as shared references, as the cpu and webgl
 * backends already do. tfjs tensors are immutable and the backend reference-counts buffers,
 * so a second reference is enough; the built-in wasm kernels copy the whole buffer instead.
 * That matters in training: the engine clones every tensor it saves for the backward pass
 * (29 activation-sized copies per DAE-S step), and ReLU's gradient casts float32 to float32.
 */
import { Cast, getKernel, Identity, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const BACKEND = 'wasm';
const builtins = new Map<string, KernelConfig>();

function share(x: TensorInfo, backend: BackendWasm): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const identityKernel: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return (builtins.get(Identity) as KernelConfig).kernelFunc(args);
  return share(x, args.backend as BackendWasm);
};

const castKernel: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as { dtype: string };
  if (dtype !== x.dtype || x.dtype === 'string') return (builtins.get(Cast) as KernelConfig).kernelFunc(args);
  return share(x, args.backend as BackendWasm);
};

function replace(name: string, kernelFunc: KernelFunc): void {
  const current = getKernel(name, BACKEND);
  if (current?.kernelFunc === kernelFunc) return;
  if (current === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  builtins.set(name, current);
  unregisterKernel(name, BACKEND);
  registerKernel({ ...current, kernelFunc });
}

export function registerWasmShareKernels(): void {
  replace(Identity, identityKernel);
  replace(Cast, castKernel);
}
