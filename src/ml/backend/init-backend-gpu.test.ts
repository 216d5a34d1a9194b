import { describe, expect, it, vi } from 'vitest';
import { initBackend } from './init-backend';

const gpu = { present: false };

// A stand-in for tfjs-node-gpu (which cannot be installed here): it registers the
// 'tensorflow' backend, and its isUsingGpuDevice says whether libtensorflow found a GPU.
vi.mock('@tensorflow/tfjs-node-gpu', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
  class FakeNodeBackend extends MathBackendCPU {
    get isUsingGpuDevice(): boolean {
      return gpu.present;
    }
  }
  tf.registerBackend('tensorflow', () => new FakeNodeBackend(), 3);
  tf.copyRegisteredKernels('cpu', 'tensorflow');
  return {};
});

describe('initBackend with tfjs-node-gpu', () => {
  it('uses the GPU package on its CPU path when it finds no GPU, and says so', async () => {
    delete process.env['DENOISE_BACKEND'];
    gpu.present = false;
    const report = await initBackend();
    expect(report.active).toBe('tensorflow');
    expect(report.isGpu).toBe(false);
    expect(report.skipped.find((s) => s.backend === 'tensorflow-gpu')?.reason).toMatch(/no usable CUDA GPU/);
    expect(process.env['TF_FORCE_GPU_ALLOW_GROWTH']).toBe('true');
  });

  it('reports the GPU when there is one', async () => {
    gpu.present = true;
    const report = await initBackend();
    expect(report.active).toBe('tensorflow-gpu');
    expect(report.isGpu).toBe(true);
    expect(report.skipped.map((s) => s.backend)).toEqual(['webgpu', 'tensorflow', 'wasm', 'cpu']);
  });
});
