import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** `parent/name.ext`, or `parent/name-2.ext`, `-3`... whichever does not exist yet. */
export async function freePath(parent: string, name: string, extension = ''): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = join(parent, `${name}${i === 0 ? '' : `-${i + 1}`}${extension}`);
    if (!(await fs.stat(candidate).catch(() => undefined))) return candidate;
  }
}
