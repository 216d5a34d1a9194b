/**
 * Picks the compute backend: the best one that really trains, judged by a smoke test, not by
 * whether its package loaded. Order: a hardware WebGPU adapter (Dawn) or tfjs-node-gpu (CUDA),
 * whichever runs a warm smoke step faster when both work; then tfjs-node, wasm, cpu. A software
 * WebGPU adapter (llvmpipe, SwiftShader, ...) is only used when forced. The native packages are
 * optionalDependencies whose installer downloads libtensorflow, so they are often absent and
 * are only ever imported dynamically.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node entry registers no gradients (its ESM register_all_gradients cannot load
// under Node); the union package registers them all into the shared global registry.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { availableParallelism } from 'node:os';
import { DenoiseError } from '../../shared/errors';
import { runSmokeTest } from './smoke-test';
import { BACKEND_ORDER, isBackendName, type BackendName, type BackendReport, type GpuAdapterInfo, type SkippedBackend } from '../../shared/backend';
import { registerWasmKernels, WASM_CUSTOM_KERNELS } from './wasm-kernels';
import { resolveWasmDir } from './wasm-paths';
import { MAX_WASM_THREADS, prepareWasmThreads, unrefWasmThreads } from './wasm-threads';
import { startWebgpu } from './webgpu-backend';
import { WEBGPU_CUSTOM_KERNELS } from './webgpu-kernels';
import { setDeviceBufferLimit } from '../infer/device-limits';

export interface InitBackendOptions {
  /** Use this backend or fail with E_BACKEND_UNAVAILABLE; overrides DENOISE_BACKEND. */
  force?: BackendName;
  /** Folder with the wasm binaries (a bundled or packaged app); default: the installed package. */
  wasmDir?: string;
  /**
   * Threads for the wasm backend (default: DENOISE_WASM_THREADS, else the number of CPUs,
   * at most 8). Only the first wasm initialisation in a process can set it.
   */
  wasmThreads?: number;
}

type Attempt =
  | { ok: true; isGpu: boolean; threads: number; simd?: boolean; smokeTestMs: number; customKernels: string[]; notes?: string[]; adapter?: GpuAdapterInfo }
  | { ok: false; reason: string };

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

/** Which native package (if any) has claimed tfjs's 'tensorflow' backend in this process. */
let nativeLoaded: keyof typeof NATIVE_PACKAGES | null = null;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isModuleNotFound(error: unknown, pkg: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && messageOf(error).includes(pkg);
}

async function importOptional(pkg: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    // A non-literal specifier keeps bundlers and the type checker from resolving a package
    // that is usually not installed.
    const specifier: string = pkg;
    await import(specifier);
    return { ok: true };
  } catch (error) {
    if (isModuleNotFound(error, pkg)) return { ok: false, reason: `package ${pkg} is not installed` };
    return { ok: false, reason: `package ${pkg} failed to load: ${messageOf(error)}` };
  }
}

async function activate(tfjsName: string): Promise<string | null> {
  try {
    const ok = await tf.setBackend(tfjsName);
    if (!ok) return `tfjs could not initialise the '${tfjsName}' backend`;
    await tf.ready();
    return null;
  } catch (error) {
    return `tfjs could not initialise the '${tfjsName}' backend: ${messageOf(error)}`;
  }
}

async function smoke(): Promise<{ ok: true; ms: number } | { ok: false; reason: string }> {
  const result = await runSmokeTest();
  return result.ok ? result : { ok: false, reason: `smoke test failed: ${result.reason}` };
}

function usesGpu(): boolean {
  // tfjs-node's backend exposes whether libtensorflow placed ops on a CUDA device.
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: unknown };
  return backend.isUsingGpuDevice === true;
}

async function tryNative(name: keyof typeof NATIVE_PACKAGES): Promise<Attempt> {
  const pkg = NATIVE_PACKAGES[name];
  if (nativeLoaded === 'tensorflow' && name === 'tensorflow-gpu') {
    return { ok: false, reason: `not tried: ${NATIVE_PACKAGES.tensorflow} already owns the 'tensorflow' backend in this process` };
  }
  if (name === 'tensorflow-gpu' && process.env['TF_FORCE_GPU_ALLOW_GROWTH'] === undefined) {
    // Without it TensorFlow reserves nearly all GPU memory up front, starving everything else.
    process.env['TF_FORCE_GPU_ALLOW_GROWTH'] = 'true';
  }
  // Both packages register the same 'tensorflow' backend and cannot share a process. When the
  // GPU package is already loaded but found no GPU, its libtensorflow is the native CPU backend.
  if (nativeLoaded === null) {
    const loaded = await importOptional(pkg);
    if (!loaded.ok) return loaded;
    nativeLoaded = name;
  }
  const failed = await activate('tensorflow');
  if (failed !== null) return { ok: false, reason: failed };
  const check = await smoke();
  if (!check.ok) return check;
  const isGpu = usesGpu();
  if (name === 'tensorflow-gpu' && !isGpu) {
    return { ok: false, reason: `${pkg} loaded but TensorFlow found no usable CUDA GPU (check the CUDA/cuDNN versions)` };
  }
  return { ok: true, isGpu, threads: availableParallelism(), smokeTestMs: check.ms, customKernels: [] };
}

function wantedWasmThreads(option: number | undefined): number {
  const env = Number(process.env['DENOISE_WASM_THREADS']);
  const wanted = option ?? (Number.isFinite(env) && env >= 1 ? env : availableParallelism());
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(wanted)));
}

async function tryWasm(options: InitBackendOptions): Promise<Attempt> {
  try {
    const dir = resolveWasmDir(options.wasmDir);
    if (dir !== null) setWasmPaths(dir);
  } catch (error) {
    // setWasmPaths refuses once the module has been instantiated; the old paths still work.
    if (!messageOf(error).includes('already initialized')) return { ok: false, reason: messageOf(error) };
  }
  registerWasmKernels();
  const notes: string[] = [];
  let failed: string | null;
  // tf.findBackend would itself start the backend; the engine's registry only lists started ones.
  const alreadyStarted = 'wasm' in tf.engine().registry;
  if (alreadyStarted) {
    failed = await activate('wasm');
  } else {
    let restore: () => void;
    try {
      restore = prepareWasmThreads(wantedWasmThreads(options.wasmThreads));
    } catch (error) {
      // Threads are a speed-up, not a requirement: run the single-threaded SIMD build instead.
      notes.push(`wasm threads unavailable (${messageOf(error)}); running on one thread`);
      restore = prepareWasmThreads(1);
    }
    try {
      failed = await activate('wasm');
    } finally {
      restore();
    }
    if (failed === null) unrefWasmThreads(tf.backend());
  }
  if (failed !== null) return { ok: false, reason: failed };
  const check = await smoke();
  if (!check.ok) return check;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return {
    ok: true,
    isGpu: false,
    threads: getThreadsCount(),
    simd,
    smokeTestMs: check.ms,
    customKernels: [...WASM_CUSTOM_KERNELS],
    ...(notes.length > 0 ? { notes } : {}),
  };
}

async function tryCpu(): Promise<Attempt> {
  const failed = await activate('cpu');
  if (failed !== null) return { ok: false, reason: failed };
  const check = await smoke();
  if (!check.ok) return check;
  return { ok: true, isGpu: false, threads: 1, smokeTestMs: check.ms, customKernels: [] };
}

async function tryWebgpu(allowSoftware: boolean): Promise<Attempt> {
  const started = await startWebgpu({ allowSoftware });
  if (!started.ok) return { ok: false, reason: started.reason };
  const failed = await activate('webgpu');
  if (failed !== null) return { ok: false, reason: failed };
  const check = await smoke();
  if (!check.ok) return check;
  const notes = started.adapter.software ? ['software adapter: runs on the CPU, far slower than wasm; for tests and checks only'] : undefined;
  return { ok: true, isGpu: !started.adapter.software, threads: 1, smokeTestMs: check.ms, customKernels: [...WEBGPU_CUSTOM_KERNELS], adapter: started.adapter, ...(notes ? { notes } : {}) };
}

function attempt(name: BackendName, options: InitBackendOptions, forced: boolean): Promise<Attempt> {
  switch (name) {
    case 'webgpu':
      return tryWebgpu(forced);
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(name);
    case 'wasm':
      return tryWasm(options);
    case 'cpu':
      return tryCpu();
  }
}

function requestedBackend(options: InitBackendOptions): BackendName | undefined {
  if (options.force !== undefined) return options.force;
  const env = process.env['DENOISE_BACKEND']?.trim();
  if (env === undefined || env === '' || env === 'auto') return undefined;
  if (!isBackendName(env)) {
    throw new DenoiseError(
      'E_INVALID_ARGUMENT',
      `DENOISE_BACKEND="${env}" is not a backend; expected one of ${BACKEND_ORDER.join(', ')} (or auto)`,
    );
  }
  return env;
}

type Success = Extract<Attempt, { ok: true }>;

/** The GPU backends tried first; when both work, a warm timed step picks one. */
const GPU_BACKENDS = ['webgpu', 'tensorflow-gpu'] as const satisfies readonly BackendName[];

/** The outcome of comparing the two GPU backends, kept for the life of the process. */
let gpuChoice: { winner: BackendName; loser: BackendName; reason: string } | null = null;

/** Best of two warm smoke steps on the given (already started) backend, in ms. */
async function warmStepMs(name: BackendName): Promise<number> {
  const failed = await activate(name === 'webgpu' ? 'webgpu' : 'tensorflow');
  if (failed !== null) return Number.POSITIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 2; i++) {
    const result = await runSmokeTest();
    if (result.ok) best = Math.min(best, result.ms);
  }
  return best;
}

async function pickGpu(working: { name: BackendName; result: Success }[], skipped: SkippedBackend[]): Promise<{ name: BackendName; result: Success } | null> {
  if (working.length < 2) return working[0] ?? null;
  if (gpuChoice === null) {
    const [a, b] = working as [{ name: BackendName; result: Success }, { name: BackendName; result: Success }];
    const msA = await warmStepMs(a.name);
    const msB = await warmStepMs(b.name);
    const [winner, loser] = msA <= msB ? [a, b] : [b, a];
    const fmt = (ms: number): string => `${Math.round(ms * 10) / 10} ms`;
    gpuChoice = {
      winner: winner.name,
      loser: loser.name,
      reason: `both GPU backends work; a warm smoke step took ${fmt(Math.min(msA, msB))} on ${winner.name} and ${fmt(Math.max(msA, msB))} on ${loser.name}`,
    };
  }
  const choice = gpuChoice;
  const winner = working.find((w) => w.name === choice.winner) ?? (working[0] as { name: BackendName; result: Success });
  skipped.push({ backend: choice.loser, reason: `works, but slower here: ${choice.reason}` });
  winner.result.notes = [...(winner.result.notes ?? []), `chosen over ${choice.loser}: ${choice.reason}`];
  // The last backend tried may be the loser; make the winner the active one again.
  const failed = await activate(winner.name === 'webgpu' ? 'webgpu' : 'tensorflow');
  if (failed !== null) throw new DenoiseError('E_BACKEND_UNAVAILABLE', failed);
  return winner;
}

function buildReport(name: BackendName, result: Success, forced: boolean, skipped: SkippedBackend[]): BackendReport {
  for (const other of BACKEND_ORDER) {
    if (other === name || skipped.some((s) => s.backend === other)) continue;
    skipped.push({
      backend: other,
      reason: forced ? `not tried: ${name} was forced` : `not needed: ${name} ranks higher and works`,
    });
  }
  skipped.sort((a, b) => BACKEND_ORDER.indexOf(a.backend) - BACKEND_ORDER.indexOf(b.backend));
  const report: BackendReport = {
    active: name,
    tfjsBackend: tf.getBackend(),
    isGpu: result.isGpu,
    threads: result.threads,
    forced,
    skipped,
    customKernels: result.customKernels,
    smokeTestMs: Math.round(result.smokeTestMs),
  };
  if (result.adapter !== undefined) report.adapter = result.adapter;
  setDeviceBufferLimit(result.adapter?.maxBufferBytes);
  if (result.simd !== undefined) report.simd = result.simd;
  if (result.notes !== undefined) report.notes = result.notes;
  return report;
}

/**
 * Activates the best working backend (or the forced one) and says why the others were not
 * used. Safe to call again: it re-runs the choice in the same process.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const forcedName = requestedBackend(options);
  if (forcedName !== undefined) {
    const result = await attempt(forcedName, options, true);
    if (!result.ok) {
      throw new DenoiseError('E_BACKEND_UNAVAILABLE', `Backend ${forcedName} is unavailable: ${result.reason}`, {
        backend: forcedName,
        reason: result.reason,
      });
    }
    return buildReport(forcedName, result, true, []);
  }
  const skipped: SkippedBackend[] = [];
  const working: { name: BackendName; result: Success }[] = [];
  for (const name of GPU_BACKENDS) {
    const result = await attempt(name, options, false);
    if (result.ok) working.push({ name, result });
    else skipped.push({ backend: name, reason: result.reason });
  }
  const gpu = await pickGpu(working, skipped);
  if (gpu !== null) return buildReport(gpu.name, gpu.result, false, skipped);
  for (const name of BACKEND_ORDER) {
    if ((GPU_BACKENDS as readonly BackendName[]).includes(name)) continue;
    const result = await attempt(name, options, false);
    if (result.ok) return buildReport(name, result, false, skipped);
    skipped.push({ backend: name, reason: result.reason });
  }
  // cpu is pure JS and ships with the engine, so this means tfjs itself is broken.
  throw new DenoiseError('E_BACKEND_UNAVAILABLE', 'No compute backend passed the smoke test', { skipped });
}
