import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import { asGpuOomError, GPU_OOM_ADVICE, isOomError } from './oom';

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
    Object.assign(new Error('WebGPU GPUValidationError: Buffer size (268435456) exceeds the max buffer size limit (134217728).'), { name: 'GPUValidationError' }),
    // wrapped by a caller
    new Error('predict failed', { cause: new Error('Invalid TF_Status: 8\nMessage: OOM when allocating tensor') }),
  ];
  const notOom: unknown[] = [
    new Error('Error in conv2d: depth of input (3) must match input depth for filter 1.'),
    wasmRuntimeError('memory access out of bounds'),
    new RangeError('Invalid typed array length: -4'),
    new Error('Requested texture size [40000x1] greater than WebGL maximum on this browser / GPU [16384x16384].'),
    new DenoiseError('E_CANCELLED', 'cancelled'),
    // A lost device: every tensor on it is gone, so a smaller retry cannot help.
    new DenoiseError('E_GPU_OOM', 'The GPU device was lost (unknown: ...)', { deviceLost: true }),
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

describe('asGpuOomError', () => {
  it('turns an out-of-memory failure into E_GPU_OOM that says what to do', () => {
    const err = asGpuOomError(Object.assign(new Error('Out of memory'), { name: 'GPUOutOfMemoryError' }), 'training');
    expect(err).toBeInstanceOf(DenoiseError);
    expect((err as DenoiseError).code).toBe('E_GPU_OOM');
    expect((err as DenoiseError).message).toContain(GPU_OOM_ADVICE.training);
  });

  it('adds the advice to a lost device once, and leaves other errors alone', () => {
    const lost = new DenoiseError('E_GPU_OOM', 'The GPU device was lost.', { deviceLost: true });
    const once = asGpuOomError(lost, 'denoising') as DenoiseError;
    expect(once.message).toContain(GPU_OOM_ADVICE.denoising);
    expect(once.details).toEqual({ deviceLost: true });
    expect((asGpuOomError(once, 'denoising') as DenoiseError).message).toBe(once.message);
    const other = new Error('shape mismatch');
    expect(asGpuOomError(other, 'training')).toBe(other);
  });
});
