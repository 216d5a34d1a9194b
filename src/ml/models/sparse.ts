import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { aeConfigOf, aeFields, aeRules, createAutoencoder, finishAe, patchMultipleOf, type CodePenalty, type PenaltyContext } from './autoencoder';
import { defineKind, reject } from './options';

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

/** The shared autoencoder options plus the penalty's; lambda's default follows the penalty. */
export const sparseOptions = z
  .object({
    ...aeFields,
    penalty: z.enum(SPARSITY_PENALTIES).default('kl').meta({ label: 'Penalty', help: 'kl: toward a target activation rate rho (sigmoid code); l1: on the code activity (any code)' }),
    lambda: z.number().min(0).max(1e6).optional().meta({ label: 'Penalty weight (lambda)', help: 'Weight of the sparsity penalty (default 1 for kl, 0.1 for l1)' }),
    rho: z.number().min(1e-4).max(0.9999).default(0.05).meta({ label: 'Target activation (rho)', help: 'KL only: the mean activation each code unit is pushed toward' }),
  })
  .strict()
  .superRefine((o, ctx) => {
    aeRules(o, ctx);
    if (o.penalty === 'kl' && o.activation !== 'sigmoid') {
      reject(ctx, 'penalty', 'The KL sparsity penalty needs a sigmoid code (activations in (0, 1)); use penalty=l1 for tanh or ReLU');
    }
  })
  .transform(({ penalty, lambda, rho, ...shared }) => {
    const base = finishAe(shared);
    return penalty === 'l1' ? { ...base, penalty, lambda: lambda ?? 0.1 } : { ...base, penalty, lambda: lambda ?? 1, rho };
  });

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

export const sparseDefinition = defineKind({
  kind: 'sparse',
  title: 'Sparse autoencoder',
  description: 'An autoencoder whose code units are mostly inactive: a KL penalty toward a target activation rate rho, or an L1 activity penalty.',
  options: sparseOptions,
  create: (spec, o, seed) => createAutoencoder(spec, seed, aeConfigOf(o), sparsityPenalty(o.penalty, o.lambda, o.penalty === 'kl' ? o.rho : 0.05)),
  patchMultiple: patchMultipleOf,
});
