import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { isInsideRoot as isInside } from '../../shared/paths';
import { fromFsError } from './fs-error';

/** True when `realPath` is `realRoot` or lies below it; both must already be resolved by realpath. */
export function isInsideRoot(realRoot: string, realPath: string): boolean {
  return isInside(realRoot, realPath, path);
}

/**
 * Refuses a file whose real location (after every symlink) is outside the granted root: a link
 * inside a dropped folder must not let the engine read, say, ~/.ssh.
 * Returns the file's real path.
 */
export async function assertInsideRoot(file: string, root: string): Promise<string> {
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    throw fromFsError(error, root, 'Cannot open the folder');
  }
  try {
    realFile = await realpath(file);
  } catch (error) {
    throw fromFsError(error, file, 'Cannot open the image');
  }
  if (!isInsideRoot(realRoot, realFile)) {
    throw new DenoiseError(
      'E_PATH_OUTSIDE_ROOT',
      `${file} links to ${realFile}, which is outside the folder ${root}; it was not read.`,
      { file, realPath: realFile, root },
    );
  }
  return realFile;
}
