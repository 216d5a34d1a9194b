import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../data/rng';
import { learningRateAt } from '../train/lr-schedule';
import type { ToyModel } from './toy-models';

/**
 * Trains a toy model on 2-D points: minibatches drawn with replacement from a seeded
 * generator, the image loop's cosine learning-rate schedule, one Adam optimizer per phase (the AAE's discriminator and autoencoder phases
 * alternate within each step). Reports the loss parts every `reportEvery` steps, reading them
 * once per report, and yields to the event loop there so a caller can redraw and cancel.
 */
export interface ToyTrainOptions {
  steps: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  reportEvery?: number;
  signal?: AbortSignal;
  /** Called after every `reportEvery` steps and at the end, with the mean loss parts of the window. */
  onReport?: (step: number, parts: Record<string, number>) => void | Promise<void>;
}

export interface ToyTrainResult {
  steps: number;
  parts: Record<string, number>;
  cancelled: boolean;
}

export async function trainToyModel(model: ToyModel, points: Float32Array, options: ToyTrainOptions): Promise<ToyTrainResult> {
  const batchSize = options.batchSize ?? 64;
  const reportEvery = options.reportEvery ?? 50;
  const rng = new Rng(options.seed ?? 0);
  const n = points.length / 2;
  const baseRate = options.learningRate ?? 1e-2;
  const optimizers = model.phases.map(() => tf.train.adam(baseRate));
  const batch = new Float32Array(batchSize * 2);
  let pending: tf.Tensor1D[] = [];
  let names: string[] = [];
  let last: Record<string, number> = {};
  let step = 0;
  let cancelled = false;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const values = await Promise.all(pending.map((p) => p.data()));
    pending.forEach((p) => p.dispose());
    pending = [];
    last = {};
    names.forEach((name, i) => {
      last[name] = values.reduce((s, v) => s + (v[i] as number), 0) / values.length;
    });
    await options.onReport?.(step, last);
  };

  try {
    while (step < options.steps) {
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
      for (let i = 0; i < batchSize; i++) {
        const j = rng.int(n);
        batch[2 * i] = points[2 * j] as number;
        batch[2 * i + 1] = points[2 * j + 1] as number;
      }
      const rate = learningRateAt(step / options.steps, baseRate, 'cosine');
      // Adam exposes its rate only to subclasses (as train-run.ts does).
      optimizers.forEach((o) => ((o as unknown as { learningRate: number }).learningRate = rate));
      const stepParts: tf.Scalar[] = [];
      const stepNames: string[] = [];
      tf.tidy(() => {
        const x = tf.tensor2d(batch, [batchSize, 2]);
        model.phases.forEach((phase, p) => {
          (optimizers[p] as tf.Optimizer).minimize(() => {
            const terms = phase.loss(x);
            for (const [name, value] of Object.entries(terms.parts)) {
              stepNames.push(name);
              // A clone: a part may be the total itself, which minimize disposes.
              stepParts.push(tf.keep(tf.clone(value)));
            }
            return terms.total;
          }, false, phase.variables);
        });
      });
      names = stepNames;
      pending.push(tf.tidy(() => tf.stack(stepParts) as tf.Tensor1D));
      stepParts.forEach((t) => t.dispose());
      step++;
      if (step % reportEvery === 0) {
        await flush();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await flush();
    return { steps: step, parts: last, cancelled };
  } finally {
    pending.forEach((p) => p.dispose());
    optimizers.forEach((opt) => opt.dispose());
  }
}
