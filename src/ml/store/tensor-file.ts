import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs-core';
import { DenoiseError, type ErrorCode } from '../../shared/errors';

/**
 * Named float32 tensors as one binary blob plus a JSON manifest (name, shape, offset). Used for
 * model weights and optimizer state alike. The sha256 in the manifest catches truncated or
 * altered files before anything is loaded into a model.
 */
export interface TensorManifestEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

export interface TensorFileIndex {
  sha256: string;
  bytes: number;
  tensors: TensorManifestEntry[];
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function packTensors(named: { name: string; tensor: tf.Tensor }[]): Promise<{ index: TensorFileIndex; data: Uint8Array }> {
  const total = named.reduce((sum, n) => sum + n.tensor.size, 0);
  const values = new Float32Array(total);
  const tensors: TensorManifestEntry[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    values.set(await tensor.data<'float32'>(), offset);
    tensors.push({ name, shape: [...tensor.shape], offset });
    offset += tensor.size;
  }
  const data = new Uint8Array(values.buffer);
  return { index: { sha256: sha256(data), bytes: data.byteLength, tensors }, data };
}

/** Throws `code` unless `data` has the size and SHA-256 its manifest recorded. */
export function checkTensorFile(index: TensorFileIndex, data: Uint8Array, what: string, code: ErrorCode): void {
  if (data.byteLength !== index.bytes) {
    throw new DenoiseError(code, `${what} is ${data.byteLength} bytes but should be ${index.bytes}: the file is truncated or from another model`);
  }
  if (sha256(data) !== index.sha256) {
    throw new DenoiseError(code, `${what} does not match its checksum: the file is damaged`);
  }
}

/** Checks size and checksum, then returns each entry's values (copies, safe to keep). */
export function unpackTensors(index: TensorFileIndex, data: Uint8Array, what: string, code: ErrorCode): Map<string, { shape: number[]; values: Float32Array }> {
  checkTensorFile(index, data, what, code);
  const aligned = new Float32Array(data.byteLength / 4);
  new Uint8Array(aligned.buffer).set(data);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const entry of index.tensors) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.offset < 0 || entry.offset + size > aligned.length) {
      throw new DenoiseError(code, `${what}: entry "${entry.name}" lies outside the file`);
    }
    out.set(entry.name, { shape: entry.shape, values: aligned.slice(entry.offset, entry.offset + size) });
  }
  return out;
}
