import { promises as fs } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types';
import { DenoiseError } from '../../shared/errors';
import type { Model, ModelSpec } from '../models/model';
import { createModel, resolveStoredSpec } from '../models/registry';
import { ENGINE_VERSION, MODEL_FORMAT_VERSION } from '../version';
import { writeFileAtomic } from './atomic-write';
import { modelMetaSchema, type InferenceSettings, type ModelMeta, type TrainingSummary } from './model-meta';
import { packTensors, unpackTensors } from './tensor-file';

/**
 * A model is a folder: meta.json (kind, spec, training config, dataset summary, metrics,
 * backend, engine version), the weights and, for models that can resume training, the
 * optimizer state. Binary files are named by their checksum (weights-<sha>.bin) and meta.json is
 * replaced atomically last, so meta.json always names complete files: a crash mid-save leaves
 * the previous model intact, and the folder may hold other things (a training run's
 * checkpoints/) that a save never touches.
 */
export const META_FILE = 'meta.json';
const BINARY_FILE = /^(weights|optimizer)-[0-9a-f]{16}\.bin$/;

export interface SaveModelInput {
  model: Model;
  name?: string;
  backend: string;
  training: TrainingSummary | null;
  metrics: Record<string, number>;
  /** How denoising must feed the net (a pixel-shuffle stride); left out when it takes images as they are. */
  inference?: InferenceSettings;
  optimizer?: { name: string; step: number; weights: NamedTensor[] };
  /** Extra JSON files to keep beside the model (e.g. train-state.json in checkpoints). */
  extraJson?: Record<string, unknown>;
  createdAt?: string;
}

export async function saveModel(dir: string, input: SaveModelInput): Promise<ModelMeta> {
  const target = resolve(dir);
  const names = [...input.model.variables.keys()].sort();
  const weights = await packTensors(names.map((name) => ({ name, tensor: input.model.variables.get(name) as tf.Tensor })));
  const optimizer = input.optimizer ? await packTensors(input.optimizer.weights.map((w) => ({ name: w.name, tensor: w.tensor }))) : undefined;
  const now = new Date().toISOString();
  const meta: ModelMeta = {
    format: 'denoise-studio-model',
    formatVersion: MODEL_FORMAT_VERSION,
    name: input.name ?? basename(target),
    spec: input.model.spec,
    createdAt: input.createdAt ?? now,
    updatedAt: now,
    engineVersion: ENGINE_VERSION,
    backend: input.backend,
    training: input.training,
    metrics: input.metrics,
    ...(input.inference ? { inference: input.inference } : {}),
    weights: { file: `weights-${weights.index.sha256.slice(0, 16)}.bin`, ...weights.index },
    ...(optimizer && input.optimizer
      ? { optimizer: { file: `optimizer-${optimizer.index.sha256.slice(0, 16)}.bin`, name: input.optimizer.name, step: input.optimizer.step, ...optimizer.index } }
      : {}),
  };
  await fs.mkdir(target, { recursive: true });
  await writeFileAtomic(join(target, meta.weights.file), weights.data);
  if (optimizer && meta.optimizer) await writeFileAtomic(join(target, meta.optimizer.file), optimizer.data);
  for (const [file, value] of Object.entries(input.extraJson ?? {})) {
    await writeFileAtomic(join(target, file), JSON.stringify(value, null, 2));
  }
  await writeFileAtomic(join(target, META_FILE), JSON.stringify(meta, null, 2));
  const keep = new Set([meta.weights.file, meta.optimizer?.file]);
  for (const entry of await fs.readdir(target)) {
    if (BINARY_FILE.test(entry) && !keep.has(entry)) await fs.rm(join(target, entry), { force: true });
  }
  return meta;
}

export async function readModelMeta(dir: string): Promise<ModelMeta> {
  const target = resolve(dir);
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) throw new DenoiseError('E_NOT_FOUND', `Model folder not found: ${target}`);
  if (!stat.isDirectory()) throw new DenoiseError('E_MODEL_CORRUPT', `${target} is a file, not a model folder`);
  let text: string;
  try {
    text = await fs.readFile(join(target, META_FILE), 'utf8');
  } catch {
    throw new DenoiseError('E_MODEL_CORRUPT', `${target} is not a Denoise Studio model: it has no ${META_FILE}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DenoiseError('E_MODEL_CORRUPT', `${join(target, META_FILE)} is not valid JSON: the model folder is damaged`);
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== 'denoise-studio-model') {
    throw new DenoiseError('E_MODEL_CORRUPT', `${target} is not a Denoise Studio model (${META_FILE} has format ${JSON.stringify(format ?? null)})`);
  }
  const parsed = modelMetaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DenoiseError('E_MODEL_CORRUPT', `${join(target, META_FILE)} is damaged: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  if (parsed.data.formatVersion > MODEL_FORMAT_VERSION) {
    throw new DenoiseError('E_MODEL_INCOMPATIBLE', `${target} was saved by a newer Denoise Studio (format ${parsed.data.formatVersion}); update the app to open it`);
  }
  return parsed.data;
}

async function readBinary(dir: string, file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(join(dir, file)));
  } catch {
    throw new DenoiseError('E_MODEL_CORRUPT', `The ${what} file ${file} is missing from ${dir}`);
  }
}

export interface LoadedModel {
  model: Model;
  meta: ModelMeta;
  dir: string;
}

/**
 * `as`: build the model from this spec instead of the stored one, for a fine-tuning run that sets
 * objective options anew (checkInitSpec has vouched that only those differ); the weights must
 * still fit it name for name and shape for shape.
 */
export async function loadModel(dir: string, options: { as?: ModelSpec } = {}): Promise<LoadedModel> {
  const target = resolve(dir);
  const meta = await readModelMeta(target);
  const stored = resolveStoredSpec(meta.spec, join(target, META_FILE)); // an unknown kind or a bad option fails here, with the reason
  const spec = options.as ?? stored;
  const values = unpackTensors(meta.weights, await readBinary(target, meta.weights.file, 'weights'), `${target}/${meta.weights.file}`, 'E_MODEL_CORRUPT');
  const created = createModel(spec, 0);
  // The stride travels with the model, so every door that denoises with it (applyModel) applies it.
  const model = meta.inference ? Object.assign(created, { pixelShuffleStride: meta.inference.pixelShuffleStride }) : created;
  try {
    for (const [name, variable] of model.variables) {
      const stored = values.get(name);
      if (!stored) throw new DenoiseError('E_MODEL_CORRUPT', `${target}: weights have no "${name}"`);
      if (stored.shape.join('x') !== variable.shape.join('x')) {
        throw new DenoiseError('E_MODEL_CORRUPT', `${target}: "${name}" has shape ${stored.shape.join('x')}, expected ${variable.shape.join('x')}`);
      }
      tf.tidy(() => variable.assign(tf.tensor(stored.values, stored.shape)));
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, meta, dir: target };
}

/** Optimizer state as tensors (the caller owns and disposes them), or undefined if none was saved. */
export async function loadOptimizerWeights(dir: string, meta: ModelMeta): Promise<NamedTensor[] | undefined> {
  if (!meta.optimizer) return undefined;
  const data = await readBinary(dir, meta.optimizer.file, 'optimizer state');
  const values = unpackTensors(meta.optimizer, data, `${dir}/${meta.optimizer.file}`, 'E_CHECKPOINT_CORRUPT');
  return [...values].map(([name, v]) => ({ name, tensor: tf.tensor(v.values, v.shape) }));
}

export interface ModelListing {
  dir: string;
  meta?: ModelMeta;
  error?: { code: string; message: string };
}

/** The sub-folders of `root` that may hold a model or a training run (not hidden, not a save in progress). */
export async function modelFolders(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.includes('.tmp-')).map((e) => join(root, e.name));
}

/**
 * Every sub-folder of `root` that holds a model (meta.json); damaged ones are listed with their
 * error. Runs with checkpoints but no model yet: see listModelsAndRuns in train/checkpoints.ts.
 */
export async function listModels(root: string): Promise<ModelListing[]> {
  const out: ModelListing[] = [];
  for (const dir of await modelFolders(root)) {
    try {
      out.push({ dir, meta: await readModelMeta(dir) });
    } catch (err) {
      const e = err as DenoiseError;
      if (await fs.stat(join(dir, META_FILE)).catch(() => undefined)) out.push({ dir, error: { code: e.code, message: e.message } });
    }
  }
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Deletes a model folder, refusing anything that is not one (so a typo cannot remove other data). */
export async function deleteModel(dir: string): Promise<void> {
  const target = resolve(dir);
  const hasMeta = await fs.stat(join(target, META_FILE)).catch(() => undefined);
  if (!hasMeta) throw new DenoiseError('E_INVALID_ARGUMENT', `${target} is not a model folder; nothing was deleted`);
  await fs.rm(target, { recursive: true, force: true });
}

export async function readExtraJson<T>(dir: string, file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(join(dir, file), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function defaultModelsRoot(): string {
  const home = process.env['DENOISE_STUDIO_HOME'] ?? join(process.env['HOME'] ?? process.env['USERPROFILE'] ?? '.', '.denoise-studio');
  return join(home, 'models');
}
