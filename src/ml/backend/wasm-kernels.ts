/**
 * Every kernel the engine installs on the wasm backend, and why:
 * - Conv2DBackpropFilter: missing from tfjs-backend-wasm, so conv nets cannot train without it.
 * - Conv2DBackpropInput: the built-in one is a scalar loop, 3-20x slower than XNNPACK.
 * - Sum: bias gradients reduce over the leading axes, which the built-in kernel handles by a
 *   full transpose first.
 * - Identity, Cast (same dtype): shared references instead of full copies; the engine clones
 *   every tensor it saves for the backward pass.
 * Each is tested against the cpu backend.
 */
import { registerWasmConvKernels } from './wasm-conv-kernels';
import { registerWasmShareKernels } from './wasm-share-kernels';
import { registerWasmSumKernel } from './wasm-sum-kernel';

export const WASM_CUSTOM_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Sum', 'Identity', 'Cast'] as const;

/** Idempotent; works before or after `setBackend('wasm')`. */
export function registerWasmKernels(): void {
  registerWasmConvKernels();
  registerWasmSumKernel();
  registerWasmShareKernels();
}
