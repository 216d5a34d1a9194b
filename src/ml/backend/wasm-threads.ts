/**
 * Running the threaded-SIMD build of the wasm backend under Node.
 *
 * Out of the box tfjs never picks that build under Node, and forcing it fails in three places,
 * each worked around here for the duration of the backend's initialisation only:
 *
 * 1. WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE: set it to true.
 * 2. The pthread workers are started from a `blob:` URL (tfjs's locateFile hands emscripten
 *    URL.createObjectURL(new Blob([worker source]))), which Node's Worker rejects with
 *    ERR_WORKER_PATH. URL.createObjectURL is patched to return a file holding the same worker
 *    source instead. Inside each worker, the main script arrives as a Blob too; the file
 *    starts with a one-line shim that maps it to the package's own threaded-SIMD JS file,
 *    which is exactly what that Blob contains.
 * 3. The C++ side caps its thread pool at navigator.hardwareConcurrency / 2 (it assumes two
 *    hyper-threads per core), i.e. one thread on a 2-CPU machine, whatever setThreadsCount
 *    asks for. Under Node emscripten reads that figure from os.cpus().length once, while the
 *    module starts, so os.cpus is patched to report twice the wanted thread count then.
 *
 * Emscripten preallocates 8 workers and the pool never grows after start-up, so nothing
 * needs the patches afterwards.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

/** Emscripten's preallocated worker pool in tfjs-backend-wasm 4.22 (PTHREAD_POOL_SIZE). */
export const MAX_WASM_THREADS = 8;

interface ThreadedFiles {
  workerSource: string;
  threadedJs: string;
}

function threadedFiles(): ThreadedFiles {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const workerModule = require(join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents?: unknown;
  };
  if (typeof workerModule.wasmWorkerContents !== 'string') throw new Error('threaded wasm worker source not found');
  return { workerSource: workerModule.wasmWorkerContents, threadedJs: join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js') };
}

interface NodeWorkerLike {
  unref(): void;
}

/**
 * Lets the process exit while the pool's threads idle. Emscripten ref()s the worker of every
 * running pthread so that Node waits for it, but pthreadpool's threads never finish: without
 * this, a CLI run would hang after its last line.
 */
export function unrefWasmThreads(backend: unknown): void {
  const wasm = (backend as { wasm?: { PThread?: { runningWorkers?: NodeWorkerLike[] } } }).wasm;
  for (const worker of wasm?.PThread?.runningWorkers ?? []) worker.unref();
}

/**
 * Prepares the next wasm initialisation to use `threads` threads. Returns the function that
 * undoes the temporary patches; call it once `tf.setBackend('wasm')` has settled.
 */
export function prepareWasmThreads(threads: number): () => void {
  const count = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(threads)));
  setThreadsCount(count);
  if (count === 1) return () => undefined;

  const { workerSource, threadedJs } = threadedFiles();
  const dir = mkdtempSync(join(os.tmpdir(), 'denoise-wasm-'));
  const workerPath = join(dir, 'tfjs-wasm-worker.cjs');
  const shim = `URL.createObjectURL = () => ${JSON.stringify(threadedJs)}; URL.revokeObjectURL = () => {};\n`;
  // tfjs escapes newlines the same way before it builds its Blob (they sit inside strings).
  writeFileSync(workerPath, shim + workerSource.replace(/\n/g, '\\n'));

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerPath : createObjectURL(obj);
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * count }, (_, i) => real[i % real.length] as os.CpuInfo);
  };
  return () => {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    rmSync(dir, { recursive: true, force: true });
  };
}
