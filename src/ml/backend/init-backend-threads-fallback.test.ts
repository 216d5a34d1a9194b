import { describe, expect, it, vi } from 'vitest';
import { initBackend } from './init-backend';
import type * as WasmThreads from './wasm-threads';

// As in a bundle where the package's threaded worker source cannot be found.
vi.mock('./wasm-threads', async (importOriginal) => {
  const real = await importOriginal<typeof WasmThreads>();
  return {
    ...real,
    prepareWasmThreads: (threads: number) => {
      if (threads > 1) throw new Error('threaded wasm worker source not found');
      return real.prepareWasmThreads(threads);
    },
  };
});

describe('initBackend when wasm threads cannot be set up', () => {
  it('runs wasm on one thread and says why', async () => {
    const report = await initBackend({ force: 'wasm', wasmThreads: 2 });
    expect(report.active).toBe('wasm');
    expect(report.threads).toBe(1);
    expect(report.notes).toEqual(['wasm threads unavailable (threaded wasm worker source not found); running on one thread']);
  });
});
