import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import { isOomError } from './oom';

// WebAssembly.RuntimeError is not in this project's type libs; its name and message are what count.
const wasmRuntimeError = (message: string): Error => Object.assign(new Error(message), { name: 'RuntimeError' });

describe('isOomError', () => {
  const oom: unknown[] = [
    new DenoiseError('E_GPU_OOM', 'tile batch did not fit'),
    // tfjs-node-gpu (TensorFlow C API)
    new Error('Invalid TF_Status: 8\nMessage: OOM when allocating tensor with shape[16,64,512,512] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc'),
    new Error('Invalid TF_Status: 8\nMessage: failed to allocate memory'),
    new Error('CUDA_ERROR_OUT_OF_MEMORY: out of memory'),
    // emscripten (tfjs-backend-wasm)
    wasmRuntimeError('Aborted(OOM). Build with -sASSERTIONS for more info.'),
    'abort(OOM). Build with -s ASSERTIONS=1 for more info.',
    new Error('Cannot enlarge memory arrays to size 4294967296 bytes (OOM).'),
    // V8
    new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'),
    new RangeError('WebAssembly.Memory(): could not allocate memory'),
    new RangeError('Array buffer allocation failed'),
    // WebGPU
    Object.assign(new Error('Buffer allocation failed'), { name: 'GPUOutOfMemoryError' }),
    // wrapped by a caller
    new Error('predict failed', { cause: new Error('Invalid TF_Status: 8\nMessage: OOM when allocating tensor') }),
  ];
  const notOom: unknown[] = [
    new Error('Error in conv2d: depth of input (3) must match input depth for filter 1.'),
    wasmRuntimeError('memory access out of bounds'),
    new RangeError('Invalid typed array length: -4'),
    new Error('Requested texture size [40000x1] greater than WebGL maximum on this browser / GPU [16384x16384].'),
    new DenoiseError('E_CANCELLED', 'cancelled'),
    new Error('Invalid TF_Status: 3\nMessage: Input to reshape is a tensor with 10 values'),
    undefined,
    null,
    42,
    { message: 42 },
  ];

  it.each(oom.map((e, i) => [i, e]))('recognises out-of-memory case %i', (_i, e) => {
    expect(isOomError(e)).toBe(true);
  });

  it.each(notOom.map((e, i) => [i, e]))('leaves other failure %i alone', (_i, e) => {
    expect(isOomError(e)).toBe(false);
  });

  it('does not loop on a cyclic cause chain', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(isOomError(a)).toBe(false);
  });
});
