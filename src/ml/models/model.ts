import type * as tf from '@tensorflow/tfjs-core';
import type { OptionValue, TrainRecipe } from '../../shared/training';
import type { OptionsSchema } from './options';

export type { OptionValue };

/** Everything needed to rebuild a model's graph; stored in meta.json. */
export interface ModelSpec {
  kind: string;
  channels: 1 | 3;
  options: Record<string, OptionValue>;
}

/** One training batch. `mask` marks the pixels that count in the loss (blind-spot training). */
export interface TrainBatch {
  input: tf.Tensor4D;
  target: tf.Tensor4D;
  mask?: tf.Tensor4D;
  /**
   * The noise level of each input, for models with `takesNoiseLevel`: the standard deviation on
   * the [0, 1] scale (sigma / 255), [n, 1, 1, 1] per sample or [n, h, w, 1] per pixel.
   */
  noiseLevel?: tf.Tensor4D;
}

/** The scalar to minimise plus named parts to report (e.g. reconstruction and KL). */
export interface LossTerms {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

export interface Model {
  readonly spec: ModelSpec;
  /** Named trainable variables; names are stable across versions of a kind (model files use them). */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Spatial sizes the net accepts must be multiples of this (2 per stride-2 level). */
  readonly sizeMultiple: number;
  /** Radius in pixels beyond which an output pixel does not see its input: the tile overlap floor. */
  readonly receptiveRadius: number;
  /**
   * Present and true for noise-level-aware denoisers (FFDNet-style): the level is an input
   * map, so one model covers a range of levels and the level is a control at denoising time.
   */
  readonly takesNoiseLevel?: boolean;
  /**
   * Set on models trained self-supervised on pixel-shuffle sub-images (meta.json `inference`):
   * above 1, denoising splits the image with this stride, runs the net on each sub-image and
   * merges them (infer/pixel-shuffle.ts). Absent or 1: the net takes the image as it is.
   */
  readonly pixelShuffleStride?: number;
  /**
   * Maps a corrupted batch to its restoration (for denoisers) or reconstruction. `noiseLevel`
   * (see TrainBatch) is required by models that take it and ignored by the others.
   */
  predict(input: tf.Tensor4D, noiseLevel?: tf.Tensor4D): tf.Tensor4D;
  loss(batch: TrainBatch): LossTerms;
  dispose(): void;
  /**
   * Side of the square blocks a dense or VAE model works on. Such a model still accepts any
   * size: it cuts images into blocks (padding to a multiple of this), and training patches
   * should be a multiple of it. Absent for fully convolutional models.
   */
  readonly fixedInputSize?: number;
  /** Present for generative kinds (the VAE): sampling, encoding and decoding in latent space. */
  readonly generative?: GenerativeModel;
  /**
   * Objectives trained in alternation with `loss` (the AAE's discriminator and generator): each
   * step, the training loop takes one step on each with its own optimizer, then the step on
   * `loss`; their variables are left out of the main optimizer unless `sharesVariables`.
   */
  readonly extraPhases?: readonly TrainingPhase[];
}

/** One extra objective and the variables it moves. */
export interface TrainingPhase {
  name: string;
  variables: readonly tf.Variable[];
  /** True when the main loss trains these variables too (the AAE's generator phase moves the encoder). */
  sharesVariables?: boolean;
  loss(batch: TrainBatch): tf.Scalar;
}

/** The latent-space face of a generative model. Every method returns tensors the caller owns. */
export interface GenerativeModel {
  /** Length of the latent vector z. */
  readonly latentSize: number;
  /** Side of the square images the decoder makes (equals fixedInputSize). */
  readonly imageSize: number;
  /** `count` images decoded from z ~ N(0, temperature^2 I), drawn from a seeded generator. */
  sample(count: number, seed: number, temperature: number): tf.Tensor4D;
  /** Posterior parameters for images of imageSize x imageSize: mean and log-variance, [n, latent]. */
  encode(x: tf.Tensor4D): { mean: tf.Tensor2D; logVar: tf.Tensor2D };
  /** Images in [0, 1] for latent vectors [n, latent]. */
  decode(z: tf.Tensor2D): tf.Tensor4D;
}

/**
 * What every autoencoder kind in the registry provides. The training loop, the model files and
 * tiled inference only ever see this interface, so adding a kind never touches them. Kinds are
 * written with `defineKind` (options.ts), which gives their functions typed options.
 */
export interface ModelDefinition {
  kind: string;
  title: string;
  description: string;
  /** The kind's options, declared once (options.ts): ranges, defaults, labels and help. */
  options: OptionsSchema;
  /** Models of this kind can sample images (`Model.generative` is set); checked for every kind by a test. */
  generative: boolean;
  /** Training settings measured best for this kind, used when the person sets none. */
  recipe?: TrainRecipe;
  /**
   * Options that change only what training minimises (a loss, a penalty's weight), never the
   * weights' shapes or what they compute, so a fine-tuning run may set them anew.
   */
  objectiveOptions?: readonly string[];
  /** Fills defaults and validates user options; throws E_INVALID_ARGUMENT on bad ones. */
  resolveOptions(options: Record<string, OptionValue>): Record<string, OptionValue>;
  create(spec: ModelSpec, seed: number): Model;
  /** Training patches must be a multiple of this (dense and VAE kinds: their block size); default 4. */
  patchMultiple?(options: Record<string, OptionValue>): number;
  /** Advice about resolved options worth showing before training (e.g. a code that can learn the identity). */
  warnings?(spec: ModelSpec): string[];
}
