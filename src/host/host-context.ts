import { randomBytes } from 'node:crypto';
import type { Channel, DatasetInfo, EventMap, EventName, RequestOf, ResponseOf } from '../shared/contract';
import type { EngineJobEvent } from '../shared/engine-protocol';
import { toErrorInfo } from '../shared/errors';
import type { EngineClient, EngineProcess } from './engine-client';
import type { MediaKind, MediaStore } from './media-store';
import type { RootGuard } from './root-guard';
import type { SettingsStore } from './settings-store';

/**
 * What every feature module of the host (settings, datasets, training, denoise, models,
 * generate) shares: the engine, the granted roots, the media store, the settings and the event
 * sink. Each module's `setupX(ctx)` returns the handlers of its channels; app-host.ts joins them.
 */
export interface AppHostOptions {
  mode: 'desktop' | 'web';
  version: string;
  /** The app's data folder (settings, default models and outputs, uploads). */
  dataHome: string;
  /** The folder the UI may browse: the web mode's --root or home; home on the desktop. */
  browseRoot: string;
  spawnEngine: (env: Record<string, string>) => EngineProcess;
  mediaUrl: (kind: MediaKind, id: string) => string;
  emit: <E extends EventName>(event: E, payload: EventMap[E]) => void;
  /** The starter models shipped with the app, copied into the library once (see features/models.ts). */
  starterModelsDir?: string;
  /** Native dialogs (desktop). What the user picks there is granted. */
  openDialog?: (what: 'folder' | 'images') => Promise<string[]>;
  cancelGraceMs?: number;
}

export type ChannelHandler<C extends Channel> = (request: RequestOf<C>) => Promise<ResponseOf<C>>;
export type Handlers = { [C in Channel]: ChannelHandler<C> };

/** Routes engine job events to the feature that started the job. */
export type JobEventSink = (jobId: string, event: EngineJobEvent) => void;

export interface HostContext {
  options: AppHostOptions;
  engine: EngineClient;
  guard: RootGuard;
  media: MediaStore;
  settings: SettingsStore;
  /** Datasets scanned in this session, by real path (their first image gives training samples). */
  datasets: Map<string, DatasetInfo>;
  /** Registers where a job's engine events go until it ends. */
  jobEvents: Map<string, JobEventSink>;
  emit: AppHostOptions['emit'];
}

export function newJobId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Starts a batch job in the engine and answers at once with its id: progress and the outcome
 * arrive as `job` events, so a long batch never holds a request open.
 */
export function startJob<T>(ctx: HostContext, jobId: string, work: Promise<T>, toResult: (value: T) => EventMap['job'] & { type: 'done' }): void {
  ctx.jobEvents.set(jobId, (id, event) => {
    if (event.kind === 'progress') ctx.emit('job', { jobId: id, type: 'progress', done: event.done, total: event.total, file: event.file });
  });
  work
    .then(
      (value) => ctx.emit('job', toResult(value)),
      (err: unknown) => ctx.emit('job', { jobId, type: 'failed', error: toErrorInfo(err) }),
    )
    .finally(() => ctx.jobEvents.delete(jobId));
}
