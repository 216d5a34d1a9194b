import { isDenoiseError, type ErrorCode } from '../../shared/errors';

/** A file left out of a scan or a dataset, with the reason in code and in words. */
export interface SkippedFile {
  file: string;
  code: ErrorCode;
  message: string;
}

/** Turns whatever a per-file step threw into a report entry, so one bad file never aborts a run. */
export function toSkippedFile(file: string, error: unknown): SkippedFile {
  if (isDenoiseError(error)) return { file, code: error.code, message: error.message };
  const reason = error instanceof Error ? error.message : String(error);
  return { file, code: 'E_INTERNAL', message: `${file}: unexpected error: ${reason}` };
}
