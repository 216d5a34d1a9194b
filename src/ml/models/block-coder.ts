import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { DenoiseError } from '../../shared/errors';
import type { Rng } from '../data/rng';
import { addConv, addConvTranspose, addDense, conv, convTranspose2x, type ConvParams, type VariableMap } from './layers';

/**
 * The convolutional trunk the latent-code kinds (vae, aae) share: square blocks of `size`
 * pixels, three stride-2 convolutions down to a (size/8)^2 x 2*width grid flattened to
 * features, and from a code back up through three transposed convolutions to logits. Each kind
 * adds its own heads between (the VAE's mean and log-variance, the AAE's code and its
 * discriminator). Variable names and creation order are part of the model files and the seeded
 * start, so they stay as the kinds first defined them.
 */

/** The block side and width options, declared once for every kind built on this trunk. */
export const blockCoderFields = {
  input: z
    .number()
    .int()
    .min(8)
    .max(256)
    .multipleOf(8)
    .default(32)
    .meta({ label: 'Block side', help: 'Side in pixels of the square images it encodes and generates; a multiple of 8 (three stride-2 levels)' }),
  width: z.number().int().min(4).max(256).default(32).meta({ label: 'Width', help: 'Channels of the first convolution (the others have twice as many)' }),
};

export interface BlockEncoder {
  /** Length of the flattened feature vector the heads read. */
  flat: number;
  /** [n, size, size, c] blocks to [n, flat] features. */
  features(x: tf.Tensor4D): tf.Tensor2D;
  /** Throws E_INVALID_ARGUMENT unless `x` holds blocks of this size and channel count. */
  check(x: tf.Tensor4D, kind: string): void;
  /** The trunk's weights and biases, in creation order. */
  variables: tf.Variable[];
}

export function addBlockEncoder(vars: VariableMap, size: number, channels: number, width: number, rng: Rng): BlockEncoder {
  const enc: ConvParams[] = [addConv(vars, 'enc1', 3, channels, width, rng), addConv(vars, 'enc2', 3, width, 2 * width, rng), addConv(vars, 'enc3', 3, 2 * width, 2 * width, rng)];
  const flat = (size / 8) ** 2 * 2 * width;
  return {
    flat,
    variables: enc.flatMap((layer) => [layer.w, layer.b]),
    features: (x) => tf.reshape(enc.reduce((acc, layer) => conv(acc, layer, 2, 'relu'), x), [x.shape[0], flat]) as tf.Tensor2D,
    check: (x, kind) => {
      if (x.shape[1] !== size || x.shape[2] !== size || x.shape[3] !== channels) {
        throw new DenoiseError('E_INVALID_ARGUMENT', `This ${kind} encodes ${size} x ${size} x ${channels} images, got ${x.shape.slice(1).join(' x ')}`);
      }
    },
  };
}

/** From [n, latent] codes to [n, size, size, c] logits (the image is their sigmoid). */
export function addBlockDecoder(vars: VariableMap, size: number, channels: number, width: number, latent: number, rng: Rng): (z: tf.Tensor2D) => tf.Tensor4D {
  const s8 = size / 8;
  const fromZ = addDense(vars, 'fromz', latent, s8 * s8 * 2 * width, rng, Math.SQRT2);
  const dec: ConvParams[] = [addConvTranspose(vars, 'dec3', 3, 2 * width, 2 * width, rng), addConvTranspose(vars, 'dec2', 3, 2 * width, width, rng), addConvTranspose(vars, 'dec1', 3, width, width, rng)];
  const out = addConv(vars, 'out', 3, width, channels, rng, 1);
  return (z) => {
    const h = tf.relu(tf.add(tf.matMul(z, fromZ.w as tf.Tensor2D), fromZ.b));
    const grid = tf.reshape(h, [z.shape[0], s8, s8, 2 * width]) as tf.Tensor4D;
    return conv(dec.reduce((acc, layer) => convTranspose2x(acc, layer, 'relu'), grid), out, 1, 'linear');
  };
}

/** A dense head on the encoder's features. */
export function denseHead(layer: ConvParams, features: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(features, layer.w as tf.Tensor2D), layer.b) as tf.Tensor2D;
}
