import { isDenoiseError } from '../../shared/errors';

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
    if (isDenoiseError(current) && current.code === 'E_GPU_OOM') return true;
    if (textsOf(current).some((text) => OOM_PATTERNS.some((re) => re.test(text)))) return true;
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return false;
}
