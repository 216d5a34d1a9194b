import cliProgress from 'cli-progress';

/**
 * Progress for long work: a live bar on a terminal, and a plain line every few seconds when
 * stderr is a pipe or a log file (CI), so logs stay readable.
 */
export interface Progress {
  update(done: number, text?: string): void;
  stop(): void;
}

export function createProgress(label: string, total: number, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {text}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { text: '' });
    return { update: (done, text = '') => bar.update(Math.min(done, total), { text }), stop: () => bar.stop() };
  }
  let last = 0;
  return {
    update(done, text = '') {
      const now = Date.now();
      if (now - last < 5000 && done < total) return;
      last = now;
      process.stderr.write(`${label}: ${Math.min(done, total)}/${total} ${text}\n`);
    },
    stop: () => undefined,
  };
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
