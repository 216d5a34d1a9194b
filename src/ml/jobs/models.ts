import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ModelInfo, ModelList } from '../../shared/contract';
import { DenoiseError, toErrorInfo } from '../../shared/errors';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../shared/models';
import { getModelDefinition, listModelKinds } from '../models/registry';
import { writeDirAtomic, writeFileAtomic } from '../store/atomic-write';
import { freePath } from '../store/free-path';
import { deleteModel, loadModel, META_FILE, readModelMeta } from '../store/model-files';
import type { ModelMeta } from '../store/model-meta';
import { CHECKPOINTS_DIR, listModelsAndRuns } from '../train/checkpoints';

/**
 * The model library: list, show, rename, delete, import and export model folders. A model is a
 * folder (docs/architecture.md, "Model folders"); copies leave the checkpoints behind, and a
 * copy is built under a temporary name and renamed into place, so a failed copy leaves nothing.
 */

async function checkpointSteps(dir: string): Promise<number[]> {
  const entries = await fs.readdir(join(dir, CHECKPOINTS_DIR)).catch(() => [] as string[]);
  return entries
    .map((e) => /^ckpt-(\d+)$/.exec(e)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
}

export async function describeModel(dir: string, meta: ModelMeta): Promise<ModelInfo> {
  return {
    dir,
    name: meta.name,
    kind: meta.spec.kind,
    channels: meta.spec.channels,
    options: meta.spec.options,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    backend: meta.backend,
    generative: listModelKinds().some((d) => d.kind === meta.spec.kind && d.generative),
    training: meta.training
      ? {
          noise: meta.training.noise,
          steps: meta.training.steps,
          epochs: meta.training.epochs,
          elapsedMs: meta.training.elapsedMs,
          stopReason: meta.training.stopReason,
          trainImages: meta.training.dataset.trainImages,
          valImages: meta.training.dataset.valImages,
          ...(meta.training.initFrom ? { initFrom: meta.training.initFrom } : {}),
        }
      : null,
    metrics: meta.metrics,
    checkpoints: await checkpointSteps(dir),
  };
}

/** Every model under `root`, the runs that can be continued, and the folders that are damaged. */
export async function listLibrary(root: string): Promise<ModelList> {
  const result: ModelList = { models: [], runs: [], broken: [] };
  for (const entry of await listModelsAndRuns(root)) {
    if ('continuable' in entry) {
      const { run } = entry;
      result.runs.push({ dir: entry.dir, name: basename(entry.dir), kind: run.config.kind, step: run.step, savedAt: run.updatedAt });
    } else if (entry.meta) result.models.push(await describeModel(entry.dir, entry.meta));
    else if (entry.error) result.broken.push({ dir: entry.dir, error: toErrorInfo(new DenoiseError(entry.error.code as never, entry.error.message)) });
  }
  return result;
}

async function setMetaName(dir: string, name: string): Promise<void> {
  const raw = JSON.parse(await fs.readFile(join(dir, META_FILE), 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(join(dir, META_FILE), JSON.stringify({ ...raw, name }, null, 2));
}

async function copyModel(src: string, dest: string): Promise<void> {
  await writeDirAtomic(dest, async (tmp) => {
    await fs.cp(src, tmp, { recursive: true, filter: (from) => basename(from) !== CHECKPOINTS_DIR });
  });
}

/** Renames a model: its folder and the name in its meta.json together. */
export async function renameModel(dir: string, name: string): Promise<ModelInfo> {
  if (!MODEL_NAME_PATTERN.test(name)) throw new DenoiseError('E_INVALID_ARGUMENT', `A model name uses ${MODEL_NAME_RULE}; "${name}" does not`);
  await readModelMeta(dir);
  const source = resolve(dir);
  const target = join(dirname(source), name);
  if (target !== source) {
    if (await fs.stat(target).catch(() => undefined)) throw new DenoiseError('E_INVALID_ARGUMENT', `A model named "${name}" already exists`);
    await fs.rename(source, target);
  }
  await setMetaName(target, name);
  return describeModel(target, await readModelMeta(target));
}

export { deleteModel };

/**
 * Copies a model folder into the library under a free name. Its weights must read back whole
 * (sizes and checksums) before anything is copied; the copy is named after its folder.
 */
export async function importModel(src: string, root: string): Promise<ModelInfo> {
  const meta = await readModelMeta(src);
  getModelDefinition(meta.spec.kind);
  (await loadModel(src)).model.dispose();
  await fs.mkdir(root, { recursive: true });
  const dest = await freePath(root, basename(resolve(src)));
  await copyModel(src, dest);
  await setMetaName(dest, basename(dest));
  return describeModel(dest, await readModelMeta(dest));
}

/** Copies a model (without its checkpoints) into `destParent` under a free name; returns the copy's path. */
export async function exportModel(dir: string, destParent: string): Promise<string> {
  await readModelMeta(dir);
  await fs.mkdir(destParent, { recursive: true });
  const target = await freePath(destParent, basename(resolve(dir)));
  await copyModel(dir, target);
  return target;
}
