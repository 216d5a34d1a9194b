import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';

/**
 * Dense autoencoders and the VAE see fixed-size square blocks (a flattened 16x16 patch, a 32x32
 * VAE input), yet the engine hands every model image batches of any size (training patches,
 * validation crops, inference tiles). These helpers cut a batch into blocks and put it back, so
 * such models fit the same Model interface as the fully convolutional ones.
 */

/** [n, H, W, c] with H and W multiples of p -> [n * (H/p) * (W/p), p, p, c], row-major blocks. */
export function toBlocks(x: tf.Tensor4D, p: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h % p !== 0 || w % p !== 0) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `This model works on ${p} x ${p} blocks; patches must be a multiple of ${p} pixels, got ${h} x ${w}`);
  }
  // One block per image (the usual case when training on block-sized patches): nothing to move.
  if (h === p && w === p) return tf.clone(x);
  return tf.tidy(() => {
    const six = tf.reshape(x, [n, h / p, p, w / p, p, c]);
    return tf.reshape(tf.transpose(six, [0, 1, 3, 2, 4, 5]), [n * (h / p) * (w / p), p, p, c]);
  });
}

/** The inverse of toBlocks for an image batch of n x h x w. */
export function fromBlocks(blocks: tf.Tensor4D, n: number, h: number, w: number): tf.Tensor4D {
  const [, p, , c] = blocks.shape;
  if (h === p && w === p) return tf.clone(blocks);
  return tf.tidy(() => {
    const six = tf.reshape(blocks, [n, h / p, w / p, p, p, c]);
    return tf.reshape(tf.transpose(six, [0, 1, 3, 2, 4, 5]), [n, h, w, c]);
  });
}

/**
 * Mirror padding (edge sample repeated) by any amount: tfjs's mirrorPad refuses a pad larger
 * than the side, which a tile smaller than one block needs, so large pads go in several rounds.
 */
export function padSymmetric(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  return tf.tidy(() => {
    let out = x;
    let [t, b, l, r] = [top, bottom, left, right];
    while (t > 0 || b > 0 || l > 0 || r > 0) {
      const [, h, w] = out.shape;
      const pt = Math.min(t, h);
      const pb = Math.min(b, h);
      const pl = Math.min(l, w);
      const pr = Math.min(r, w);
      out = tf.mirrorPad(out, [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ], 'symmetric');
      t -= pt;
      b -= pb;
      l -= pl;
      r -= pr;
    }
    return out;
  });
}

function onePass(x: tf.Tensor4D, p: number, oy: number, ox: number, fn: (blocks: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const hp = Math.ceil((h + oy) / p) * p;
  const wp = Math.ceil((w + ox) / p) * p;
  const padded = padSymmetric(x, oy, hp - h - oy, ox, wp - w - ox);
  const out = fromBlocks(fn(toBlocks(padded, p)), n, hp, wp);
  return tf.slice(out, [0, oy, ox, 0], [n, h, w, out.shape[3]]);
}

/**
 * Runs a block model over images of any size. Blocks are processed independently, so a single
 * grid leaves visible seams at block edges; averaging the grid with copies shifted by half a
 * block (cycle spinning) hides them at four times the (small) cost of these models.
 */
export function blockwise(x: tf.Tensor4D, p: number, fn: (blocks: tf.Tensor4D) => tf.Tensor4D, shift = true): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const half = Math.floor(p / 2);
    const offsets: [number, number][] =
      shift && half > 0 && h > p && w > p
        ? [
            [0, 0],
            [half, 0],
            [0, half],
            [half, half],
          ]
        : [[0, 0]];
    const passes = offsets.map(([oy, ox]) => onePass(x, p, oy, ox, fn));
    return passes.length === 1 ? (passes[0] as tf.Tensor4D) : (tf.div(tf.addN(passes), passes.length) as tf.Tensor4D);
  });
}
