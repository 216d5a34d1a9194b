import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { fromFsError } from './fs-error';

/** The temp name next to `target`: same folder, so the final rename never crosses a file system. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Writes `data` to `target` so that readers see either the old file or the complete new one,
 * never a half-written image: write a temp file, fsync it, rename it over the target. The temp
 * file is removed if anything fails.
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      // Without the fsync a crash shortly after rename can leave a zero-length file on some
      // file systems (ext4 delayed allocation), which is exactly what atomicity is meant to avoid.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const mapped = fromFsError(error, target, 'Cannot write the file');
    if (mapped.code === 'E_NOT_FOUND') {
      throw new DenoiseError('E_NOT_FOUND', `Cannot write ${target}: the folder ${dirname(target)} does not exist.`, {
        file: target,
      });
    }
    throw mapped;
  }
}
