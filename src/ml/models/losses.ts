import * as tf from '@tensorflow/tfjs-core';

export const RECONSTRUCTION_LOSSES = ['mse', 'l1'] as const;
export type ReconstructionLoss = (typeof RECONSTRUCTION_LOSSES)[number];

/**
 * Mean reconstruction error. With a mask, only masked pixels count (blind-spot training takes
 * the loss on the pixels the net could not see).
 */
export function reconstructionLoss(kind: ReconstructionLoss, prediction: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const diff = tf.sub(prediction, target);
    const err = kind === 'mse' ? tf.square(diff) : tf.abs(diff);
    if (!mask) return tf.mean(err) as tf.Scalar;
    const weighted = tf.mul(err, mask);
    return tf.div(tf.sum(weighted), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
