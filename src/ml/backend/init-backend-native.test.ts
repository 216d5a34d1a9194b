import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from './init-backend';

// The native packages cannot be installed here (their installer downloads libtensorflow), so
// these stand-ins play them: a CUDA build whose shared libraries are missing, and a tfjs-node
// whose 'tensorflow' backend is the cpu backend under another name.
vi.mock('@tensorflow/tfjs-node-gpu', () => {
  throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
});
vi.mock('@tensorflow/tfjs-node', async () => {
  const core = await import('@tensorflow/tfjs-core');
  const { MathBackendCPU: Cpu } = await import('@tensorflow/tfjs-backend-cpu');
  core.registerBackend('tensorflow', () => new Cpu(), 3);
  core.copyRegisteredKernels('cpu', 'tensorflow');
  return {};
});

describe('initBackend with the native packages', () => {
  it('skips a CUDA build that fails to load and uses tfjs-node', async () => {
    delete process.env['DENOISE_BACKEND'];
    const report = await initBackend();
    expect(report.active).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(report.isGpu).toBe(false);
    expect(report.threads).toBeGreaterThanOrEqual(1);
    const gpu = report.skipped.find((s) => s.backend === 'tensorflow-gpu');
    // (vitest rewords the error a mock factory throws; the real one would name libcudart.)
    expect(gpu?.reason).toMatch(/^package @tensorflow\/tfjs-node-gpu failed to load: /);
    expect(report.skipped.find((s) => s.backend === 'wasm')?.reason).toMatch(/not needed/);
  });
});
