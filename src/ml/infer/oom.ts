import { DenoiseError, isDenoiseError } from '../../shared/errors';

/**
 * Recognises out-of-memory failures that a smaller tile or tile batch can cure, so tiled
 * inference can retry instead of failing the job. Conservative on purpose: a false positive
 * turns a real bug into a slow retry loop that ends in a misleading E_GPU_OOM, so only messages
 * that name memory exhaustion count.
 *
 * Deliberately not matched:
 * - wasm "memory access out of bounds": a trap that usually means a bug or a corrupted heap;
 * - "Invalid typed array length": also thrown for negative or NaN lengths;
 * - WebGL "Requested texture size ... greater than WebGL maximum": a size limit, not memory.
 *
 * Note that an emscripten abort ("Aborted(OOM)") leaves that wasm instance unusable; the
 * retry then fails with another error, which is reported as it is.
 */
const OOM_PATTERNS: readonly RegExp[] = [
  // TensorFlow C API behind tfjs-node / tfjs-node-gpu; status 8 is RESOURCE_EXHAUSTED.
  /OOM when allocating tensor/i,
  /Invalid TF_Status: 8\b/,
  /ResourceExhausted/i,
  // CUDA driver/runtime, WebGPU's GPUOutOfMemoryError text, and plain "out of memory".
  /CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation/,
  /\bout of memory\b/i,
  // Emscripten (tfjs-backend-wasm) when its heap cannot grow.
  /\babort(?:ed)?\(OOM\)/i,
  /Cannot enlarge memory arrays/i,
  // V8 refusing to grow wasm memory or to allocate a large ArrayBuffer.
  /WebAssembly\.Memory(?:\.grow)?\(\): (?:Maximum memory size exceeded|could not allocate memory)/i,
  /Array buffer allocation failed/i,
  // WebGPU (Dawn): a buffer over the device's size limits. Unlike WebGL's texture limit (below)
  // it scales with the tile batch, so halving does cure it.
  /exceeds the max(?:imum)? buffer size/i,
  /exceeds the maxStorageBufferBindingSize|maxStorageBufferBindingSize .*exceeded/i,
];

const OOM_ERROR_NAMES = new Set(['GPUOutOfMemoryError', 'ResourceExhaustedError']);

function textsOf(err: unknown): string[] {
  if (typeof err === 'string') return [err];
  if (typeof err !== 'object' || err === null) return [];
  const texts: string[] = [];
  const { message, name } = err as { message?: unknown; name?: unknown };
  if (typeof message === 'string') texts.push(message);
  if (typeof name === 'string' && OOM_ERROR_NAMES.has(name)) texts.push('out of memory');
  return texts;
}

export function isOomError(err: unknown): boolean {
  // Follow `cause` a few levels: callers often wrap the backend's error in their own.
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    // A lost GPU device stays lost: retrying smaller would only fail again.
    if (isDenoiseError(current) && current.code === 'E_GPU_OOM') return current.details?.['deviceLost'] !== true;
    if (textsOf(current).some((text) => OOM_PATTERNS.some((re) => re.test(text)))) return true;
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return false;
}

/** What to tell the user when memory runs out, by job. */
export const GPU_OOM_ADVICE = {
  denoising: 'Close other programs that use the GPU, or denoise on the CPU (--backend wasm, or Settings > Compute backend).',
  training:
    'Lower the batch size (--batch) or patch size (--patch), pick a smaller model size, close other programs that use the GPU, or train on the CPU (--backend wasm). The newest checkpoint is kept.',
} as const;

/**
 * A job's failure as the user should see it: out-of-memory errors (and a lost device) become
 * E_GPU_OOM with advice, anything else passes through unchanged.
 */
export function asGpuOomError(error: unknown, job: keyof typeof GPU_OOM_ADVICE): unknown {
  if (isDenoiseError(error) && error.code === 'E_GPU_OOM') {
    return error.message.includes(GPU_OOM_ADVICE[job]) ? error : new DenoiseError('E_GPU_OOM', `${error.message} ${GPU_OOM_ADVICE[job]}`, error.details);
  }
  if (!isOomError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DenoiseError('E_GPU_OOM', `Out of memory while ${job}. ${GPU_OOM_ADVICE[job]}`, { cause: message.slice(0, 500) });
}
