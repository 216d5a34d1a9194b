import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Captures what the CLI prints (console.log to `stdout`, console.error and process.stderr to
 * `stderr`) for each test of the calling file; read the fields after the command has run.
 */
export interface CapturedOutput {
  stdout: string;
  stderr: string;
}

export function captureCliOutput(): CapturedOutput {
  const out: CapturedOutput = { stdout: '', stderr: '' };
  beforeEach(() => {
    out.stdout = '';
    out.stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.stderr += String(chunk);
      return true;
    });
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      out.stderr += `${args.join(' ')}\n`;
    });
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      out.stdout += `${args.join(' ')}\n`;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return out;
}
