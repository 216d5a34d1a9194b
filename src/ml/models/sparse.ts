import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import { aeConfigOf, createAutoencoder, patchMultipleOf, resolveAeOptions, type CodePenalty, type PenaltyContext } from './autoencoder';
import type { ModelDefinition, ModelSpec } from './model';
import { optionChoice, optionNumber } from './options';

/**
 * The sparse autoencoder: the code is pushed to be mostly inactive, so each unit comes to
 * stand for a feature that is present in few inputs.
 *
 * - l1: lambda * sum_j |h_j| per sample (an activity penalty; any code activation).
 * - kl: lambda * sum_j KL(rho || rho_hat_j), where rho_hat_j is unit j's mean activation over
 *   the batch (and, for a conv code, over positions) and KL is between Bernoulli variables:
 *   rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat)) (Ng's lecture notes).
 *   It needs activations in (0, 1), so a sigmoid code.
 *
 * Both are divided by the input size D like the reconstruction mean (see autoencoder.ts); a conv
 * code has one "unit sample" per position, so its KL counts once per position.
 */
export const SPARSITY_PENALTIES = ['kl', 'l1'] as const;
export type SparsityPenalty = (typeof SPARSITY_PENALTIES)[number];

/** Bernoulli KL(rho || rhoHat) summed over units; rhoHat is clipped away from 0 and 1. */
export function bernoulliKl(rho: number, rhoHat: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.clipByValue(rhoHat, 1e-6, 1 - 1e-6);
    const a = tf.mul(rho, tf.log(tf.div(rho, q)));
    const b = tf.mul(1 - rho, tf.log(tf.div(1 - rho, tf.sub(1, q))));
    return tf.sum(tf.add(a, b)) as tf.Scalar;
  });
}

/** Mean activation of each code unit over the batch (and positions): [latent]. */
export function meanActivation(code: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const units = code.shape[code.shape.length - 1] as number;
    return tf.mean(tf.reshape(code, [-1, units]), 0) as tf.Tensor1D;
  });
}

export function sparsityPenalty(kind: SparsityPenalty, lambda: number, rho: number): CodePenalty {
  return {
    name: 'sparsity',
    compute(ctx: PenaltyContext): tf.Scalar {
      return tf.tidy(() => {
        if (kind === 'l1') {
          const n = ctx.code.shape[0] as number;
          const perSample = tf.sum(tf.reshape(tf.abs(ctx.code), [n, -1]), 1);
          return tf.mul(tf.mean(perSample), lambda / ctx.inputDim) as tf.Scalar;
        }
        return tf.mul(bernoulliKl(rho, meanActivation(ctx.code)), (lambda * ctx.codePositions) / ctx.inputDim) as tf.Scalar;
      });
    },
  };
}

function createSparse(spec: ModelSpec, seed: number) {
  const o = spec.options;
  return createAutoencoder(spec, seed, aeConfigOf(spec), sparsityPenalty(o['penalty'] as SparsityPenalty, o['lambda'] as number, (o['rho'] as number | undefined) ?? 0.05));
}

export const sparseDefinition: ModelDefinition = {
  kind: 'sparse',
  title: 'Sparse autoencoder',
  description: 'An autoencoder whose code units are mostly inactive: a KL penalty toward a target activation rate rho, or an L1 activity penalty.',
  resolveOptions(options) {
    const base = resolveAeOptions(options);
    const penalty = optionChoice(options, 'penalty', SPARSITY_PENALTIES, 'kl');
    if (penalty === 'kl' && base['activation'] !== 'sigmoid') {
      throw new DenoiseError('E_INVALID_ARGUMENT', 'The KL sparsity penalty needs a sigmoid code (activations in (0, 1)); use penalty=l1 for tanh or ReLU');
    }
    const lambda = optionNumber(options, 'lambda', penalty === 'kl' ? 1 : 0.1, { min: 0, max: 1e6 });
    if (penalty === 'l1') return { ...base, penalty, lambda };
    const rho = optionNumber(options, 'rho', 0.05, { min: 1e-4, max: 0.9999 });
    return { ...base, penalty, lambda, rho };
  },
  create: createSparse,
  patchMultiple: patchMultipleOf,
};
