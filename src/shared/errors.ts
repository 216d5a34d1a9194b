/**
 * One error vocabulary for every boundary (engine, CLI, IPC, web server).
 * Codes are stable: the renderer and the CLI map them to human messages, so a message can be
 * reworded without breaking anything that branches on the code.
 */
export const ERROR_CODES = [
  'E_INVALID_ARGUMENT',
  'E_NOT_FOUND',
  'E_NO_IMAGES',
  'E_IMAGE_CORRUPT',
  'E_IMAGE_TOO_LARGE',
  'E_IMAGE_TOO_SMALL',
  'E_UNSUPPORTED_FORMAT',
  'E_PATH_OUTSIDE_ROOT',
  'E_CHECKPOINT_CORRUPT',
  'E_MODEL_CORRUPT',
  'E_MODEL_INCOMPATIBLE',
  'E_BACKEND_UNAVAILABLE',
  'E_GPU_OOM',
  'E_CANCELLED',
  'E_IO',
  'E_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The plain-data form of an error, safe to send over IPC or JSON. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export class DenoiseError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DenoiseError';
    this.code = code;
    this.details = details;
  }

  toInfo(): ErrorInfo {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isDenoiseError(value: unknown): value is DenoiseError {
  return value instanceof DenoiseError;
}

/** Any thrown value as ErrorInfo; unknown failures become E_INTERNAL with their message kept. */
export function toErrorInfo(value: unknown): ErrorInfo {
  if (isDenoiseError(value)) return value.toInfo();
  const message = value instanceof Error ? value.message : String(value);
  return { code: 'E_INTERNAL', message };
}
