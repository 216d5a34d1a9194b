import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import type { SkippedCheckpoint, TrainConfig } from '../../shared/training';
import { removeStaleTemps, writeDirAtomic, writeFileAtomic } from '../store/atomic-write';
import { listModels, modelFolders, readExtraJson, readModelMeta, saveModel, type ModelListing, type SaveModelInput } from '../store/model-files';
import type { ModelMeta } from '../store/model-meta';
import { checkTensorFile } from '../store/tensor-file';

/**
 * Training checkpoints: `OUT/checkpoints/ckpt-<step>/` (a complete model folder with optimizer
 * state and train-state.json) plus `OUT/checkpoints/latest.json` naming the newest (for people
 * and tools; the choice below goes by step). Each checkpoint is written whole and renamed into
 * place, so a crash at any moment leaves the previous checkpoint usable; a checkpoint damaged
 * later (disk, copy, hand edit) is caught by its files' sizes and SHA-256 before it is chosen.
 */
export const CHECKPOINTS_DIR = 'checkpoints';
export const TRAIN_STATE_FILE = 'train-state.json';
const LATEST_FILE = 'latest.json';
const KEEP = 2;
const NAME = /^ckpt-(\d+)$/;

function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(7, '0')}`;
}

export async function writeCheckpoint(outDir: string, step: number, input: SaveModelInput, trainState: unknown): Promise<string> {
  const root = join(outDir, CHECKPOINTS_DIR);
  await fs.mkdir(root, { recursive: true });
  const name = checkpointName(step);
  const dir = join(root, name);
  await writeDirAtomic(dir, (tmp) => saveModel(tmp, { ...input, name, extraJson: { ...input.extraJson, [TRAIN_STATE_FILE]: trainState } }).then(() => undefined));
  await writeFileAtomic(join(root, LATEST_FILE), JSON.stringify({ checkpoint: name, step }, null, 2));
  await pruneCheckpoints(root, step);
  return dir;
}

/** The checkpoints in `root`, newest (highest step) first; numeric, so step 10,000,000 follows 9,999,999. */
async function listCheckpoints(root: string): Promise<{ name: string; step: number }[]> {
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  return entries
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((e): e is { name: string; match: RegExpExecArray } => e.match !== null)
    .map((e) => ({ name: e.name, step: Number(e.match[1]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * Keeps the checkpoint just written and the one before it. Checkpoints with a higher step are
 * left over from an attempt this run abandoned (it continued from an older one because they
 * were damaged), so they go: they must never be chosen over the newer work.
 */
async function pruneCheckpoints(root: string, step: number): Promise<void> {
  const all = await listCheckpoints(root);
  const ahead = all.filter((c) => c.step > step);
  const older = all.filter((c) => c.step < step).slice(KEEP - 1);
  await Promise.all([...ahead, ...older].map((c) => fs.rm(join(root, c.name), { recursive: true, force: true })));
}

/** The binary files meta.json names are there, of the recorded size, and match their SHA-256. */
async function verifyFiles(dir: string, meta: ModelMeta): Promise<void> {
  const files = [{ index: meta.weights, what: 'weights' }, ...(meta.optimizer ? [{ index: meta.optimizer, what: 'optimizer state' }] : [])];
  for (const { index, what } of files) {
    const data = await fs.readFile(join(dir, index.file)).catch(() => undefined);
    if (!data) throw new DenoiseError('E_CHECKPOINT_CORRUPT', `The ${what} file ${index.file} is missing`);
    checkTensorFile(index, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), `The ${what} file ${index.file}`, 'E_CHECKPOINT_CORRUPT');
  }
}

export interface FoundCheckpoint<S> {
  dir: string;
  step: number;
  meta: ModelMeta;
  state: S;
  /** Newer checkpoints that did not verify and were passed over, with why. */
  skipped: SkippedCheckpoint[];
}

/**
 * The newest checkpoint that verifies whole: meta.json, train-state.json with its settings and
 * step, and the weights and optimizer files by size and SHA-256. Damaged newer ones are passed
 * over and named in `skipped`; none at all is E_NOT_FOUND, none intact E_CHECKPOINT_CORRUPT.
 * `clean` removes leftovers of interrupted saves: only for the run about to continue, never
 * while listing (a running training may be mid-save).
 */
export async function findLatestCheckpoint<S>(outDir: string, { clean = true }: { clean?: boolean } = {}): Promise<FoundCheckpoint<S>> {
  const root = join(outDir, CHECKPOINTS_DIR);
  if (clean) await removeStaleTemps(root);
  const checkpoints = await listCheckpoints(root);
  if (checkpoints.length === 0) {
    throw new DenoiseError('E_NOT_FOUND', `No checkpoint to continue from in ${root}`);
  }
  const skipped: SkippedCheckpoint[] = [];
  for (const { name, step } of checkpoints) {
    const dir = join(root, name);
    try {
      const meta = await readModelMeta(dir);
      const state = await readExtraJson<{ config?: unknown; step?: unknown }>(dir, TRAIN_STATE_FILE);
      if (!state || typeof state.config !== 'object' || state.step !== step) {
        throw new DenoiseError('E_CHECKPOINT_CORRUPT', `${TRAIN_STATE_FILE} is missing or damaged`);
      }
      if (!meta.optimizer) throw new DenoiseError('E_CHECKPOINT_CORRUPT', 'it has no optimizer state');
      await verifyFiles(dir, meta);
      return { dir, step, meta, state: state as S, skipped };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      skipped.push({ checkpoint: name, step, code: e.code ?? 'E_CHECKPOINT_CORRUPT', message: e.message ?? String(err) });
    }
  }
  throw new DenoiseError('E_CHECKPOINT_CORRUPT', `No checkpoint in ${root} is intact: ${skipped.map((s) => `${s.checkpoint}: ${s.message}`).join('; ')}`);
}

/** A training run that saved checkpoints but no final model (stopped, killed or still running): it can be continued. */
export interface UnfinishedRun {
  /** Where a continued run starts: the step of the newest checkpoint that verifies. */
  step: number;
  checkpointDir: string;
  /** Training time the run had done by then. */
  elapsedMs: number;
  /** When that checkpoint was saved (ISO 8601). */
  updatedAt: string;
  /** The run's settings: kind, options, noise, data folders and its bounds. */
  config: TrainConfig;
  /** Newer checkpoints that did not verify. */
  skipped: SkippedCheckpoint[];
}

export interface ContinuableRunListing {
  dir: string;
  continuable: true;
  run: UnfinishedRun;
}

/** One entry of a models folder: a model (or a damaged one, with its error) or a run that can be continued. */
export type ModelOrRunListing = ModelListing | ContinuableRunListing;

/**
 * The run in `dir` when it has checkpoints but no model: continuable from its newest intact
 * checkpoint, or listed with its error when none is intact; undefined when it has none.
 */
async function readUnfinishedRun(dir: string): Promise<ModelOrRunListing | undefined> {
  try {
    const found = await findLatestCheckpoint<{ config: TrainConfig; elapsedMs?: number }>(dir, { clean: false });
    const { meta, state } = found;
    return {
      dir,
      continuable: true,
      run: {
        step: found.step,
        checkpointDir: found.dir,
        elapsedMs: typeof state.elapsedMs === 'number' ? state.elapsedMs : 0,
        updatedAt: meta.updatedAt,
        config: { ...state.config, outDir: dir },
        skipped: found.skipped,
      },
    };
  } catch (err) {
    const e = err as DenoiseError;
    return e.code === 'E_NOT_FOUND' ? undefined : { dir, error: { code: e.code, message: e.message } };
  }
}

/**
 * Every model in `root` (damaged ones with their error, as listModels gives them) and every
 * folder without a model whose training run saved checkpoints, so a stopped or killed run is
 * never invisible. A run still in progress shows as continuable too; callers that know their
 * running jobs mark those.
 */
export async function listModelsAndRuns(root: string): Promise<ModelOrRunListing[]> {
  const models = await listModels(root);
  const listed = new Set(models.map((m) => m.dir));
  const runs: ModelOrRunListing[] = [];
  for (const dir of await modelFolders(root)) {
    if (listed.has(dir)) continue;
    const run = await readUnfinishedRun(dir);
    if (run) runs.push(run);
  }
  return [...models, ...runs].sort((a, b) => a.dir.localeCompare(b.dir));
}
