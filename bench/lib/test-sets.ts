import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { scanImageFolder } from '../../src/ml/data/scan-folder';

/**
 * The first `limit` images of a test set (name order, as the eval protocol sorts) as a folder of
 * copies in `work` (the folder scan does not follow links); the set itself when no limit is given.
 */
export async function limitedSet(dir: string, limit: number | undefined, work: string): Promise<string> {
  if (limit === undefined) return dir;
  const scan = await scanImageFolder(dir, { recursive: false });
  const files = [...scan.files].sort((a, b) => basename(a).localeCompare(basename(b))).slice(0, limit);
  const out = join(work, basename(dir));
  await fs.mkdir(out, { recursive: true });
  await Promise.all(files.map((f) => fs.copyFile(f, join(out, basename(f)))));
  return out;
}
