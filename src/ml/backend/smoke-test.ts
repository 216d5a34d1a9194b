/**
 * The check that decides whether a backend is usable: one real training step of a tiny conv
 * autoencoder with every kind of layer the engine's models use (conv stride 1 and 2,
 * conv2dTranspose, ReLU, mean-squared loss, variableGrads). A package that loads but lacks a
 * gradient kernel, a CUDA build whose libraries do not match, or a wasm binary that cannot be
 * found all fail here rather than in the middle of a user's training run.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';

export type SmokeTestResult = { ok: true; ms: number } | { ok: false; reason: string };

/** Deterministic values in [-1, 1) without touching tf's global RNG. */
function pseudoRandom(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) return false;
  }
  return true;
}

export async function runSmokeTest(): Promise<SmokeTestResult> {
  const started = performance.now();
  const shapes: Record<string, [number, number, number, number]> = {
    w1: [3, 3, 1, 4],
    w2: [3, 3, 4, 8],
    w3: [3, 3, 4, 8], // conv2dTranspose: [h, w, out, in]
    w4: [3, 3, 4, 1],
  };
  const vars: tf.Variable[] = [];
  try {
    let seed = 1;
    for (const shape of Object.values(shapes)) {
      const fanIn = shape[0] * shape[1] * shape[2];
      const values = pseudoRandom(shape.reduce((a, b) => a * b), seed++, 1 / Math.sqrt(fanIn));
      // tidy frees the initial tensor; the variable keeps its own reference to the data.
      vars.push(tf.tidy(() => tf.variable(tf.tensor4d(values, shape))));
    }
    const [w1, w2, w3, w4] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>];
    const batch = 2;
    const x = tf.tensor4d(pseudoRandom(batch * 8 * 8, 99, 1), [batch, 8, 8, 1]);
    const target = tf.tensor4d(pseudoRandom(batch * 8 * 8, 7, 0.5), [batch, 8, 8, 1]);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const h1 = tf.relu(tf.conv2d(x, w1, 1, 'same'));
        const h2 = tf.relu(tf.conv2d(h1, w2, 2, 'same'));
        const h3 = tf.relu(tf.conv2dTranspose(h2, w3, [batch, 8, 8, 4], 2, 'same'));
        const y = tf.conv2d(h3, w4, 1, 'same');
        return tf.losses.meanSquaredError(target, y) as tf.Scalar;
      });

    const { value, grads } = tf.variableGrads(loss, vars);
    // Asynchronous reads only: a GPU backend cannot read synchronously under Node.
    const loss0 = (await value.data())[0] as number;
    const gradValues = await Promise.all(vars.map((v) => (grads[v.name] as tf.Tensor).data()));
    let sq = 0;
    for (const g of gradValues) for (let i = 0; i < g.length; i++) sq += (g[i] as number) ** 2;
    // One step that should lower the loss by about 1% if the gradient is right: catches
    // kernels that return finite garbage, which a finiteness check alone would pass.
    const lr = (0.01 * loss0) / Math.max(sq, 1e-30);
    vars.forEach((v) => {
      const g = grads[v.name] as tf.Tensor;
      tf.tidy(() => v.assign(tf.sub(v, tf.mul(g, lr))));
    });
    const after = loss();
    const loss1 = (await after.data())[0] as number;
    tf.dispose([value, after, x, target, ...Object.values(grads)]);

    if (!Number.isFinite(loss0) || !Number.isFinite(loss1)) return { ok: false, reason: `loss is not finite (${loss0}, ${loss1})` };
    if (!gradValues.every(allFinite)) return { ok: false, reason: 'a gradient is not finite' };
    if (sq === 0) return { ok: false, reason: 'all gradients are zero' };
    if (!(loss1 < loss0)) return { ok: false, reason: `a gradient step did not lower the loss (${loss0} -> ${loss1})` };
    return { ok: true, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    tf.dispose(vars);
  }
}
