import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import { activate, type CodeActivation } from '../models/autoencoder';
import { conv, convTranspose2x, type ConvParams } from '../models/layers';
import type { Model, TrainBatch } from '../models/model';

/**
 * Greedy layer-wise pretraining of a stacked autoencoder (Bengio et al. 2007; Vincent et al.
 * 2010 for stacked denoising AEs): each encoder level is trained as a shallow autoencoder on the
 * codes of the level below, with its mirror decoder level, before the whole stack is fine-tuned
 * end to end by the ordinary training loop.
 *
 * The convolutional ae, cae and sparse kinds are three-level stacks (autoencoder.ts):
 *
 *   level 1  x  -> e1 (3x3, ReLU)            -> out (3x3, sigmoid)        -> x        (input: the corrupted batch, target: clean)
 *   level 2  h1 -> e2 (3x3 stride 2, ReLU)   -> d1 (transposed, ReLU)     -> h1
 *   level 3  h2 -> code (3x3 stride 2, act)  -> d2 (transposed, ReLU)     -> h2
 *
 * so a denoising run pretrains its first level as a denoising AE and the upper levels on the
 * codes of clean-trained lower levels, as stacked DAEs do. Penalties (sparsity, contraction)
 * apply in the fine-tuning only: the shallow stages minimise reconstruction alone.
 *
 * The dense forms have one hidden layer, so there is nothing to stack: greedy pretraining of
 * one layer is ordinary training, and asking for it is refused with that reason. The dae kind
 * is a U-Net whose skip connections bypass the deep levels, so a level's shallow AE would not
 * be the level the stack uses; it is refused too.
 */
export interface GreedyLevel {
  name: string;
  variables: tf.Variable[];
  /** The level's encoder on the level below's code. */
  encode(h: tf.Tensor4D): tf.Tensor4D;
  /** The mirror decoder back to the level below's code. */
  decode(h: tf.Tensor4D): tf.Tensor4D;
}

const STACKABLE_KINDS = ['ae', 'cae', 'sparse'];

export function greedyLevels(model: Model): GreedyLevel[] {
  const { kind, options } = model.spec;
  if (!STACKABLE_KINDS.includes(kind)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Greedy pretraining stacks the convolutional ae, cae and sparse kinds; a ${kind} model is not a stack of autoencoder levels`);
  }
  if (options['arch'] !== 'conv') {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'The dense autoencoder has one hidden layer, so there is nothing to stack: train it directly, or use --conv for a three-level stack');
  }
  const get = (name: string): ConvParams => {
    const w = model.variables.get(`${name}/w`);
    const b = model.variables.get(`${name}/b`);
    if (!w || !b) throw new DenoiseError('E_INTERNAL', `The ${kind} model has no ${name} layer`);
    return { w, b };
  };
  const e1 = get('e1');
  const e2 = get('e2');
  const code = get('code');
  const d2 = get('d2');
  const d1 = get('d1');
  const out = get('out');
  const activation = options['activation'] as CodeActivation;
  return [
    { name: 'level 1', variables: [e1.w, e1.b, out.w, out.b], encode: (x) => conv(x, e1, 1, 'relu'), decode: (h) => tf.sigmoid(conv(h, out, 1, 'linear')) },
    { name: 'level 2', variables: [e2.w, e2.b, d1.w, d1.b], encode: (h) => conv(h, e2, 2, 'relu'), decode: (h) => convTranspose2x(h, d1, 'relu') },
    { name: 'level 3', variables: [code.w, code.b, d2.w, d2.b], encode: (h) => activate(conv(h, code, 2, 'linear'), activation) as tf.Tensor4D, decode: (h) => convTranspose2x(h, d2, 'relu') },
  ];
}

export interface GreedyOptions {
  stepsPerLevel: number;
  learningRate: number;
  signal?: AbortSignal;
  /** After each level, with the mean reconstruction loss of its last 10 steps. */
  onLevel?: (level: string, loss: number) => void;
}

/**
 * Pretrains the levels in order with one Adam optimizer each, on batches from `nextBatch`.
 * Level 1 learns input -> target (a denoising AE when the batch is corrupted); level k > 1
 * reconstructs the code of the levels below, which are frozen (not in its variable list).
 */
export async function greedyPretrain(model: Model, nextBatch: () => TrainBatch, options: GreedyOptions): Promise<Record<string, number>> {
  const levels = greedyLevels(model);
  const losses: Record<string, number> = {};
  for (let k = 0; k < levels.length; k++) {
    const level = levels[k] as GreedyLevel;
    const below = levels.slice(0, k);
    const optimizer = tf.train.adam(options.learningRate);
    const recent: tf.Scalar[] = [];
    try {
      for (let step = 0; step < options.stepsPerLevel; step++) {
        if (options.signal?.aborted) break;
        const loss = tf.tidy(() => {
          const batch = nextBatch();
          return optimizer.minimize(
            () => {
              if (k === 0) return tf.mean(tf.square(tf.sub(level.decode(level.encode(batch.input)), batch.target))) as tf.Scalar;
              const h = below.reduce((acc, l) => l.encode(acc), batch.input);
              return tf.mean(tf.square(tf.sub(level.decode(level.encode(h)), h))) as tf.Scalar;
            },
            true,
            level.variables,
          ) as tf.Scalar;
        });
        recent.push(loss);
        if (recent.length > 10) recent.shift()?.dispose();
        // Yield now and then so a cancel or an event reaches us during a long stage.
        if (step % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
      }
      const values = await Promise.all(recent.map((l) => l.data()));
      losses[level.name] = values.reduce((s, v) => s + (v[0] as number), 0) / Math.max(1, values.length);
      options.onLevel?.(level.name, losses[level.name] as number);
    } finally {
      recent.forEach((l) => l.dispose());
      optimizer.dispose();
    }
  }
  return losses;
}
