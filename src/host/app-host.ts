import { promises as fs } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Settings } from '../shared/contract';
import { isChannel } from '../shared/contract';
import { DenoiseError, toErrorInfo, type Result } from '../shared/errors';
import { EngineClient } from './engine-client';
import { setupDatasets } from './features/datasets';
import { setupDenoise } from './features/denoise';
import { setupExplore } from './features/explore';
import { setupGenerate } from './features/generate';
import { setupModels } from './features/models';
import { applySavedSettings, setupSettings } from './features/settings';
import { setupTraining } from './features/training';
import type { AppHostOptions, Handlers, HostContext, JobEventSink } from './host-context';
import { MediaStore } from './media-store';
import { parseRequest } from './request-schemas';
import { RootGuard } from './root-guard';
import { SettingsStore } from './settings-store';

export type { AppHostOptions } from './host-context';

/**
 * The host half of the contract, shared by Electron main and the web server: it validates each
 * request against its schema, checks every path against the granted roots, and hands the work to
 * the engine process. One module per feature (./features) registers its channels; this file
 * only builds what they share and joins them. Neither host loads tfjs or sharp.
 *
 * Grants come only from what the user chose: the fixed roots, the native dialog, a drop (the
 * preload turns a dropped File into its path; a page cannot forge one), and the saved settings
 * checked again at start-up. A path the page sends is checked, never granted.
 */
export interface AppHost {
  dispatch(channel: unknown, request: unknown): Promise<Result<unknown>>;
  /** A file or folder the user dropped on the window (desktop): granted, and returned as a real path. */
  grantDropped(path: string): Promise<string>;
  media: MediaStore;
  guard: RootGuard;
  settings(): Settings;
  dispose(): void;
}

/** Image previews in the dataset grid. */
const THUMB_SIZE = 160;

export async function createAppHost(options: AppHostOptions): Promise<AppHost> {
  const settings = await SettingsStore.open(options.dataHome);
  const guard = new RootGuard([options.browseRoot, options.dataHome]);
  const jobEvents = new Map<string, JobEventSink>();

  const envFor = (s: Settings): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    if (s.backend !== 'auto') env['DENOISE_BACKEND'] = s.backend;
    env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
    env['TF_FORCE_GPU_ALLOW_GROWTH'] = 'true';
    return env;
  };

  const engine = new EngineClient({
    spawn: () => options.spawnEngine(envFor(settings.get())),
    onJobEvent: (jobId, event) => jobEvents.get(jobId)?.(jobId, event),
    onCrash: ({ message, during }) => options.emit('engine', { type: 'crashed', message, during }),
    onStart: (pid) => options.emit('engine', { type: 'started', pid }),
    ...(options.cancelGraceMs === undefined ? {} : { cancelGraceMs: options.cancelGraceMs }),
  });

  const media = new MediaStore({
    urlFor: options.mediaUrl,
    checkPath: (path) => guard.check(path, 'Image'),
    thumbnail: (file) => engine.request('thumbnail', { file, size: THUMB_SIZE }),
  });

  const ctx: HostContext = { options, engine, guard, media, settings, datasets: new Map(), jobEvents, emit: options.emit };
  await applySavedSettings(ctx);

  const training = setupTraining(ctx);
  const isTraining = (dir: string): boolean => training.activeOutDir() === resolve(dir);
  const { activeOutDir: _unused, ...trainingHandlers } = training;
  const handlers: Handlers = {
    ...setupSettings(ctx),
    ...setupDatasets(ctx),
    ...trainingHandlers,
    ...setupDenoise(ctx),
    ...setupModels(ctx, isTraining),
    ...setupGenerate(ctx),
    ...setupExplore(ctx),
  };

  return {
    media,
    guard,
    settings: () => settings.get(),
    async grantDropped(path: string): Promise<string> {
      if (options.mode !== 'desktop') throw new DenoiseError('E_INVALID_ARGUMENT', 'Drops are uploaded in the web mode');
      if (!path || !isAbsolute(path)) throw new DenoiseError('E_INVALID_ARGUMENT', 'The dropped item has no path on disk');
      const real = await fs.realpath(path).catch(() => {
        throw new DenoiseError('E_NOT_FOUND', `${path} does not exist`);
      });
      guard.grant(real);
      return real;
    },
    async dispatch(channel: unknown, raw: unknown): Promise<Result<unknown>> {
      if (!isChannel(channel)) return { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: `Unknown request ${String(channel).slice(0, 64)}` } };
      const parsed = parseRequest(channel, raw);
      if (!parsed.ok) return { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: parsed.message } };
      try {
        const handler = handlers[channel] as (r: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(parsed.value) };
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) };
      }
    },
    dispose: () => engine.dispose(),
  };
}
