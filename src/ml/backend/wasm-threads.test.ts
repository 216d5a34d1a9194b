import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { daeSGradients, relativeError } from './testing';

describe('wasm with a thread pool under Node', () => {
  it('starts two threads and trains like the cpu backend', async () => {
    const report = await initBackend({ force: 'wasm', wasmThreads: 2 });
    expect(report.active).toBe('wasm');
    expect(report.threads).toBe(2);
    const shape: [number, number, number, number] = [2, 16, 16, 1];
    const ref = await daeSGradients('cpu', 5, shape);
    const got = await daeSGradients('wasm', 5, shape);
    for (const [i, r] of ref.entries()) expect(relativeError(r, got[i] as Float32Array)).toBeLessThan(1e-4);
  });
});
