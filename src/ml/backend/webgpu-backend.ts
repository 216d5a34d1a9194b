/**
 * tfjs's WebGPU backend on a Dawn device the engine creates itself. tfjs's own start-up asks for
 * an adapter without a feature level (which finds nothing on an OpenGL ES adapter) and never
 * looks at the device's errors, so a failed allocation or shader would silently yield zeros.
 * Here every uncaptured device error and a lost device surface as exceptions at the next read
 * (`await tensor.data()`), which is where the engine's jobs can catch them: out-of-memory goes
 * to the tile/batch back-off (see infer/oom.ts), anything else fails the job with its message.
 * A lost device also fails the job (E_GPU_OOM), and the next initBackend starts a new device.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import type { GpuAdapterInfo } from '../../shared/backend';
import { findAdapter, releaseNavigatorGpu, type DawnDevice, type FoundAdapter } from './webgpu-adapter';
import { registerWebgpuKernels } from './webgpu-kernels';

interface WebgpuBackendLike {
  read(dataId: object): Promise<unknown>;
  dispose(): void;
}

interface WebgpuPackage {
  WebGPUBackend: new (device: DawnDevice, adapterInfo: unknown) => WebgpuBackendLike;
}

interface DeviceState {
  found: FoundAdapter;
  device: DawnDevice;
  /** Errors the device reported since the last read. */
  errors: { name: string; message: string }[];
  lost: { reason: string; message: string } | null;
  lostSignal: Promise<never>;
}

let state: DeviceState | null = null;

/** For tests: loses the device the way a driver reset would (Dawn reports reason 'destroyed'). */
export function loseDeviceForTest(): void {
  state?.device.destroy();
}

/** For tests: injects a device error as if Dawn had reported it. */
export function injectDeviceError(name: string, message: string): void {
  state?.errors.push({ name, message });
}

function gpuError(err: { name: string; message: string }): Error {
  const error = new Error(`WebGPU ${err.name}: ${err.message.trim()}`);
  // isOomError recognises this name; keeping it makes the back-off work without string matching.
  error.name = err.name;
  return error;
}

function throwIfFailed(s: DeviceState): void {
  if (s.lost !== null) {
    // E_GPU_OOM: a lost device is most often memory or a too-long dispatch. Not retried
    // (deviceLost), since every tensor on it is gone; the next job starts a fresh device.
    throw new DenoiseError('E_GPU_OOM', `The GPU device was lost (${s.lost.reason}: ${s.lost.message.trim()}). Check the backend again (Settings, or a new command) to start a fresh device.`, {
      deviceLost: true,
      reason: s.lost.reason,
    });
  }
  const first = s.errors[0];
  if (first === undefined) return;
  s.errors.length = 0;
  // Out of memory wins: the other errors are usually its consequences (invalid buffers).
  throw gpuError(s.errors.find((e) => e.name === 'GPUOutOfMemoryError') ?? first);
}

async function requestDevice(found: FoundAdapter): Promise<DawnDevice> {
  const limits = found.adapter.limits;
  // The limits tfjs's own start-up asks for, plus the workgroup sizes its reductions need
  // (compatibility adapters default to 128 x 128 x 64 and tfjs uses 256).
  const names = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ',
    'maxComputeInvocationsPerWorkgroup',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const name of names) {
    const value = limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  return found.adapter.requestDevice({ requiredLimits });
}

function watch(found: FoundAdapter, device: DawnDevice): DeviceState {
  const s: DeviceState = { found, device, errors: [], lost: null, lostSignal: new Promise<never>(() => undefined) };
  device.addEventListener('uncapturederror', (event) => {
    s.errors.push({ name: event.error.constructor.name, message: event.error.message });
  });
  s.lostSignal = device.lost.then((info) => {
    s.lost = { reason: info.reason, message: info.message };
    throwIfFailed(s);
    throw new Error('unreachable');
  });
  // Nobody may be waiting on it when the device goes; that must not be an unhandled rejection.
  s.lostSignal.catch(() => undefined);
  return s;
}

function guardReads(backend: WebgpuBackendLike, s: DeviceState): void {
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object): Promise<unknown> => {
    throwIfFailed(s);
    // A lost device never completes a pending read: race it, or the job would hang.
    const values = await Promise.race([read(dataId), s.lostSignal]);
    throwIfFailed(s);
    return values;
  };
}

export type WebgpuStart =
  | { ok: true; adapter: GpuAdapterInfo; reused: boolean }
  | { ok: false; reason: string; adapter?: GpuAdapterInfo };

/**
 * Registers tfjs's 'webgpu' backend on a Dawn device (does not activate it). A software adapter
 * is refused unless `allowSoftware`. Reuses the running device unless it was lost.
 */
export async function startWebgpu(options: { allowSoftware: boolean }): Promise<WebgpuStart> {
  if (state !== null && state.lost === null && 'webgpu' in tf.engine().registryFactory) {
    const adapter = state.found.info;
    if (adapter.software && !options.allowSoftware) return { ok: false, reason: softwareReason(adapter), adapter };
    return { ok: true, adapter, reused: true };
  }
  releaseWebgpu();
  let pkg: WebgpuPackage;
  try {
    // Imported before navigator.gpu exists, so the package does not register its own start-up
    // (which would request an adapter without a feature level). Imported only when webgpu is
    // tried: it is large, and a literal specifier so that bundles share the one tfjs-core.
    pkg = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as WebgpuPackage;
  } catch (error) {
    return { ok: false, reason: `package @tensorflow/tfjs-backend-webgpu failed to load: ${error instanceof Error ? error.message : String(error)}` };
  }
  const search = await findAdapter({ allowOpenGles: options.allowSoftware });
  if (!search.ok) return search;
  const { found } = search;
  if (found.info.software && !options.allowSoftware) {
    releaseNavigatorGpu();
    return { ok: false, reason: softwareReason(found.info), adapter: found.info };
  }
  let device: DawnDevice;
  try {
    device = await requestDevice(found);
  } catch (error) {
    releaseNavigatorGpu();
    return { ok: false, reason: `the adapter refused a device: ${error instanceof Error ? error.message : String(error)}`, adapter: found.info };
  }
  const s = watch(found, device);
  state = s;
  if ('webgpu' in tf.engine().registryFactory) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => {
    const backend = new pkg.WebGPUBackend(device, found.adapter.info);
    guardReads(backend, s);
    return backend as unknown as tf.KernelBackend;
  });
  registerWebgpuKernels(found.info.maxBufferBytes);
  return { ok: true, adapter: found.info, reused: false };
}

function softwareReason(adapter: GpuAdapterInfo): string {
  return `only a software adapter (${adapter.device || adapter.description}, ${adapter.driver}): slower than the CPU backends, so never chosen automatically; force it with --backend webgpu`;
}

/** Frees the device and lets Node exit (tests, shutdown, or before a fresh device). */
export function releaseWebgpu(): void {
  if ('webgpu' in tf.engine().registryFactory) {
    // removeBackend disposes the backend's buffers (and, if it is the active one, leaves the
    // engine to pick another on next use).
    tf.removeBackend('webgpu');
  }
  if (state !== null) {
    try {
      state.device.destroy();
    } catch {
      // Already lost or destroyed.
    }
    state = null;
  }
  releaseNavigatorGpu();
}
