import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { isInsideRoot } from '../../shared/paths';
import type { MoreTraining, SkippedCheckpoint, TrainConfig } from '../../shared/training';
import { getModelDefinition, resolveModelSpec } from '../models/registry';
import { META_FILE, readModelMeta } from '../store/model-files';
import { CHECKPOINTS_DIR, findLatestCheckpoint } from '../train/checkpoints';
import { checkInitSpec, resolveConfig, runTraining, type TrainResult, type TrainRunOptions } from '../train/train-run';

/**
 * Training as every door starts it: a new run (the output folder checked before any data is
 * read, so a mistake fails in milliseconds) or the continuation of a saved one (its settings
 * from the newest checkpoint that verifies; only how much longer to train may be given).
 */

/** True when `dir` holds a model or a run's checkpoints: something that must not be replaced silently. */
export async function holdsModel(dir: string): Promise<boolean> {
  const meta = await fs.stat(path.join(dir, META_FILE)).catch(() => undefined);
  const checkpoints = await fs.stat(path.join(dir, CHECKPOINTS_DIR)).catch(() => undefined);
  return meta !== undefined || checkpoints !== undefined;
}

/** Patch sizes must be a multiple of the kind's block (dense and VAE kinds) or of its strides. */
export function checkPatchSize(config: Pick<TrainConfig, 'kind' | 'modelOptions' | 'patchSize'>): void {
  const definition = getModelDefinition(config.kind);
  const multiple = definition.patchMultiple?.(definition.resolveOptions(config.modelOptions)) ?? 4;
  if (config.patchSize % multiple !== 0) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `A ${config.kind} model with these options needs a patch size that is a multiple of ${multiple} (it works on ${multiple}-pixel blocks); ${config.patchSize} is not`);
  }
}

/**
 * A fine-tuning run's starting model, checked before anything is written: it must lie outside the
 * new model's folder (which an overwrite deletes) and be the run's model (kind, options and, when
 * the run names them, channels; the loop checks the channels again once the data is read).
 */
async function checkStartingModel(config: TrainConfig & { initFrom: string }): Promise<void> {
  const init = path.resolve(config.initFrom);
  const outDir = path.resolve(config.outDir);
  if (isInsideRoot(outDir, init, path)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The starting model ${init} is the new model's folder ${outDir} or lies in it; give the new model another name (the run keeps its starting point)`);
  }
  const have = (await readModelMeta(init)).spec;
  checkInitSpec(init, have, resolveModelSpec(config.kind, config.channels ?? have.channels, config.modelOptions));
}

/**
 * Checks a new run's config and makes its output folder ready: refuses a file in the way, and a
 * folder that already holds a model unless `overwrite` (then the old model goes); a folder that
 * exists but holds something else is never deleted.
 */
export async function prepareNewRun(config: TrainConfig, options: { overwrite: boolean }): Promise<void> {
  checkPatchSize(config);
  if (config.epochs === undefined && config.minutes === undefined && config.maxSteps === undefined) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Say how long to train: minutes, epochs or a step count');
  }
  if (config.initFrom !== undefined) await checkStartingModel({ ...config, initFrom: config.initFrom });
  const existing = await fs.stat(config.outDir).catch(() => undefined);
  if (!existing) return;
  if (!existing.isDirectory()) throw new DenoiseError('E_INVALID_ARGUMENT', `${config.outDir} is a file; the model needs a folder of its own there`);
  if (!(await holdsModel(config.outDir))) {
    if ((await fs.readdir(config.outDir)).length === 0) return;
    throw new DenoiseError('E_INVALID_ARGUMENT', `${config.outDir} exists and does not hold a model; it was left alone (choose an empty or new folder)`);
  }
  if (!options.overwrite) throw new DenoiseError('E_INVALID_ARGUMENT', `${config.outDir} already holds a model; continue it (--continue) or replace it (--overwrite)`);
  await fs.rm(config.outDir, { recursive: true, force: true });
}

export interface Continuation {
  config: TrainConfig;
  /** Where the saved run stands. */
  step: number;
  elapsedMs: number;
  /** Newer checkpoints that did not verify and were passed over, with why. */
  skipped: SkippedCheckpoint[];
}

interface SavedState {
  config?: TrainConfig;
  step?: number;
  elapsedMs?: number;
}

/**
 * The run saved in `outDir`, to be continued. A run's bounds count from its start, so each
 * bound given here is added to what the run has already done ("5 more minutes"); given none,
 * the run continues to its original bounds.
 */
export async function prepareContinue(outDir: string, more: MoreTraining = {}): Promise<Continuation> {
  const found = await findLatestCheckpoint<SavedState>(outDir);
  const { config: saved, step = 0, elapsedMs = 0 } = found.state;
  if (!saved) throw new DenoiseError('E_CHECKPOINT_CORRUPT', `${found.dir} does not record its training settings`);
  const base = resolveConfig(saved, outDir);
  const given = more.minutes !== undefined || more.epochs !== undefined || more.maxSteps !== undefined;
  if (!given) return { config: base, step, elapsedMs, skipped: found.skipped };
  const { minutes: _m, epochs: _e, maxSteps: _s, ...rest } = base;
  const epochsDone = found.meta.training?.epochs ?? 0;
  const config: TrainConfig = {
    ...rest,
    ...(more.minutes === undefined ? {} : { minutes: elapsedMs / 60_000 + more.minutes }),
    ...(more.epochs === undefined ? {} : { epochs: epochsDone + more.epochs }),
    ...(more.maxSteps === undefined ? {} : { maxSteps: step + more.maxSteps }),
  };
  return { config, step, elapsedMs, skipped: found.skipped };
}

export type TrainHooks = Omit<TrainRunOptions, 'resume'>;

/** Trains a run prepared by prepareNewRun (continuing = false) or prepareContinue (true). */
export function train(config: TrainConfig, continuing: boolean, hooks: TrainHooks): Promise<TrainResult> {
  return runTraining(config, { ...hooks, resume: continuing });
}
