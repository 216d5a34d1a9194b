import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/rng';

/**
 * Small building blocks over plain tf.Variables. The engine does not use tfjs-layers: one
 * custom loop for every kind needs nothing from it, and owning the variables keeps the model
 * files, the optimizer state and the leak tests simple.
 */
export type VariableMap = Map<string, tf.Variable>;

let instanceCounter = 0;

/**
 * Registers a trainable variable under `name` in the model's map. tfjs keeps one global registry
 * of variable names, so the tfjs name gets a per-process unique suffix (two loaded models must
 * not collide); model files and optimizer state use the map's stable names and positions.
 */
export function addVariable(vars: VariableMap, name: string, initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial, true, `${name}#${++instanceCounter}`);
  initial.dispose();
  vars.set(name, variable);
  return variable;
}

/** He-normal weights from a seeded generator, so a seed gives the same net on every backend. */
export function heNormal(shape: number[], fanIn: number, rng: Rng, gain = Math.SQRT2): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const std = gain / Math.sqrt(fanIn);
  for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
  return values;
}

export interface ConvParams {
  w: tf.Variable;
  b: tf.Variable;
}

/** A k x k conv filter [k, k, in, out] with bias, registered under `name/w` and `name/b`. */
export function addConv(
  vars: VariableMap,
  name: string,
  k: number,
  inCh: number,
  outCh: number,
  rng: Rng,
  gain = Math.SQRT2,
): ConvParams {
  const w = addVariable(vars, `${name}/w`, tf.tensor4d(heNormal([k, k, inCh, outCh], k * k * inCh, rng, gain), [k, k, inCh, outCh]));
  const b = addVariable(vars, `${name}/b`, tf.zeros([outCh]));
  return { w, b };
}

/** A transposed-conv filter; tfjs stores it as [k, k, out, in]. */
export function addConvTranspose(
  vars: VariableMap,
  name: string,
  k: number,
  inCh: number,
  outCh: number,
  rng: Rng,
): ConvParams {
  // Each output pixel of a stride-2 transposed conv sees about k*k*in/4 inputs.
  const fanIn = Math.max(1, (k * k * inCh) / 4);
  const w = addVariable(vars, `${name}/w`, tf.tensor4d(heNormal([k, k, outCh, inCh], fanIn, rng), [k, k, outCh, inCh]));
  const b = addVariable(vars, `${name}/b`, tf.zeros([outCh]));
  return { w, b };
}

export function addDense(vars: VariableMap, name: string, inSize: number, outSize: number, rng: Rng, gain = 1): ConvParams {
  const w = addVariable(vars, `${name}/w`, tf.tensor2d(heNormal([inSize, outSize], inSize, rng, gain), [inSize, outSize]));
  const b = addVariable(vars, `${name}/b`, tf.zeros([outSize]));
  return { w, b };
}

export type Activation = 'relu' | 'linear';

export function conv(x: tf.Tensor4D, p: ConvParams, stride: 1 | 2, activation: Activation): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: p.w as tf.Tensor4D, strides: stride, pad: 'same', bias: p.b, activation });
}

/** Stride-2 transposed conv that doubles the spatial size (as PyTorch's padding=1, output_padding=1). */
export function convTranspose2x(x: tf.Tensor4D, p: ConvParams, activation: Activation): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const outCh = p.w.shape[2] as number;
  const y = tf.add(tf.conv2dTranspose(x, p.w as tf.Tensor4D, [n, h * 2, w * 2, outCh], 2, 'same'), p.b) as tf.Tensor4D;
  return activation === 'relu' ? tf.relu(y) : y;
}

export function disposeVariables(vars: ReadonlyMap<string, tf.Variable>): void {
  for (const v of vars.values()) v.dispose();
}
