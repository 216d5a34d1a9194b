import { DenoiseError } from '../../shared/errors';

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a Node file-system error to the shared vocabulary. `what` names the file and the action
 * in plain words ("Cannot read photo.png"), because errno names mean nothing to most users.
 */
export function fromFsError(error: unknown, file: string, what: string): DenoiseError {
  if (error instanceof DenoiseError) return error;
  const errno = errnoCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DenoiseError('E_NOT_FOUND', `${what}: ${file} does not exist.`, { file, errno });
    case 'EACCES':
    case 'EPERM':
      return new DenoiseError('E_IO', `${what}: permission denied for ${file}.`, { file, errno });
    case 'ELOOP':
      return new DenoiseError('E_IO', `${what}: ${file} is a symbolic link that loops back on itself.`, { file, errno });
    default:
      return new DenoiseError('E_IO', `${what}: ${file}: ${reason}`, { file, errno: errno ?? null });
  }
}
