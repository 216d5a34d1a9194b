/**
 * Helpers for tests that compare a backend against the `cpu` reference. Not used at run time.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Runs `fn` with `backend` active and returns the values of the tensors it returns. */
export async function valuesOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  // Asynchronous reads: webgpu cannot read synchronously under Node.
  const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  return values;
}

/** max |a - b| / max(max |a|, tiny): one figure per tensor, insensitive to a few tiny values. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(a[i] as number));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Deterministic values in [-1, 1), independent of tf's RNG and of the backend. */
export function fixedValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Gradients of DAE-S's MSE loss (with a fresh, seeded net) on the active backend, in the
 * order of its variables, plus the loss: the end-to-end check that a backend trains conv nets
 * like the cpu reference does.
 */
export async function daeSGradients(backend: string, seed: number, shape: [number, number, number, number]): Promise<Float32Array[]> {
  const { createDaeS } = await import('../models/dae-s');
  const size = shape.reduce((a, b) => a * b);
  return valuesOn(backend, () => {
    const model = createDaeS(seed);
    const input = tf.tensor4d(fixedValues(size, seed + 1), shape);
    const target = tf.tensor4d(fixedValues(size, seed + 2), shape);
    const vars = [...model.variables.values()];
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(target, model.apply(input)) as tf.Scalar, vars);
    const out = [value, ...vars.map((v) => grads[v.name] as tf.Tensor)];
    tf.dispose([input, target]);
    model.dispose();
    return out;
  });
}
