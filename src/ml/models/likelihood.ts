import * as tf from '@tensorflow/tfjs-core';

/**
 * Losses the autoencoder family adds to losses.ts: binary cross-entropy for data in [0, 1]
 * (the Bernoulli likelihood) and the VAE's closed-form KL divergence.
 */

/**
 * Element-wise binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed from
 * the logits (max(z, 0) - z t + log(1 + e^-|z|)) so that saturated units give finite values and
 * gradients instead of log(0).
 */
export function bceWithLogitsElements(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** Mean binary cross-entropy over all elements, or over the masked ones only (blind-spot training). */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const err = bceWithLogitsElements(logits, target);
    if (!mask) return tf.mean(err) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(err, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

/**
 * KL(N(mu, diag(exp(logVar))) || N(0, I)) for each row, in closed form:
 * 0.5 * sum_j (mu_j^2 + exp(logVar_j) - 1 - logVar_j). Returns [n].
 */
export function klToStandardNormal(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mean), tf.exp(logVar)), tf.add(1, logVar)), 1)) as tf.Tensor1D);
}
