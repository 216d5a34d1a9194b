import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Rng } from '../data/rng';
import { aeConfigOf, aeFields, aeRules, createAutoencoder, finishAe, patchMultipleOf, type CodeActivation, type CodePenalty, type PenaltyContext } from './autoencoder';
import { defineKind, reject } from './options';

/**
 * The contractive autoencoder (Rifai et al. 2011): reconstruction + lambda * ||dh/dx||_F^2,
 * which makes the code insensitive to input directions the data does not vary along.
 *
 * Dense one-layer encoder h = s(W x + b): the Jacobian is diag(s'(z)) W^T, so its squared
 * Frobenius norm has the exact closed form
 *     sum_j s'(z_j)^2 * sum_i W_ij^2
 * (for the sigmoid, s'(z) = h (1 - h); for tanh, 1 - h^2; ReLU, the step; linear, 1).
 *
 * Convolutional (deep) encoders have no cheap closed form: the Jacobian is (code size) x
 * (input size). There it is estimated stochastically. For v ~ N(0, I),
 * E[||J v||^2] = tr(J^T J) = ||J||_F^2 (Hutchinson), and J v is approximated by the forward
 * difference (h(x + eps v) - h(x)) / eps. Each projection costs one extra encoder pass, the
 * gradient flows through both passes with ordinary backprop (no double backprop), and the
 * estimate is unbiased up to O(eps) truncation error. eps = 0.01 (about 2.5 grey levels) keeps
 * that error small while staying far above float32 rounding of activations near 1. With one
 * projection per step the estimate is noisy, but SGD averages it over steps. This is also
 * what Rifai et al.'s CAE+H penalises with Gaussian input corruption, up to the eps^2 scale.
 *
 * The penalty is averaged over the batch and divided by the input size D, like the
 * reconstruction mean (see autoencoder.ts).
 */
export const JACOBIAN_METHODS = ['exact', 'estimate'] as const;
export type JacobianMethod = (typeof JACOBIAN_METHODS)[number];

/** The shared autoencoder options plus the penalty's; `auto` picks the exact form where there is one. */
export const caeOptions = z
  .object({
    ...aeFields,
    lambda: z.number().min(0).max(1e6).default(0.1).meta({ label: 'Penalty weight (lambda)', help: 'Weight of the Jacobian penalty against the reconstruction' }),
    jacobian: z
      .enum(['auto', ...JACOBIAN_METHODS])
      .default('auto')
      .meta({ label: 'Jacobian', help: 'exact: closed form (dense only); estimate: random projections (any encoder); auto: exact when dense' }),
    projections: z.number().int().min(1).max(64).default(1).meta({ label: 'Projections', help: 'Estimate only: random directions per step (more is less noisy and slower)' }),
  })
  .strict()
  .superRefine((o, ctx) => {
    aeRules(o, ctx);
    if (o.jacobian === 'exact' && o.arch !== 'dense') {
      reject(ctx, 'jacobian', 'The exact Jacobian penalty needs the dense one-layer encoder; a convolutional encoder uses jacobian=estimate');
    }
  })
  .transform(({ lambda, jacobian, projections, ...shared }) => {
    const base = finishAe(shared);
    const method: JacobianMethod = jacobian === 'auto' ? (base.arch === 'dense' ? 'exact' : 'estimate') : jacobian;
    return method === 'exact' ? { ...base, lambda, jacobian: method } : { ...base, lambda, jacobian: method, projections };
  });

/** s'(z) from the pre-activation z and the activation h = s(z). */
function activationSlope(pre: tf.Tensor, h: tf.Tensor, activation: CodeActivation): tf.Tensor {
  switch (activation) {
    case 'sigmoid':
      return tf.mul(h, tf.sub(1, h));
    case 'tanh':
      return tf.sub(1, tf.square(h));
    case 'relu':
      return tf.step(pre);
    case 'linear':
      return tf.onesLike(pre);
  }
}

/** ||dh/dx||_F^2 per row for a dense one-layer encoder: [N]. */
export function denseJacobianNormSq(pre: tf.Tensor, h: tf.Tensor, weights: tf.Tensor2D, activation: CodeActivation): tf.Tensor1D {
  return tf.tidy(() => {
    const columnNorms = tf.sum(tf.square(weights), 0); // [latent]: sum over inputs i of W_ij^2
    const slope = activationSlope(pre, h, activation);
    return tf.sum(tf.mul(tf.square(slope), columnNorms), 1) as tf.Tensor1D;
  });
}

/**
 * Stochastic estimate of ||dh/dx||_F^2 per sample (see the header): the mean over `projections`
 * random directions of ||h(x + eps v) - h(x)||^2 / eps^2. `code` is h(x). Returns [n].
 */
export function estimateJacobianNormSq(
  encode: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  code: tf.Tensor,
  rng: Rng,
  projections = 1,
  eps = 0.01,
): tf.Tensor1D {
  return tf.tidy(() => {
    const n = x.shape[0] as number;
    const estimates: tf.Tensor[] = [];
    for (let k = 0; k < projections; k++) {
      const v = tf.randomNormal(x.shape, 0, 1, 'float32', rng.nextUint32());
      const diff = tf.sub(encode(tf.add(x, tf.mul(v, eps))), code);
      estimates.push(tf.sum(tf.reshape(tf.square(diff), [n, -1]), 1));
    }
    return tf.div(tf.addN(estimates), projections * eps * eps) as tf.Tensor1D;
  });
}

export function contractivePenalty(lambda: number, method: JacobianMethod, projections: number): CodePenalty {
  return {
    name: 'contractive',
    compute(ctx: PenaltyContext): tf.Scalar {
      return tf.tidy(() => {
        const perSample =
          method === 'exact' && ctx.pre && ctx.encoderWeights
            ? denseJacobianNormSq(ctx.pre, ctx.code, ctx.encoderWeights, ctx.activation)
            : estimateJacobianNormSq(ctx.encode, ctx.x, ctx.code, ctx.rng, projections);
        return tf.mul(tf.mean(perSample), lambda / ctx.inputDim) as tf.Scalar;
      });
    },
  };
}

export const caeDefinition = defineKind({
  kind: 'cae',
  title: 'Contractive autoencoder',
  description: 'An autoencoder whose code is penalised for its sensitivity to the input (the Jacobian norm): exact for a dense encoder, estimated for a convolutional one.',
  options: caeOptions,
  objectiveOptions: ['lambda'],
  create: (spec, o, seed) =>
    createAutoencoder(spec, seed, aeConfigOf(o), contractivePenalty(o.lambda, o.jacobian, o.jacobian === 'estimate' ? o.projections : 1)),
  patchMultiple: patchMultipleOf,
});
