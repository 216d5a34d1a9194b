import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { removeStaleTemps, writeDirAtomic, writeFileAtomic } from '../store/atomic-write';
import { readExtraJson, readModelMeta, saveModel, type SaveModelInput } from '../store/model-files';
import type { ModelMeta } from '../store/model-meta';

/**
 * Training checkpoints: `OUT/checkpoints/ckpt-<step>/` (a complete model folder with optimizer
 * state and train-state.json) plus `OUT/checkpoints/latest.json` naming the newest. Each
 * checkpoint is written whole and renamed into place before latest.json moves to it, so a crash
 * at any moment leaves the previous checkpoint usable.
 */
export const CHECKPOINTS_DIR = 'checkpoints';
export const TRAIN_STATE_FILE = 'train-state.json';
const LATEST_FILE = 'latest.json';
const KEEP = 2;

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
  await pruneCheckpoints(root, name);
  return dir;
}

async function listCheckpointNames(root: string): Promise<string[]> {
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  return entries.filter((e) => /^ckpt-\d+$/.test(e)).sort().reverse();
}

async function pruneCheckpoints(root: string, keepName: string): Promise<void> {
  const names = await listCheckpointNames(root);
  const old = names.filter((n) => n !== keepName).slice(KEEP - 1);
  await Promise.all(old.map((n) => fs.rm(join(root, n), { recursive: true, force: true })));
}

export interface FoundCheckpoint<S> {
  dir: string;
  meta: ModelMeta;
  state: S;
  /** Newer checkpoints that were damaged and skipped, with why. */
  skipped: string[];
}

/**
 * The newest checkpoint that reads back whole. A damaged newest one is skipped (and named) in
 * favour of the one before, as the reliability bar asks; none at all is E_CHECKPOINT_CORRUPT.
 */
export async function findLatestCheckpoint<S>(outDir: string): Promise<FoundCheckpoint<S>> {
  const root = join(outDir, CHECKPOINTS_DIR);
  await removeStaleTemps(root);
  const latest = await readExtraJson<{ checkpoint?: string }>(root, LATEST_FILE);
  const names = await listCheckpointNames(root);
  const ordered = latest?.checkpoint && names.includes(latest.checkpoint) ? [latest.checkpoint, ...names.filter((n) => n !== latest.checkpoint)] : names;
  if (ordered.length === 0) {
    throw new DenoiseError('E_NOT_FOUND', `No checkpoint to resume from in ${root}`);
  }
  const skipped: string[] = [];
  for (const name of ordered) {
    const dir = join(root, name);
    try {
      const meta = await readModelMeta(dir);
      const state = await readExtraJson<S>(dir, TRAIN_STATE_FILE);
      if (!state || !meta.optimizer) throw new DenoiseError('E_CHECKPOINT_CORRUPT', `${dir} has no training state`);
      return { dir, meta, state, skipped };
    } catch (err) {
      skipped.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new DenoiseError('E_CHECKPOINT_CORRUPT', `Every checkpoint in ${root} is damaged: ${skipped.join('; ')}`);
}
