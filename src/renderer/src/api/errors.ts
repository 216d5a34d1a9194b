import { ERROR_CODES, type ErrorCode, type ErrorInfo } from '../../../shared/errors';

/**
 * Error codes from the contract, in words a user can act on. The engine's own message (which
 * names the file and the limit) is shown under this line as the detail.
 */
const MESSAGES: Record<ErrorCode, string> = {
  E_INVALID_ARGUMENT: 'That setting or input is not valid.',
  E_NOT_FOUND: 'That file or folder could not be found.',
  E_NO_IMAGES: 'No usable images were found there.',
  E_IMAGE_CORRUPT: 'An image is damaged and could not be read.',
  E_IMAGE_TOO_LARGE: 'An image is too large to open.',
  E_IMAGE_TOO_SMALL: 'The images are smaller than the training patch size.',
  E_UNSUPPORTED_FORMAT: 'That file type cannot be read here (the detail says what to do). PNG, JPEG, WebP, AVIF, TIFF and camera RAW files are read.',
  E_PATH_OUTSIDE_ROOT: 'That location is outside the folders this app may use.',
  E_CHECKPOINT_CORRUPT: 'The saved training checkpoint is damaged.',
  E_MODEL_CORRUPT: 'The model files are damaged, or this is not a Denoise Studio model.',
  E_MODEL_INCOMPATIBLE: 'This model cannot be used for that.',
  E_BACKEND_UNAVAILABLE: 'The chosen compute backend does not work on this machine.',
  E_GPU_OOM: 'The GPU ran out of memory. Try a smaller batch, patch or model size.',
  E_CANCELLED: 'Cancelled.',
  E_IO: 'A file could not be read or written, or the connection was lost.',
  E_INTERNAL: 'Something went wrong inside the engine.',
};

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(info: ErrorInfo) {
    const code = (ERROR_CODES as readonly string[]).includes(info.code) ? info.code : 'E_INTERNAL';
    super(MESSAGES[code]);
    this.name = 'ApiError';
    this.code = code;
    this.detail = info.message;
    this.details = info.details;
  }
}

export interface HumanError {
  code: ErrorCode;
  title: string;
  detail: string;
}

export function humanMessage(code: ErrorCode): string {
  return MESSAGES[code];
}

/** Any thrown value as a title (from the code) and a detail (the engine's message). */
export function humanize(error: unknown): HumanError {
  if (error instanceof ApiError) {
    if (error.details?.['reason'] === 'engine-crashed') {
      return { code: error.code, title: 'The engine process crashed. The app is still running and the next job starts a fresh engine.', detail: error.detail };
    }
    return { code: error.code, title: error.message, detail: error.detail === error.message ? '' : error.detail };
  }
  const info = error as Partial<ErrorInfo> | null;
  if (info && typeof info.code === 'string' && typeof info.message === 'string') return humanize(new ApiError(info as ErrorInfo));
  return { code: 'E_INTERNAL', title: MESSAGES.E_INTERNAL, detail: error instanceof Error ? error.message : String(error) };
}
