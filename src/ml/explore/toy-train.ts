import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../data/rng';
import { learningRateAt } from '../train/lr-schedule';
import type { ToyModel } from './toy-models';

/**
 * Trains a toy model on 2-D points: minibatches drawn with replacement from a seeded
 * generator, the image loop's cosine learning-rate schedule over `totalSteps`, one Adam
 * optimizer per phase (the AAE's discriminator and autoencoder phases alternate within each
 * step). A trainer advances in stretches, so the lab can redraw (or train a second model)
 * between them; loss parts are read once per stretch.
 */
export interface ToyTrainerOptions {
  totalSteps: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

export class ToyTrainer {
  private readonly optimizers: tf.Optimizer[];
  private readonly rng: Rng;
  private readonly batch: Float32Array;
  private readonly batchSize: number;
  private readonly baseRate: number;
  step = 0;

  constructor(
    private readonly model: ToyModel,
    private readonly points: Float32Array,
    private readonly options: ToyTrainerOptions,
  ) {
    this.batchSize = options.batchSize ?? 64;
    this.baseRate = options.learningRate ?? 1e-2;
    this.rng = new Rng(options.seed ?? 0);
    this.batch = new Float32Array(this.batchSize * 2);
    this.optimizers = model.phases.map(() => tf.train.adam(this.baseRate));
  }

  get done(): boolean {
    return this.step >= this.options.totalSteps;
  }

  /** Up to `steps` more steps (never past totalSteps); the mean loss parts over them. */
  async advance(steps: number, signal?: AbortSignal): Promise<Record<string, number>> {
    const n = this.points.length / 2;
    const pending: tf.Tensor1D[] = [];
    let names: string[] = [];
    try {
      for (let k = 0; k < steps && !this.done && !signal?.aborted; k++) {
        for (let i = 0; i < this.batchSize; i++) {
          const j = this.rng.int(n);
          this.batch[2 * i] = this.points[2 * j] as number;
          this.batch[2 * i + 1] = this.points[2 * j + 1] as number;
        }
        const rate = learningRateAt(this.step / this.options.totalSteps, this.baseRate, 'cosine');
        // Adam exposes its rate only to subclasses (as train-run.ts does).
        this.optimizers.forEach((o) => ((o as unknown as { learningRate: number }).learningRate = rate));
        const stepParts: tf.Scalar[] = [];
        const stepNames: string[] = [];
        tf.tidy(() => {
          const x = tf.tensor2d(this.batch, [this.batchSize, 2]);
          this.model.phases.forEach((phase, p) => {
            (this.optimizers[p] as tf.Optimizer).minimize(
              () => {
                const terms = phase.loss(x);
                for (const [name, value] of Object.entries(terms.parts)) {
                  stepNames.push(name);
                  // A clone: a part may be the total itself, which minimize disposes.
                  stepParts.push(tf.keep(tf.clone(value)));
                }
                return terms.total;
              },
              false,
              phase.variables,
            );
          });
        });
        names = stepNames;
        pending.push(tf.tidy(() => tf.stack(stepParts) as tf.Tensor1D));
        stepParts.forEach((t) => t.dispose());
        this.step++;
        // Let other work (a cancel, an event) in now and then during a long stretch.
        if (k % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
      const values = await Promise.all(pending.map((p) => p.data()));
      const parts: Record<string, number> = {};
      names.forEach((name, i) => {
        parts[name] = values.reduce((s, v) => s + (v[i] as number), 0) / Math.max(1, values.length);
      });
      return parts;
    } finally {
      pending.forEach((p) => p.dispose());
    }
  }

  dispose(): void {
    this.optimizers.forEach((o) => o.dispose());
  }
}

export interface ToyTrainOptions {
  steps: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  reportEvery?: number;
  signal?: AbortSignal;
  /** Called after every `reportEvery` steps and at the end, with the mean loss parts of the stretch. */
  onReport?: (step: number, parts: Record<string, number>) => void | Promise<void>;
}

export interface ToyTrainResult {
  steps: number;
  parts: Record<string, number>;
  cancelled: boolean;
}

/** A whole run in one call, reporting every `reportEvery` steps. */
export async function trainToyModel(model: ToyModel, points: Float32Array, options: ToyTrainOptions): Promise<ToyTrainResult> {
  const trainer = new ToyTrainer(model, points, {
    totalSteps: options.steps,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  let parts: Record<string, number> = {};
  try {
    while (!trainer.done && !options.signal?.aborted) {
      parts = await trainer.advance(options.reportEvery ?? 50, options.signal);
      await options.onReport?.(trainer.step, parts);
    }
    return { steps: trainer.step, parts, cancelled: options.signal?.aborted ?? false };
  } finally {
    trainer.dispose();
  }
}
