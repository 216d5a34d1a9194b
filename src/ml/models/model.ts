import type * as tf from '@tensorflow/tfjs-core';

/**
 * What every autoencoder kind in the registry provides. The training loop, the model files and
 * tiled inference only ever see this interface, so adding a kind never touches them.
 */
export type OptionValue = number | string | boolean;

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
  /** Maps a corrupted batch to its restoration (for denoisers) or reconstruction. */
  predict(input: tf.Tensor4D): tf.Tensor4D;
  loss(batch: TrainBatch): LossTerms;
  dispose(): void;
}

export interface ModelDefinition {
  kind: string;
  title: string;
  description: string;
  /** Fills defaults and validates user options; throws E_INVALID_ARGUMENT on bad ones. */
  resolveOptions(options: Record<string, OptionValue>): Record<string, OptionValue>;
  create(spec: ModelSpec, seed: number): Model;
}
