import type { EngineJobEvent, EngineMessage, EngineMethod, EngineParams, EngineRequest, EngineResult } from '../shared/engine-protocol';
import { DenoiseError, type ErrorInfo } from '../shared/errors';

/**
 * The host's handle on the engine process (Electron main and the web server both use it; it
 * never loads tfjs). It starts the process on first use, correlates replies, forwards job
 * events, and supervises: cancel is a message first and a kill after a grace period; if the
 * process dies, every pending request fails with a clear error, the host is told, and the next
 * request starts a fresh process. Checkpoints are written atomically by the engine, so a killed
 * run keeps its last one.
 */
export interface EngineProcess {
  post(message: EngineRequest): void;
  onMessage(listener: (message: EngineMessage) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type SpawnEngine = () => EngineProcess;

export interface EngineClientOptions {
  spawn: SpawnEngine;
  onJobEvent: (jobId: string, event: EngineJobEvent) => void;
  onCrash: (info: { message: string; during: string | null; code: number | null }) => void;
  onStart?: (pid: number) => void;
  /** How long a cancelled job may take to stop (finish its batch, write a checkpoint) before a kill. */
  cancelGraceMs?: number;
}

interface Pending {
  method: EngineMethod;
  jobId: string | null;
  resolve: (value: unknown) => void;
  reject: (error: DenoiseError) => void;
}

interface Running {
  proc: EngineProcess;
  ready: Promise<void>;
  exited: boolean;
  /** Set when the host killed the process on purpose (cancel timeout, restart). */
  killedFor: 'cancel' | 'restart' | null;
}

/** Methods that run a job under params.jobId (control messages such as cancel only name one). */
const JOB_METHODS: ReadonlySet<EngineMethod> = new Set(['train', 'denoiseBatch', 'compare']);

function jobIdOf(method: EngineMethod, params: unknown): string | null {
  if (!JOB_METHODS.has(method)) return null;
  const id = (params as { jobId?: unknown } | null)?.jobId;
  return typeof id === 'string' ? id : null;
}

export class EngineClient {
  private running: Running | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly cancelTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly options: Required<Omit<EngineClientOptions, 'onStart'>> & Pick<EngineClientOptions, 'onStart'>;

  constructor(options: EngineClientOptions) {
    this.options = { cancelGraceMs: 20_000, ...options };
  }

  /** Jobs (training runs, batch jobs) the engine is working on now. */
  activeJobs(): string[] {
    return [...this.pending.values()].map((p) => p.jobId).filter((id): id is string => id !== null);
  }

  async request<M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<EngineResult<M>> {
    const running = this.ensure();
    await running.ready;
    return new Promise<EngineResult<M>>((resolve, reject) => {
      if (running.exited) {
        reject(new DenoiseError('E_INTERNAL', 'The engine process stopped before the request could be sent; try again', { reason: 'engine-crashed' }));
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { method, jobId: jobIdOf(method, params), resolve: resolve as (v: unknown) => void, reject });
      running.proc.post({ type: 'request', id, method, params });
    });
  }

  /** Asks a job to stop; kills the engine if it has not stopped within the grace period. */
  async cancel(jobId: string): Promise<void> {
    if (!this.running || this.running.exited) return;
    const running = this.running;
    if (!this.cancelTimers.has(jobId)) {
      this.cancelTimers.set(
        jobId,
        setTimeout(() => {
          this.cancelTimers.delete(jobId);
          if (this.activeJobs().includes(jobId) && this.running === running && !running.exited) {
            running.killedFor = 'cancel';
            running.proc.kill();
          }
        }, this.options.cancelGraceMs),
      );
    }
    await this.request('cancel', { jobId });
  }

  /** Stops the engine process now (settings changed, app quitting); the next request starts a new one. */
  restart(): void {
    if (!this.running || this.running.exited) {
      this.running = null;
      return;
    }
    this.running.killedFor = 'restart';
    this.running.proc.kill();
    this.running = null;
  }

  dispose(): void {
    for (const timer of this.cancelTimers.values()) clearTimeout(timer);
    this.cancelTimers.clear();
    this.restart();
  }

  private ensure(): Running {
    if (this.running && !this.running.exited) return this.running;
    const proc = this.options.spawn();
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const running: Running = { proc, ready, exited: false, killedFor: null };
    this.running = running;
    proc.onMessage((message) => {
      switch (message.type) {
        case 'ready':
          this.options.onStart?.(message.pid);
          markReady();
          return;
        case 'event':
          this.options.onJobEvent(message.jobId, message.event);
          return;
        case 'reply': {
          const entry = this.pending.get(message.id);
          if (!entry) return;
          this.pending.delete(message.id);
          if (entry.jobId) this.clearCancelTimer(entry.jobId);
          if (message.result.ok) entry.resolve(message.result.value);
          else entry.reject(fromInfo(message.result.error));
          return;
        }
      }
    });
    proc.onExit((code) => {
      running.exited = true;
      markReady();
      if (this.running === running) this.running = null;
      const lost = [...this.pending.entries()];
      this.pending.clear();
      const during = lost.find(([, p]) => p.jobId !== null)?.[1].method ?? lost[0]?.[1].method ?? null;
      for (const [, entry] of lost) {
        if (entry.jobId) this.clearCancelTimer(entry.jobId);
        entry.reject(
          running.killedFor === 'cancel' && entry.jobId
            ? new DenoiseError('E_CANCELLED', 'Cancelled. The engine did not stop in time and was restarted; the last checkpoint is kept.', { reason: 'engine-killed' })
            : running.killedFor === 'restart'
              ? new DenoiseError('E_CANCELLED', 'Stopped: the engine was restarted.', { reason: 'engine-restarted' })
              : new DenoiseError('E_INTERNAL', `The engine process stopped unexpectedly (exit code ${code ?? 'none'}) during ${entry.method}; the last saved checkpoint is kept.`, {
                  reason: 'engine-crashed',
                  code,
                }),
        );
      }
      if (running.killedFor === null) {
        this.options.onCrash({ message: `The engine process stopped unexpectedly (exit code ${code ?? 'none'})`, during, code });
      }
    });
    return running;
  }

  private clearCancelTimer(jobId: string): void {
    const timer = this.cancelTimers.get(jobId);
    if (timer) clearTimeout(timer);
    this.cancelTimers.delete(jobId);
  }
}

function fromInfo(info: ErrorInfo): DenoiseError {
  return new DenoiseError(info.code, info.message, info.details);
}
