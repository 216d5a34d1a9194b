/**
 * Per-kernel wall time for synchronous backends (wasm, cpu), by wrapping every registered
 * kernel of the backend. tf.profile also reads back every output to check for NaN, which on
 * wasm costs as much as some kernels; this does not. Kernels called from inside another
 * kernel (the engine's wasm gradient kernels call XNNPACK Conv2D, Transpose, ...) are
 * reported as "Outer/Inner" and their time is not counted again in the outer one.
 */
import { getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

export interface KernelTiming {
  ms: number;
  calls: number;
}

export interface KernelTimer {
  /** Exclusive milliseconds and call counts per kernel since the last reset. */
  snapshot(): Map<string, KernelTiming>;
  reset(): void;
  /** Puts the original kernels back. */
  restore(): void;
}

interface WebgpuQueue {
  commandEncoder?: unknown;
  endComputePassEncoder?: () => void;
  submitQueue?: () => void;
}

/** Submits what tfjs's webgpu backend has recorded so far (as its own reads do). */
function flush(backend: unknown): void {
  const b = backend as WebgpuQueue;
  if (b.commandEncoder === null || b.commandEncoder === undefined) return;
  b.endComputePassEncoder?.();
  b.submitQueue?.();
}

/**
 * `flushKernels`: after each kernel, submit the backend's pending GPU commands (webgpu's
 * submitQueue) before stopping its clock, so the time lands on the kernel that caused it.
 */
export function instrumentKernels(backendName: string, flushKernels = false): KernelTimer {
  const originals = getKernelsForBackend(backendName);
  const totals = new Map<string, KernelTiming>();
  const stack: { name: string; childMs: number }[] = [];
  for (const config of originals) {
    const inner = config.kernelFunc;
    const wrapped: KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        const parent = stack[stack.length - 1];
        const name = parent === undefined ? config.kernelName : `${parent.name}/${config.kernelName}`;
        const frame = { name, childMs: 0 };
        stack.push(frame);
        const t0 = performance.now();
        try {
          const out = inner(args);
          if (flushKernels) flush(args.backend);
          return out;
        } finally {
          const ms = performance.now() - t0;
          stack.pop();
          if (parent !== undefined) parent.childMs += ms;
          const entry = totals.get(name) ?? { ms: 0, calls: 0 };
          entry.ms += ms - frame.childMs;
          entry.calls += 1;
          totals.set(name, entry);
        }
      },
    };
    // The setup step already ran when the backend initialised; running it again is harmless
    // but pointless, so the wrapper is registered without it.
    delete wrapped.setupFunc;
    unregisterKernel(config.kernelName, backendName);
    registerKernel(wrapped);
  }
  return {
    snapshot: () => new Map(totals),
    reset: () => totals.clear(),
    restore: () => {
      for (const config of originals) {
        unregisterKernel(config.kernelName, backendName);
        registerKernel(config);
      }
    },
  };
}
