import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { DenoiseError } from '../../shared/errors';
import { Rng } from '../data/rng';
import { addConv, addConvTranspose, conv, convTranspose2x, disposeVariables, type ConvParams, type VariableMap } from './layers';
import { bceWithLogits } from './likelihood';
import { RECONSTRUCTION_LOSSES, reconstructionLoss } from './losses';
import type { Model, ModelSpec, TrainBatch } from './model';
import { defineKind } from './options';

/**
 * The convolutional denoising autoencoder: a small U-shaped encoder-decoder trained with the
 * denoising objective L(x, g(f(x~))).
 *
 * Why this shape: on a CPU the budget is a few GFLOP/s, so every full-resolution channel is
 * expensive. Two stride-2 levels give a receptive field of about 40 px for a fraction of the
 * cost of a flat DnCNN-style stack, skip connections carry the detail the bottleneck drops, and
 * the residual output (the net predicts the noise, the output is x~ minus it) makes the
 * identity the starting point, which is why it reaches a good PSNR in minutes rather than hours.
 * Fully convolutional, so it runs on any image size that is a multiple of 4 (tiling pads).
 */
export const DAE_SIZES = ['tiny', 'small', 'medium'] as const;

/** Inputs are clipped this far inside (0, 1) before their logit is taken (bce, residual). */
const LOGIT_EPS = 1e-3;
export type DaeSize = (typeof DAE_SIZES)[number];

/** The DAE's options, declared once (see options.ts for what is derived from this). */
export const daeOptions = z
  .object({
    size: z.enum(DAE_SIZES).default('small').meta({ label: 'Size', help: 'Width and depth of the network: tiny trains fastest, medium denoises best' }),
    residual: z.boolean().default(true).meta({ label: 'Residual', help: 'Predict the noise and subtract it from the input, so training starts at the identity' }),
    loss: z
      .enum([...RECONSTRUCTION_LOSSES, 'bce'])
      .default('mse')
      .meta({ label: 'Loss', help: 'mse: mean squared error; l1: mean absolute error (a little higher PSNR in short runs); bce: cross-entropy for data in [0, 1] (the net then outputs logits)' }),
    // Absent from models saved before level-aware nets existed, which therefore load as fixed-level.
    noiseMap: z.boolean().default(false).meta({ label: 'Noise-level input', help: 'The net also sees the noise level as an input map (FFDNet), so one model serves every level' }),
  })
  .strict();
export type DaeOptions = z.output<typeof daeOptions>;

interface Preset {
  widths: [number, number, number];
  /** Extra 3x3 convs at each level (encoder side). */
  blocks: [number, number, number];
}

const PRESETS: Record<DaeSize, Preset> = {
  tiny: { widths: [16, 32, 64], blocks: [0, 1, 1] },
  small: { widths: [32, 48, 64], blocks: [0, 1, 2] },
  medium: { widths: [32, 64, 96], blocks: [1, 1, 3] },
};

interface DaeParams {
  head: ConvParams;
  enc: ConvParams[][];
  down: [ConvParams, ConvParams];
  up: [ConvParams, ConvParams];
  dec: [ConvParams, ConvParams];
  tail: ConvParams;
}

function build(spec: ModelSpec, preset: Preset, noiseMap: boolean, rng: Rng, vars: VariableMap): DaeParams {
  const [w0, w1, w2] = preset.widths;
  const c = spec.channels;
  // A level-aware net sees the noise level as one more input channel (FFDNet's noise map).
  const head = addConv(vars, 'head', 3, c + (noiseMap ? 1 : 0), w0, rng);
  const widths = preset.widths;
  const enc = preset.blocks.map((n, level) =>
    Array.from({ length: n }, (_, i) => addConv(vars, `enc${level}_${i}`, 3, widths[level] as number, widths[level] as number, rng)),
  );
  const down: [ConvParams, ConvParams] = [addConv(vars, 'down1', 3, w0, w1, rng), addConv(vars, 'down2', 3, w1, w2, rng)];
  const up: [ConvParams, ConvParams] = [addConvTranspose(vars, 'up1', 3, w1, w0, rng), addConvTranspose(vars, 'up2', 3, w2, w1, rng)];
  const dec: [ConvParams, ConvParams] = [addConv(vars, 'dec0', 3, w0, w0, rng), addConv(vars, 'dec1', 3, w1, w1, rng)];
  // A small last layer keeps the initial residual near zero, so training starts at the identity.
  const tail = addConv(vars, 'tail', 3, w0, c, rng, 0.1);
  return { head, enc, down, up, dec, tail };
}

/**
 * Receptive radius in input pixels along the deepest path: a 3x3 conv at scale s (1 = full
 * resolution, 2 = half, 4 = quarter) adds s, a stride-2 conv adds its input scale, and a
 * stride-2 transposed conv adds twice its output scale. Tiles overlapping by this much give
 * exactly the untiled result.
 */
function receptiveRadiusOf(preset: Preset): number {
  const [b0, b1, b2] = preset.blocks;
  const encoder = 1 + b0 + 1 + 2 * b1 + 2 + 4 * b2;
  const decoder = 8 + 2 + 4 + 1 + 1;
  return encoder + decoder;
}

function forward(p: DaeParams, x: tf.Tensor4D): tf.Tensor4D {
  const stack = (t: tf.Tensor4D, blocks: ConvParams[] | undefined): tf.Tensor4D =>
    (blocks ?? []).reduce((acc, b) => conv(acc, b, 1, 'relu'), t);
  const s0 = stack(conv(x, p.head, 1, 'relu'), p.enc[0]);
  const s1 = stack(conv(s0, p.down[0], 2, 'relu'), p.enc[1]);
  const s2 = stack(conv(s1, p.down[1], 2, 'relu'), p.enc[2]);
  const u1 = conv(tf.add(convTranspose2x(s2, p.up[1], 'relu'), s1), p.dec[1], 1, 'relu');
  const u0 = conv(tf.add(convTranspose2x(u1, p.up[0], 'relu'), s0), p.dec[0], 1, 'relu');
  return conv(u0, p.tail, 1, 'linear');
}

/** The input with the level map appended as its last channel (a per-sample level is spread over the image). */
function withLevelMap(input: tf.Tensor4D, level: tf.Tensor4D | undefined): tf.Tensor4D {
  if (!level) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'This model is noise-level-aware: give the noise level (sigma) to denoise with it');
  }
  const [n, h, w] = input.shape;
  return tf.concat([input, tf.broadcastTo(level, [n, h, w, 1])], 3);
}

export function createDae(spec: ModelSpec, options: DaeOptions, seed: number): Model {
  const vars: VariableMap = new Map();
  const { residual, noiseMap, loss: lossKind } = options;
  const preset = PRESETS[options.size];
  const params = build(spec, preset, noiseMap, new Rng(seed), vars);
  /**
   * With the cross-entropy loss the net works in logit space, as a Bernoulli decoder does: its
   * output (or, residual, the input's logit minus it) is a logit, and the image is its sigmoid,
   * so outputs stay inside (0, 1) and the loss is taken from the logits without log(0).
   */
  const bce = lossKind === 'bce';
  const logitsOf = (input: tf.Tensor4D, noiseLevel?: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const out = forward(params, noiseMap ? withLevelMap(input, noiseLevel) : input);
      if (!residual) return out;
      const p = tf.clipByValue(input, LOGIT_EPS, 1 - LOGIT_EPS);
      return tf.sub(tf.log(tf.div(p, tf.sub(1, p))), out);
    });
  const predict = (input: tf.Tensor4D, noiseLevel?: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      if (bce) return tf.sigmoid(logitsOf(input, noiseLevel));
      const out = forward(params, noiseMap ? withLevelMap(input, noiseLevel) : input);
      return residual ? tf.sub(input, out) : out;
    });
  return {
    spec,
    variables: vars,
    sizeMultiple: 4,
    receptiveRadius: receptiveRadiusOf(preset),
    ...(noiseMap ? { takesNoiseLevel: true } : {}),
    predict,
    loss: (batch: TrainBatch) => {
      const total = lossKind === 'bce' ? bceWithLogits(logitsOf(batch.input, batch.noiseLevel), batch.target, batch.mask) : reconstructionLoss(lossKind, predict(batch.input, batch.noiseLevel), batch.target, batch.mask);
      return { total, parts: { reconstruction: total } };
    },
    dispose: () => disposeVariables(vars),
  };
}

export const daeDefinition = defineKind({
  kind: 'dae',
  title: 'Denoising autoencoder',
  description: 'A convolutional encoder-decoder trained to map corrupted images to clean ones. Works on any image size.',
  options: daeOptions,
  // By measurement (docs/denoisers.md): a 10-minute run on Train400 at sigma 25 reached 29.21 dB on
  // Set12 with batch 8 and rate 2e-3 (1373 steps) against 28.63 with batch 16 and 1e-3 (684
  // steps), on the same 2-core machine: twice the updates for the same pixels.
  recipe: { batchSize: 8, learningRate: 2e-3 },
  // L1 beat MSE at every budget measured (docs/denoisers.md), so a model trained with MSE can be
  // fine-tuned with L1 rather than trained again.
  objectiveOptions: ['loss'],
  create: createDae,
});
