/**
 * The compute backends and the report of which one the engine chose. Shared because the report
 * travels whole from the engine to the CLI, the app's badge and the Settings view.
 */

/**
 * The compute backends the engine can run on, best first. `webgpu` (Dawn: Vulkan, Metal, D3D12)
 * and `tensorflow-gpu` (CUDA) share first place: when both work, a short timed step decides.
 */
export const BACKEND_ORDER = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_ORDER)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(value);
}

export interface SkippedBackend {
  backend: BackendName;
  /** Human-readable, e.g. "package @tensorflow/tfjs-node-gpu is not installed". */
  reason: string;
}

/** The WebGPU adapter behind the `webgpu` backend, as Dawn describes it. */
export interface GpuAdapterInfo {
  /** e.g. "nvidia", "amd", "intel", "apple"; empty when the driver does not say. */
  vendor: string;
  architecture: string;
  /** e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  device: string;
  /** Dawn's description: the driver name and version on most platforms. */
  description: string;
  /** The native API and driver, e.g. "Vulkan (NVIDIA 550.54)" or "OpenGL ES (Mesa 22.3.6)". */
  driver: string;
  /** 'core' (full WebGPU) or 'compatibility' (the OpenGL ES subset). */
  featureLevel: 'core' | 'compatibility';
  /** The adapter's own fallback flag (spec: a software or otherwise slow adapter). */
  isFallback: boolean;
  /** True for any CPU rasteriser (llvmpipe, SwiftShader, lavapipe, WARP): never chosen automatically. */
  software: boolean;
  /** Largest single GPU buffer binding; tiles and batches are sized below it. */
  maxBufferBytes: number;
}

export interface BackendReport {
  active: BackendName;
  /** The tfjs backend name behind it ('tensorflow' for both native packages). */
  tfjsBackend: string;
  isGpu: boolean;
  /** Compute threads the backend uses (wasm: its pthread pool, else 1; native: cores). */
  threads: number;
  /** True when DENOISE_BACKEND or options.force chose the backend. */
  forced: boolean;
  /** Every other backend, with why it is not the active one. */
  skipped: SkippedBackend[];
  /** Kernels the engine registered on top of the backend (wasm gradient kernels). */
  customKernels: string[];
  /** webgpu only: the adapter it runs on. */
  adapter?: GpuAdapterInfo;
  /** wasm only: whether the SIMD build is in use. */
  simd?: boolean;
  /** Anything the user should know about the active backend (e.g. threads unavailable). */
  notes?: string[];
  smokeTestMs: number;
}

/** What the user may pick in Settings (or DENOISE_BACKEND): a backend, or let the engine choose. */
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_ORDER];
