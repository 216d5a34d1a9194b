/**
 * DAE-S training throughput on the active backend, the protocol of
 * ../shared/bench/torch_dae_throughput.py: batch B of S x S gray patches, input = clean +
 * N(0, 25/255), MSE, Adam 1e-3, warm-up steps then timed ones, noise drawn inside the timed
 * step, the loss read every step (the sync point for a GPU). Shared by bench:train and the
 * GPU script.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/ml/data/rng';
import { createDaeS } from '../../src/ml/models/dae-s';
import { instrumentKernels } from './kernel-timer';
import { mean, median } from './stats';

const SIGMA = 25 / 255;

export interface DaeTrainOptions {
  batch: number;
  size: number;
  warmup: number;
  steps: number;
  /** Steps to run with per-kernel timing after the timed ones (0: none). */
  profileSteps?: number;
}

export interface DaeTrainResult {
  patchesPerS: number;
  stepMs: number[];
  stepMsMean: number;
  stepMsMedian: number;
  finalLoss: number;
  tensorsLeakedPerStep: number;
  /** Mean exclusive ms per step and calls per step of each kernel, largest first. */
  kernelMsPerStep?: Record<string, string>;
}

export async function measureDaeSTraining(options: DaeTrainOptions): Promise<DaeTrainResult> {
  const { batch, size, warmup, steps } = options;
  const rng = new Rng(0);
  const cleanValues = new Float32Array(batch * size * size);
  for (let i = 0; i < cleanValues.length; i++) cleanValues[i] = rng.next();
  const clean = tf.tensor4d(cleanValues, [batch, size, size, 1]);
  const model = createDaeS(0);
  const varList = [...model.variables.values()];
  const optimizer = tf.train.adam(1e-3);
  let stepIndex = 0;
  const trainStep = async (): Promise<number> => {
    const seed = stepIndex++;
    const noisy = tf.tidy(() => tf.add(clean, tf.randomNormal([batch, size, size, 1], 0, SIGMA, 'float32', seed)));
    const cost = optimizer.minimize(() => tf.losses.meanSquaredError(clean, model.apply(noisy as tf.Tensor4D)) as tf.Scalar, true, varList);
    noisy.dispose();
    const loss = cost === null ? Number.NaN : ((await cost.data())[0] as number);
    cost?.dispose();
    return loss;
  };
  try {
    for (let i = 0; i < warmup; i++) await trainStep();
    const tensorsBefore = tf.memory().numTensors;
    const stepMs: number[] = [];
    let finalLoss = Number.NaN;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      finalLoss = await trainStep();
      stepMs.push(performance.now() - t0);
    }
    const tensorsLeakedPerStep = (tf.memory().numTensors - tensorsBefore) / steps;
    const totalS = stepMs.reduce((a, b) => a + b, 0) / 1000;
    const result: DaeTrainResult = {
      patchesPerS: (batch * steps) / totalS,
      stepMs,
      stepMsMean: mean(stepMs),
      stepMsMedian: median(stepMs),
      finalLoss,
      tensorsLeakedPerStep,
    };
    const n = options.profileSteps ?? 0;
    if (n > 0) {
      // On webgpu each kernel's commands are submitted before its clock stops (see kernel-timer):
      // that serialises the GPU, so the shares are what to read, not the sum.
      const timer = instrumentKernels(tf.getBackend(), tf.getBackend() === 'webgpu');
      try {
        for (let i = 0; i < n; i++) await trainStep();
        const rows = [...timer.snapshot().entries()].sort((a, b) => b[1].ms - a[1].ms);
        result.kernelMsPerStep = Object.fromEntries(rows.map(([name, t]) => [name, `${Math.round((t.ms / n) * 10) / 10} ms x${t.calls / n}`]));
      } finally {
        timer.restore();
      }
    }
    return result;
  } finally {
    model.dispose();
    clean.dispose();
    optimizer.dispose();
  }
}
