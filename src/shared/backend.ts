/**
 * The compute backends and the report of which one the engine chose. Shared because the report
 * travels whole from the engine to the CLI, the app's badge and the Settings view.
 */

/** The compute backends the engine can run on, best first. */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_ORDER)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(value);
}

export interface SkippedBackend {
  backend: BackendName;
  /** Human-readable, e.g. "package @tensorflow/tfjs-node-gpu is not installed". */
  reason: string;
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
  /** wasm only: whether the SIMD build is in use. */
  simd?: boolean;
  /** Anything the user should know about the active backend (e.g. threads unavailable). */
  notes?: string[];
  smokeTestMs: number;
}

/** What the user may pick in Settings (or DENOISE_BACKEND): a backend, or let the engine choose. */
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_ORDER];
