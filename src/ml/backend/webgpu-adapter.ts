/**
 * Finds a WebGPU adapter through Dawn (the npm package `webgpu`, prebuilt `dawn.node` for every
 * desktop platform, N-API, nothing downloaded at install) and describes it.
 *
 * Dawn picks the platform's native API: Vulkan on Linux, Metal on macOS, D3D12 on Windows. On
 * Linux without a Vulkan driver, Mesa's OpenGL ES (llvmpipe on a machine with no GPU) is a
 * second way in; it only offers WebGPU's 'compatibility' feature level, which tfjs never asks
 * for, so the adapter is requested here and handed to tfjs ready-made.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuAdapterInfo } from '../../shared/backend';

/** The part of Dawn's GPU objects the engine uses (the package's types need DOM lib types). */
export interface DawnAdapter {
  readonly info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<DawnDevice>;
}

export interface DawnDevice {
  readonly lost: Promise<{ reason: string; message: string }>;
  readonly limits: Record<string, number>;
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string; constructor: { name: string } } }) => void): void;
  destroy(): void;
}

interface DawnGpu {
  requestAdapter(options?: { powerPreference?: string; featureLevel?: string }): Promise<DawnAdapter | null>;
}

interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

export type DawnApi = 'native' | 'opengles';

export interface FoundAdapter {
  adapter: DawnAdapter;
  gpu: DawnGpu;
  api: DawnApi;
  info: GpuAdapterInfo;
}

export type AdapterSearch = { ok: true; found: FoundAdapter } | { ok: false; reason: string };

/** Names of CPU rasterisers. Dawn reports llvmpipe as a normal adapter (isFallbackAdapter false). */
const SOFTWARE_ADAPTER = /llvmpipe|softpipe|lavapipe|swiftshader|microsoft basic render|\bwarp\b|software/i;

function nativeApiName(): string {
  if (process.platform === 'darwin') return 'Metal';
  if (process.platform === 'win32') return 'D3D12';
  return 'Vulkan';
}

/** Describes an adapter for the report; pure, so the classification is tested without a GPU. */
export function describeAdapter(
  info: DawnAdapter['info'],
  features: ReadonlySet<string>,
  limits: Record<string, number>,
  api: DawnApi,
): GpuAdapterInfo {
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  const isFallback = info.isFallbackAdapter === true;
  const mesa = /Mesa [\d.]+/.exec(info.description)?.[0];
  const apiName = api === 'opengles' ? 'OpenGL ES' : nativeApiName();
  const driverText = mesa ?? info.description.trim();
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    driver: driverText === '' ? apiName : `${apiName} (${driverText})`,
    // Core WebGPU adapters list this feature (current spec); compatibility ones do not.
    featureLevel: features.has('core-features-and-limits') ? 'core' : 'compatibility',
    isFallback,
    software: isFallback || SOFTWARE_ADAPTER.test(text),
    maxBufferBytes: Math.min(limits['maxStorageBufferBindingSize'] ?? 134217728, limits['maxBufferSize'] ?? Number.POSITIVE_INFINITY),
  };
}

/** Where the dynamic loader would find libvulkan.so.1; false means Dawn's Vulkan attempt would only print a warning. */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env['LD_LIBRARY_PATH'] ?? '').split(delimiter).filter((d) => d !== ''),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/lib64',
    '/lib',
  ];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

let dawn: DawnModule | null = null;

async function loadDawn(): Promise<{ ok: true; module: DawnModule } | { ok: false; reason: string }> {
  if (dawn !== null) return { ok: true, module: dawn };
  try {
    // A non-literal specifier: the package's types pull in the DOM's WebGPU declarations, and a
    // bundler must leave it external (dawn.node has to stay a real file, outside the asar).
    const specifier: string = 'webgpu';
    dawn = (await import(specifier)) as DawnModule;
    return { ok: true, module: dawn };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Cannot find (module|package) 'webgpu'/.test(message)) return { ok: false, reason: 'package webgpu is not installed' };
    return { ok: false, reason: `Dawn (package webgpu) failed to load: ${message}` };
  }
}

/**
 * Makes Dawn's globals (GPUBufferUsage, ...) and navigator.gpu visible, as tfjs's webgpu
 * backend expects of a browser. `releaseNavigatorGpu` undoes the navigator part.
 */
function exposeGlobals(module: DawnModule, gpu: DawnGpu): void {
  Object.assign(globalThis, module.globals);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  // Node 21+ has a read-only navigator; 20 has none. Either way a plain property is enough.
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator as object, 'gpu', { value: gpu, configurable: true, writable: true });
}

/** Without this Dawn's instance keeps Node alive at exit in some set-ups (see docs/backends.md). */
export function releaseNavigatorGpu(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav !== undefined && 'gpu' in nav) delete nav.gpu;
}

async function request(gpu: DawnGpu, featureLevel: 'core' | 'compatibility'): Promise<DawnAdapter | null> {
  try {
    return await gpu.requestAdapter({ powerPreference: 'high-performance', ...(featureLevel === 'compatibility' ? { featureLevel } : {}) });
  } catch {
    return null;
  }
}

/**
 * The best adapter Dawn offers: the native API first (core, then compatibility), then, on Linux
 * and only when `allowOpenGles`, Mesa's OpenGL ES. Never throws.
 */
export async function findAdapter(options: { allowOpenGles: boolean }): Promise<AdapterSearch> {
  const loaded = await loadDawn();
  if (!loaded.ok) return loaded;
  const reasons: string[] = [];
  const tries: { api: DawnApi; flags: string[] }[] = [];
  if (vulkanLoaderPresent()) tries.push({ api: 'native', flags: [] });
  else reasons.push('no Vulkan driver (libvulkan.so.1 not found)');
  if (process.platform === 'linux' && options.allowOpenGles) tries.push({ api: 'opengles', flags: ['backend=opengles'] });
  for (const { api, flags } of tries) {
    // Mesa's EGL needs no display server with this; set only for this process and only if unset.
    if (api === 'opengles' && process.env['EGL_PLATFORM'] === undefined) process.env['EGL_PLATFORM'] = 'surfaceless';
    let gpu: DawnGpu;
    try {
      gpu = loaded.module.create(flags);
    } catch (error) {
      reasons.push(`Dawn could not start ${api === 'opengles' ? 'OpenGL ES' : nativeApiName()}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const adapter = (await request(gpu, 'core')) ?? (await request(gpu, 'compatibility'));
    if (adapter === null) {
      reasons.push(api === 'opengles' ? 'no OpenGL ES adapter (Mesa: libegl1, libgles2, libgl1-mesa-dri)' : `no ${nativeApiName()} adapter`);
      continue;
    }
    exposeGlobals(loaded.module, gpu);
    return { ok: true, found: { adapter, gpu, api, info: describeAdapter(adapter.info, adapter.features, adapter.limits, api) } };
  }
  return { ok: false, reason: `no WebGPU adapter: ${reasons.join('; ')}` };
}
