import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { isDenoiseError } from '../../shared/errors';
import { initBackend } from './init-backend';
import { BACKEND_ORDER } from '../../shared/backend';

// Neither native package can install here (their installer downloads libtensorflow), which
// is exactly the situation the fallback order exists for.
describe('initBackend', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  it('falls back to wasm and says why each better backend was skipped', async () => {
    delete process.env['DENOISE_BACKEND'];
    const report = await initBackend({ wasmThreads: 1 });
    expect(report.active).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.forced).toBe(false);
    expect(report.isGpu).toBe(false);
    expect(report.threads).toBe(1);
    expect(report.customKernels).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Sum', 'Identity', 'Cast']);
    expect(report.skipped.map((s) => s.backend)).toEqual(BACKEND_ORDER.filter((b) => b !== 'wasm'));
    const reason = (name: string): string => report.skipped.find((s) => s.backend === name)?.reason ?? '';
    expect(reason('tensorflow-gpu')).toMatch(/@tensorflow\/tfjs-node-gpu is not installed|failed to load|smoke test failed/);
    expect(reason('tensorflow')).toMatch(/@tensorflow\/tfjs-node/);
    expect(reason('cpu')).toMatch(/not needed/);
    // No hardware adapter on the machines this runs on; a software one is never picked here.
    expect(reason('webgpu')).toMatch(/no WebGPU adapter|software adapter|webgpu/);
    // Set before tfjs-node-gpu is even tried, so TensorFlow never grabs the whole GPU.
    expect(process.env['TF_FORCE_GPU_ALLOW_GROWTH']).toBe('true');
  });

  it('honours DENOISE_BACKEND', async () => {
    process.env['DENOISE_BACKEND'] = 'cpu';
    const report = await initBackend();
    expect(report.active).toBe('cpu');
    expect(report.forced).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
    expect(report.skipped.every((s) => s.reason.includes('cpu was forced'))).toBe(true);
  });

  it('lets options.force override DENOISE_BACKEND', async () => {
    process.env['DENOISE_BACKEND'] = 'cpu';
    const report = await initBackend({ force: 'wasm' });
    expect(report.active).toBe('wasm');
  });

  it('fails with E_BACKEND_UNAVAILABLE and the reason when a forced backend does not work', async () => {
    const error: unknown = await initBackend({ force: 'tensorflow' }).catch((e: unknown) => e);
    expect(isDenoiseError(error) && error.code).toBe('E_BACKEND_UNAVAILABLE');
    expect(isDenoiseError(error) && error.message).toMatch(/@tensorflow\/tfjs-node/);
    expect(isDenoiseError(error) && error.details?.['reason']).toBeTruthy();
  });

  it('rejects an unknown DENOISE_BACKEND', async () => {
    process.env['DENOISE_BACKEND'] = 'metal';
    const error: unknown = await initBackend().catch((e: unknown) => e);
    expect(isDenoiseError(error) && error.code).toBe('E_INVALID_ARGUMENT');
  });
});
