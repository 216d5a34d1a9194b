import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { fromFsError } from '../data/fs-error';

/**
 * Writes that never leave a torn file or folder behind: write to a temporary name in the same
 * folder, fsync, then rename over the target (VS Code's and write-file-atomic's pattern). A
 * crash at any point leaves either the old content or the new, plus at most a `.tmp-` leftover
 * that `removeStaleTemps` cleans.
 */
const TEMP_MARK = '.tmp-';

function tempName(target: string): string {
  return join(dirname(target), `${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Windows indexers and antivirus briefly hold files; rename then fails with EPERM/EBUSY. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

async function fsyncPath(path: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(path, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened for fsync on every platform (Windows); the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempName(target);
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameWithRetry(temp, target);
    await fsyncPath(dirname(target));
  } catch (err) {
    await fs.rm(temp, { force: true });
    const mapped = fromFsError(err, target, 'Cannot write the file');
    if (mapped.code === 'E_NOT_FOUND') {
      throw new DenoiseError('E_NOT_FOUND', `Cannot write ${target}: the folder ${dirname(target)} does not exist.`, { file: target });
    }
    throw mapped;
  }
}

/**
 * Builds a whole folder under a temporary name and renames it into place. An existing target is
 * moved aside first and removed only after the new folder is in place, so there is no moment
 * without a complete copy.
 */
export async function writeDirAtomic(target: string, populate: (dir: string) => Promise<void>): Promise<void> {
  const temp = tempName(target);
  await fs.mkdir(temp, { recursive: true });
  try {
    await populate(temp);
    for (const entry of await fs.readdir(temp)) await fsyncPath(join(temp, entry));
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    throw err;
  }
  let aside: string | undefined;
  try {
    await fs.access(target);
    aside = tempName(target);
    await renameWithRetry(target, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await renameWithRetry(temp, target);
  await fsyncPath(dirname(target));
  if (aside) await fs.rm(aside, { recursive: true, force: true });
}

/** Removes `.tmp-` leftovers of interrupted writes in a folder (not recursive). */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stale = entries.filter((e) => e.includes(TEMP_MARK));
  await Promise.all(stale.map((e) => fs.rm(join(dir, e), { recursive: true, force: true })));
  return stale;
}
