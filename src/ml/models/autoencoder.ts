import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { DenoiseError } from '../../shared/errors';
import { Rng } from '../data/rng';
import { blockwise, toBlocks } from './blocks';
import { addConv, addConvTranspose, addDense, addVariable, conv, convTranspose2x, disposeVariables, type ConvParams, type VariableMap } from './layers';
import { bceWithLogits } from './likelihood';
import { reconstructionLoss } from './losses';
import type { LossTerms, Model, ModelSpec, TrainBatch } from './model';
import { defineKind, reject } from './options';

/**
 * The classic autoencoder, h = s(W x + b), y = s'(W' h + b'), in two shapes sharing one loss:
 *
 * - dense: on flattened p x p blocks (16 x 16 by default), with an optional tied decoder
 *   W' = W^T. Images of any size are cut into blocks (see blocks.ts).
 * - conv: a fully convolutional encoder (two stride-2 levels) whose code is a feature map at a
 *   quarter of the resolution, and a transposed-conv decoder; any size that is a multiple of 4.
 *
 * The contractive and sparse kinds are this model plus a penalty on the code (contractive.ts,
 * sparse.ts); the linear kind is the dense form with no non-linearity (linear-ae.ts).
 *
 * Loss scale: the reconstruction is a mean over pixels, i.e. the per-sample sum of errors
 * divided by the input size D; penalties are divided by D as well, so that lambda means what
 * it means in the papers, where the reconstruction is a per-sample sum.
 */
export const AE_ARCHS = ['dense', 'conv'] as const;
export type AeArch = (typeof AE_ARCHS)[number];
export const CODE_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'linear'] as const;
export type CodeActivation = (typeof CODE_ACTIVATIONS)[number];
export const AE_LOSSES = ['mse', 'bce'] as const;
export type AeLoss = (typeof AE_LOSSES)[number];
export type OutputActivation = 'sigmoid' | 'linear';

/**
 * The options every autoencoder kind shares (ae, cae and sparse add their penalty's; linear fixes
 * some). `latent` has no static default: it depends on `arch` and is filled in by `finishAe`.
 */
export const aeFields = {
  arch: z.enum(AE_ARCHS).default('dense').meta({ label: 'Architecture', help: 'dense: fully connected on flattened square blocks; conv: convolutional, on sizes that are multiples of 4' }),
  input: z.number().int().min(2).max(128).default(16).meta({ label: 'Block side', help: 'Dense only: side in pixels of the square blocks the model encodes' }),
  latent: z
    .number()
    .int()
    .min(1)
    .max(65536)
    .optional()
    .meta({ label: 'Code size', help: 'Dense: code units (default 64); conv: code channels at a quarter of the resolution (default 8)' }),
  activation: z.enum(['sigmoid', 'tanh', 'relu']).default('sigmoid').meta({ label: 'Code activation', help: 'Non-linearity applied to the code' }),
  tied: z.boolean().default(false).meta({ label: 'Tied decoder', help: "Dense only: the decoder uses the encoder's weights transposed (W' = W^T)" }),
  loss: z.enum(AE_LOSSES).default('mse').meta({ label: 'Loss', help: 'mse: mean squared error; bce: binary cross-entropy (pixels read as probabilities)' }),
};

/** The shared options once resolved: the dense-only ones exist only in the dense form. */
export type AeOptions =
  | { arch: 'dense'; input: number; latent: number; activation: CodeActivation; tied: boolean; loss: AeLoss }
  | { arch: 'conv'; latent: number; activation: CodeActivation; loss: AeLoss };

/** The shared fields as parsed, before `finishAe`. */
interface AeFieldValues {
  arch: AeArch;
  input: number;
  latent?: number | undefined;
  activation: CodeActivation;
  tied: boolean;
  loss: AeLoss;
}

/** The contradiction among the shared options, for a kind's .superRefine(). */
export function aeRules(o: AeFieldValues, ctx: z.core.$RefinementCtx): void {
  if (o.arch === 'conv' && o.tied) reject(ctx, 'tied', 'A tied decoder needs the dense form (--dense)');
}

/** For a kind's .transform(): the code size's default follows the form, and a conv model drops the dense-only options. */
export function finishAe(o: AeFieldValues): AeOptions {
  if (o.arch === 'dense') return { arch: 'dense', input: o.input, latent: o.latent ?? 64, activation: o.activation, tied: o.tied, loss: o.loss };
  return { arch: 'conv', latent: o.latent ?? 8, activation: o.activation, loss: o.loss };
}

export const aeOptions = z.object(aeFields).strict().superRefine(aeRules).transform(finishAe);

export interface AeConfig {
  arch: AeArch;
  /** Dense: side of the square blocks. */
  inputSize: number;
  /** Dense: code units; conv: code channels (at a quarter of the resolution). */
  latent: number;
  activation: CodeActivation;
  output: OutputActivation;
  tied: boolean;
  loss: AeLoss;
}

/** What a code penalty sees of one forward pass. */
export interface PenaltyContext {
  /** The encoder input: dense [N, D] (flattened blocks), conv [n, H, W, c]. */
  x: tf.Tensor;
  /** The code h: dense [N, latent], conv [n, H/4, W/4, latent]. */
  code: tf.Tensor;
  /** Dense only: the pre-activation W x + b. */
  pre?: tf.Tensor;
  /** Dense only: the encoder matrix W, [D, latent]. */
  encoderWeights?: tf.Tensor2D;
  /** The encoder itself, for penalties that probe it again (stochastic Jacobian estimates). */
  encode: (x: tf.Tensor) => tf.Tensor;
  activation: CodeActivation;
  /** Values per sample of the input, D: penalties are divided by it (see the header). */
  inputDim: number;
  /** Code positions per sample: 1 for dense, (H/4) * (W/4) for conv. */
  codePositions: number;
  /** Seeded per-model generator for penalties that draw noise. */
  rng: Rng;
}

export interface CodePenalty {
  /** Name of the loss part, as reported in progress events. */
  name: string;
  /** The weighted penalty (already multiplied by lambda and divided by D). */
  compute(ctx: PenaltyContext): tf.Scalar;
}

/** An autoencoder exposes its encoder so tests and tools can look at the code. */
export interface AutoencoderModel extends Model {
  readonly config: AeConfig;
  /** The code for an image batch: dense [blocks, latent] (blocks of the batch), conv [n, H/4, W/4, latent]. */
  encode(x: tf.Tensor4D): tf.Tensor;
  /** Dense only: the code for flattened blocks [N, D]. */
  encodeFlat?(x: tf.Tensor2D): tf.Tensor2D;
  /** Dense only: the encoder matrix W [D, latent]. */
  readonly encoderWeights?: tf.Variable;
  /** The penalty for a batch of inputs (dense: flattened [N, D]; conv: [n, H, W, c]), or zero. */
  penalty(x: tf.Tensor): tf.Scalar;
}

export function activate(z: tf.Tensor, activation: CodeActivation): tf.Tensor {
  switch (activation) {
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'linear':
      return z;
  }
}

/** Weight gain for He-style init: ReLU halves the variance, the others do not. */
function gainFor(activation: CodeActivation): number {
  return activation === 'relu' ? Math.SQRT2 : 1;
}

const CONV_WIDTHS = [32, 64] as const;

interface DenseParams {
  enc: ConvParams;
  dec: { w?: tf.Variable; b: tf.Variable };
}

interface ConvAeParams {
  e1: ConvParams;
  e2: ConvParams;
  code: ConvParams;
  d2: ConvParams;
  d1: ConvParams;
  out: ConvParams;
}

export function createAutoencoder(spec: ModelSpec, seed: number, config: AeConfig, penalty?: CodePenalty): AutoencoderModel {
  const rng = new Rng(seed);
  const noiseRng = new Rng(seed ^ 0x2545f491);
  const vars: VariableMap = new Map();
  const c = spec.channels;
  if (config.output === 'linear' && config.loss === 'bce') {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Binary cross-entropy needs a sigmoid output; use loss mse with a linear output');
  }
  const recon = (logits: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): tf.Scalar =>
    config.loss === 'bce' ? bceWithLogits(logits, target, mask) : reconstructionLoss('mse', config.output === 'sigmoid' ? tf.sigmoid(logits) : logits, target, mask);
  const out = (logits: tf.Tensor): tf.Tensor => (config.output === 'sigmoid' ? tf.sigmoid(logits) : logits);
  const zero = (): tf.Scalar => tf.scalar(0);

  if (config.arch === 'dense') {
    const p = config.inputSize;
    const d = p * p * c;
    const enc = addDense(vars, 'enc', d, config.latent, rng, gainFor(config.activation));
    const dec: DenseParams['dec'] = config.tied
      ? { b: addVariable(vars, 'dec/b', tf.zeros([d])) }
      : addDense(vars, 'dec', config.latent, d, rng);
    const decoderMatrix = (): tf.Tensor2D => (dec.w ? (dec.w as tf.Tensor2D) : tf.transpose(enc.w as tf.Tensor2D));
    const preOf = (x: tf.Tensor): tf.Tensor2D => tf.add(tf.matMul(x as tf.Tensor2D, enc.w as tf.Tensor2D), enc.b) as tf.Tensor2D;
    const encodeFlat = (x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => activate(preOf(x), config.activation) as tf.Tensor2D);
    const logitsOf = (h: tf.Tensor): tf.Tensor2D => tf.add(tf.matMul(h as tf.Tensor2D, decoderMatrix()), dec.b) as tf.Tensor2D;
    const flat = (x: tf.Tensor4D): tf.Tensor2D => tf.reshape(toBlocks(x, p), [-1, d]);
    const penaltyOf = (x: tf.Tensor, pre: tf.Tensor, h: tf.Tensor): tf.Scalar =>
      penalty
        ? penalty.compute({
            x,
            code: h,
            pre,
            encoderWeights: enc.w as tf.Tensor2D,
            encode: (v) => activate(preOf(v), config.activation),
            activation: config.activation,
            inputDim: d,
            codePositions: 1,
            rng: noiseRng,
          })
        : zero();
    const predictBlocks = (blocks: tf.Tensor4D): tf.Tensor4D =>
      tf.reshape(out(logitsOf(encodeFlat(tf.reshape(blocks, [-1, d])))), blocks.shape) as tf.Tensor4D;
    return {
      spec,
      config,
      variables: vars,
      sizeMultiple: p,
      receptiveRadius: p,
      fixedInputSize: p,
      encoderWeights: enc.w,
      predict: (input) => tf.tidy(() => blockwise(input, p, predictBlocks)),
      encode: (x) => tf.tidy(() => encodeFlat(flat(x))),
      encodeFlat,
      penalty: (x) => tf.tidy(() => {
        const pre = preOf(x);
        return penaltyOf(x, pre, activate(pre, config.activation));
      }),
      loss: (batch: TrainBatch): LossTerms => {
        const x = flat(batch.input);
        const pre = preOf(x);
        const h = activate(pre, config.activation);
        const reconstruction = recon(logitsOf(h), flat(batch.target), batch.mask ? flat(batch.mask) : undefined);
        if (!penalty) return { total: reconstruction, parts: { reconstruction } };
        const reg = penaltyOf(x, pre, h);
        return { total: tf.add(reconstruction, reg), parts: { reconstruction, [penalty.name]: reg } };
      },
      dispose: () => disposeVariables(vars),
    };
  }

  if (config.tied) throw new DenoiseError('E_INVALID_ARGUMENT', 'A tied decoder needs the dense form (--dense)');
  const [w1, w2] = CONV_WIDTHS;
  const params: ConvAeParams = {
    e1: addConv(vars, 'e1', 3, c, w1, rng),
    e2: addConv(vars, 'e2', 3, w1, w2, rng),
    code: addConv(vars, 'code', 3, w2, config.latent, rng, gainFor(config.activation)),
    d2: addConvTranspose(vars, 'd2', 3, config.latent, w2, rng),
    d1: addConvTranspose(vars, 'd1', 3, w2, w1, rng),
    out: addConv(vars, 'out', 3, w1, c, rng, 1),
  };
  const encodeConv = (x: tf.Tensor): tf.Tensor4D => {
    const h1 = conv(x as tf.Tensor4D, params.e1, 1, 'relu');
    const h2 = conv(h1, params.e2, 2, 'relu');
    return activate(conv(h2, params.code, 2, 'linear'), config.activation) as tf.Tensor4D;
  };
  const logitsConv = (h: tf.Tensor4D): tf.Tensor4D => conv(convTranspose2x(convTranspose2x(h, params.d2, 'relu'), params.d1, 'relu'), params.out, 1, 'linear');
  const penaltyConv = (x: tf.Tensor4D, h: tf.Tensor4D): tf.Scalar => {
    if (!penalty) return zero();
    const [, height, width, ch] = x.shape;
    return penalty.compute({
      x,
      code: h,
      encode: encodeConv,
      activation: config.activation,
      inputDim: height * width * ch,
      codePositions: (height / 4) * (width / 4),
      rng: noiseRng,
    });
  };
  const checkSize = (x: tf.Tensor4D): void => {
    if (x.shape[1] % 4 !== 0 || x.shape[2] % 4 !== 0) {
      throw new DenoiseError('E_INVALID_ARGUMENT', `The convolutional autoencoder needs sizes that are multiples of 4, got ${x.shape[1]} x ${x.shape[2]}`);
    }
  };
  return {
    spec,
    config,
    variables: vars,
    sizeMultiple: 4,
    // 3x3 convs: 1 px at full resolution, 1 + 2 on the way down, 4 + 2 + 1 on the way up.
    receptiveRadius: 16,
    predict: (input) =>
      tf.tidy(() => {
        checkSize(input);
        return out(logitsConv(encodeConv(input))) as tf.Tensor4D;
      }),
    encode: (x) => tf.tidy(() => encodeConv(x)),
    penalty: (x) => tf.tidy(() => penaltyConv(x as tf.Tensor4D, encodeConv(x))),
    loss: (batch: TrainBatch): LossTerms => {
      checkSize(batch.input);
      const h = encodeConv(batch.input);
      const reconstruction = recon(logitsConv(h), batch.target, batch.mask);
      if (!penalty) return { total: reconstruction, parts: { reconstruction } };
      const reg = penaltyConv(batch.input, h);
      return { total: tf.add(reconstruction, reg), parts: { reconstruction, [penalty.name]: reg } };
    },
    dispose: () => disposeVariables(vars),
  };
}

export function aeConfigOf(options: AeOptions, output: OutputActivation = 'sigmoid'): AeConfig {
  const dense = options.arch === 'dense';
  return {
    arch: options.arch,
    inputSize: dense ? options.input : 16,
    latent: options.latent,
    activation: options.activation,
    output,
    tied: dense && options.tied,
    loss: options.loss,
  };
}

/** Values in the code and in the input, per sample, for a patch of `patch` pixels (conv: any multiple of 4). */
export function codeAndInputSize(options: AeOptions, channels: number, patch = 64): { code: number; input: number } {
  if (options.arch === 'conv') return { code: (patch / 4) * (patch / 4) * options.latent, input: patch * patch * channels };
  return { code: options.latent, input: options.input * options.input * channels };
}

/** The identity warning for kinds with no regulariser. */
export function identityWarnings(spec: ModelSpec, options: AeOptions): string[] {
  const { code, input } = codeAndInputSize(options, spec.channels);
  if (code < input) return [];
  const conv = options.arch === 'conv';
  const what = conv ? `${options.latent} code channels at a quarter of the resolution` : `${code} code units`;
  return [
    `The code (${what}) is not smaller than the input (${conv ? `${spec.channels} channel(s) at full resolution` : `${input} values`}) ` +
      'and no regulariser is on, so the model can learn the identity. Use a smaller --latent, a regularised kind (cae, sparse) or a corruption (--noise).',
  ];
}

export function patchMultipleOf(options: AeOptions): number {
  return options.arch === 'conv' ? 4 : options.input;
}

export const aeDefinition = defineKind({
  kind: 'ae',
  title: 'Autoencoder',
  description: 'The classic autoencoder: dense on flattened patches (optionally with a tied decoder) or convolutional; sigmoid, tanh or ReLU code; MSE or cross-entropy.',
  options: aeOptions,
  create: (spec, options, seed) => createAutoencoder(spec, seed, aeConfigOf(options)),
  patchMultiple: patchMultipleOf,
  warnings: identityWarnings,
});
