/**
 * DAE-S, the small reference denoising autoencoder that the training benchmark compares with
 * PyTorch (../shared/bench/torch_dae_throughput.py holds the authoritative definition; NCHW
 * there, NHWC here). Input [B, H, W, 1], H and W even:
 *
 *   conv3x3 1->32, pad same, ReLU                       H   x W
 *   conv3x3 stride 2 32->64, pad 1, ReLU                H/2 x W/2
 *   conv3x3 64->64, pad same, ReLU                      H/2 x W/2
 *   convT3x3 stride 2 64->32, pad 1, out_pad 1, ReLU    H   x W
 *   conv3x3 32->1, pad same, linear                     H   x W
 *
 * PyTorch's "pad 1" on the stride-2 conv and "pad 1, out_pad 1" on the transposed conv put the
 * sampling grid one pixel off TensorFlow's 'same' (which pads bottom/right for even sizes), so
 * both use explicit padding to match PyTorch exactly.
 *
 * Weights start as PyTorch's defaults do, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
 * biases, drawn from the engine's seeded generator.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../data/rng';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** PyTorch Conv2d(k=3, s=2, p=1): one pixel on every side. */
const PAD_DOWN: Pad4 = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];
/**
 * PyTorch ConvTranspose2d(k=3, s=2, p=1, output_padding=1) is the adjoint of a stride-2 conv
 * padded one pixel at the top/left and none at the bottom/right.
 */
const PAD_UP: Pad4 = [
  [0, 0],
  [1, 0],
  [1, 0],
  [0, 0],
];

export const DAE_S_LAYERS = [
  { name: 'conv1', k: 3, inCh: 1, outCh: 32 },
  { name: 'conv2', k: 3, inCh: 32, outCh: 64 },
  { name: 'conv3', k: 3, inCh: 64, outCh: 64 },
  // tfjs stores a transposed-conv filter as [k, k, out, in].
  { name: 'convT4', k: 3, inCh: 64, outCh: 32 },
  { name: 'conv5', k: 3, inCh: 32, outCh: 1 },
] as const;

export interface DaeS {
  /** `<layer>/w` and `<layer>/b` for the layers in DAE_S_LAYERS, in that order. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Forward pass: [B, H, W, 1] -> [B, H, W, 1]. */
  apply(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

function uniform(n: number, bound: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
  return out;
}

export function createDaeS(seed: number): DaeS {
  const rng = new Rng(seed);
  const variables = new Map<string, tf.Variable>();
  for (const layer of DAE_S_LAYERS) {
    const { k, inCh, outCh } = layer;
    const bound = 1 / Math.sqrt(inCh * k * k);
    const shape: [number, number, number, number] = layer.name === 'convT4' ? [k, k, outCh, inCh] : [k, k, inCh, outCh];
    const wValues = uniform(k * k * inCh * outCh, bound, rng);
    const bValues = uniform(outCh, bound, rng);
    // tidy frees the initial tensors; each variable keeps its own reference to the data.
    variables.set(`${layer.name}/w`, tf.tidy(() => tf.variable(tf.tensor4d(wValues, shape))));
    variables.set(`${layer.name}/b`, tf.tidy(() => tf.variable(tf.tensor1d(bValues))));
  }
  const w = (name: string): tf.Tensor4D => variables.get(`${name}/w`) as tf.Variable as tf.Tensor4D;
  const b = (name: string): tf.Tensor1D => variables.get(`${name}/b`) as tf.Variable as tf.Tensor1D;

  // Bias is fused into the conv but ReLU is applied separately: tfjs only fuses a non-linear
  // activation outside gradient recording, and bias-only fusion still saves a full-size add.
  const conv = (x: tf.Tensor4D, name: string, strides: number, pad: 'same' | Pad4): tf.Tensor4D =>
    tf.fused.conv2d({ x, filter: w(name), strides, pad, bias: b(name), activation: 'linear' });

  const apply = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const [batch, height, width] = x.shape;
      if (height % 2 !== 0 || width % 2 !== 0) throw new Error(`DAE-S needs even sizes, got ${height}x${width}`);
      // Unfused on purpose: the fused op's gradient also computes the gradient of its input,
      // which for the first layer is the image and nobody needs it (a full conv's worth).
      const h1 = tf.relu(tf.add(tf.conv2d(x, w('conv1'), 1, 'same'), b('conv1'))) as tf.Tensor4D;
      const h2 = tf.relu(conv(h1, 'conv2', 2, PAD_DOWN));
      const h3 = tf.relu(conv(h2, 'conv3', 1, 'same'));
      const up = tf.conv2dTranspose(h3, w('convT4'), [batch, height, width, 32], 2, PAD_UP);
      const h4 = tf.relu(tf.add(up, b('convT4'))) as tf.Tensor4D;
      return conv(h4, 'conv5', 1, 'same');
    });

  return {
    variables,
    apply,
    dispose: () => {
      for (const v of variables.values()) v.dispose();
      variables.clear();
    },
  };
}
