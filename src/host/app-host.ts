import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type {
  AppInfo,
  Channel,
  DatasetInfo,
  DirEntry,
  EventMap,
  EventName,
  RequestOf,
  ResponseOf,
  Settings,
} from '../shared/contract';
import { isChannel } from '../shared/contract';
import type { EngineJobEvent } from '../shared/engine-protocol';
import { DenoiseError, toErrorInfo, type Result } from '../shared/errors';
import { TRAIN_DEFAULTS, type TrainConfig } from '../shared/training';
import { EngineClient, type EngineProcess } from './engine-client';
import { MediaStore, type MediaKind } from './media-store';
import { parseRequest } from './request-schemas';
import { RootGuard } from './root-guard';
import { SettingsStore } from './settings-store';

/**
 * The host half of the contract, shared by Electron main and the web server: it validates each
 * request, checks every path against the granted roots, drives the engine process through
 * EngineClient, turns engine image bytes into media URLs, and re-publishes engine job events as
 * contract events. Neither host loads tfjs or sharp; only the engine process does.
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
  /** Native dialogs (desktop). Their results are granted. */
  openDialog?: (what: 'folder' | 'images') => Promise<string[]>;
  /**
   * Desktop: a folder the user drops or picks is theirs to use, so scanning it grants it.
   * Web: nothing outside the browse root and the data folder is ever granted.
   */
  grantOnScan: boolean;
  cancelGraceMs?: number;
}

type Handlers = { [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff']);
const EXT_OF_FORMAT = { png: '.png', jpeg: '.jpg', webp: '.webp', tiff: '.tif' } as const;
const PREVIEW_MAX_SIDE = 4096;
const THUMB_SIZE = 160;
const PROGRESS_MIN_INTERVAL_MS = 100;

export interface AppHost {
  dispatch(channel: unknown, request: unknown): Promise<Result<unknown>>;
  media: MediaStore;
  guard: RootGuard;
  settings(): Settings;
  dispose(): void;
}

function newId(): string {
  return randomBytes(8).toString('hex');
}

async function uniqueFile(dir: string, stem: string, ext: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = join(dir, `${stem}${i === 0 ? '' : `-${i + 1}`}${ext}`);
    if (!(await fs.stat(candidate).catch(() => undefined))) return candidate;
  }
}

export async function createAppHost(options: AppHostOptions): Promise<AppHost> {
  const store = await SettingsStore.open(options.dataHome);
  const guard = new RootGuard([options.browseRoot, options.dataHome]);
  const grantSettings = (s: Settings): void => {
    guard.grant(s.modelsDir);
    guard.grant(s.outputDir);
  };
  grantSettings(store.get());

  const envFor = (s: Settings): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    if (s.backend !== 'auto') env['DENOISE_BACKEND'] = s.backend;
    env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
    env['TF_FORCE_GPU_ALLOW_GROWTH'] = 'true';
    return env;
  };

  // ---- training runs and jobs, as the host sees them ----
  let activeRun: string | null = null;
  let activeOutDir: string | null = null;
  const lastProgress = new Map<string, number>();
  const jobKinds = new Map<string, 'train' | 'job'>();

  const onJobEvent = (jobId: string, event: EngineJobEvent): void => {
    const kind = jobKinds.get(jobId);
    if (kind === 'train') {
      switch (event.kind) {
        case 'train': {
          if (event.event.type === 'progress') {
            const now = Date.now();
            if (now - (lastProgress.get(jobId) ?? 0) < PROGRESS_MIN_INTERVAL_MS) return;
            lastProgress.set(jobId, now);
          }
          if (event.event.type === 'started') options.emit('train', { runId: jobId, type: 'state', state: 'running' });
          options.emit('train', { runId: jobId, type: 'event', event: event.event });
          return;
        }
        case 'samples':
          options.emit('train', {
            runId: jobId,
            type: 'samples',
            samples: { step: event.step, clean: media.addBlob(event.clean), noisy: media.addBlob(event.noisy), output: media.addBlob(event.output) },
          });
          return;
        case 'state':
          options.emit('train', { runId: jobId, type: 'state', state: event.state });
          return;
        case 'progress':
          return;
      }
    }
    if (kind === 'job' && event.kind === 'progress') {
      options.emit('job', { jobId, type: 'progress', done: event.done, total: event.total, file: event.file });
    }
  };

  const engine = new EngineClient({
    spawn: () => options.spawnEngine(envFor(store.get())),
    onJobEvent,
    onCrash: ({ message, during }) => options.emit('engine', { type: 'crashed', message, during }),
    onStart: (pid) => options.emit('engine', { type: 'started', pid }),
    ...(options.cancelGraceMs === undefined ? {} : { cancelGraceMs: options.cancelGraceMs }),
  });

  const media = new MediaStore({
    urlFor: options.mediaUrl,
    checkPath: (path) => guard.check(path, 'Image'),
    thumbnail: (file) => engine.request('thumbnail', { file, size: THUMB_SIZE }),
  });

  const datasetCache = new Map<string, DatasetInfo>();

  const modelsRoot = (): string => store.get().modelsDir;
  const checkModelDir = (dir: string): Promise<string> => guard.checkWithin(dir, [modelsRoot()], 'Model');

  /** A path chosen by the user: inside the roots, or (desktop) granted by being picked or dropped. */
  const checkUserPath = async (path: string, what: string): Promise<string> => {
    if (options.grantOnScan) {
      const real = resolve(path);
      if (!(await fs.stat(real).catch(() => undefined))) throw new DenoiseError('E_NOT_FOUND', `${what} ${path} does not exist`);
      return guard.check(real, what).catch(() => {
        guard.grant(real);
        return real;
      });
    }
    return guard.check(path, what);
  };

  const runJob = <T>(jobId: string, work: Promise<T>, toResult: (value: T) => EventMap['job'] & { type: 'done' }): void => {
    jobKinds.set(jobId, 'job');
    work.then(
      (value) => options.emit('job', toResult(value)),
      (err: unknown) => options.emit('job', { jobId, type: 'failed', error: toErrorInfo(err) }),
    ).finally(() => jobKinds.delete(jobId));
  };

  const startRun = (config: TrainConfig, resume: boolean, samplesFrom: string | null): { runId: string; outDir: string } => {
    if (activeRun) throw new DenoiseError('E_INVALID_ARGUMENT', 'A training run is already going; cancel it or wait for it to finish first');
    const runId = newId();
    activeRun = runId;
    activeOutDir = resolve(config.outDir);
    jobKinds.set(runId, 'train');
    options.emit('train', { runId, type: 'state', state: 'starting' });
    engine
      .request('train', { jobId: runId, config, resume, samplesFrom })
      .then(
        (result) => options.emit('train', { runId, type: 'state', state: result.reason === 'cancelled' ? 'cancelled' : 'finished' }),
        (err: unknown) => {
          const error = toErrorInfo(err);
          const state = error.code === 'E_CANCELLED' ? 'cancelled' : error.details?.['reason'] === 'engine-crashed' ? 'crashed' : 'failed';
          options.emit('train', { runId, type: 'state', state, error });
        },
      )
      .finally(() => {
        if (activeRun === runId) {
          activeRun = null;
          activeOutDir = null;
        }
        jobKinds.delete(runId);
        lastProgress.delete(runId);
      });
    return { runId, outDir: config.outDir };
  };

  const handlers: Handlers = {
    'app:info': async (): Promise<AppInfo> => ({
      version: options.version,
      mode: options.mode,
      nativeDialogs: options.openDialog !== undefined,
      browseRoot: options.browseRoot,
    }),

    'settings:get': async () => store.get(),

    'settings:set': async (patch) => {
      const checked: Partial<Settings> = { ...patch };
      for (const key of ['modelsDir', 'outputDir'] as const) {
        const dir = patch[key];
        if (dir === undefined) continue;
        checked[key] = options.grantOnScan ? resolve(dir) : await guard.check(dir, 'Folder');
        await fs.mkdir(checked[key] as string, { recursive: true });
      }
      const before = store.get();
      if (patch.backend !== undefined && patch.backend !== before.backend && engine.activeJobs().length > 0) {
        throw new DenoiseError('E_INVALID_ARGUMENT', 'Finish or cancel the running job before changing the compute backend');
      }
      const next = await store.update(checked);
      grantSettings(next);
      if (next.backend !== before.backend) engine.restart();
      return next;
    },

    'backend:report': async ({ refresh }) => engine.request('backend', { refresh }),

    'kinds:list': async () => engine.request('kinds', null),

    'fs:list': async ({ path }) => {
      const target = path === null ? await guard.check(options.browseRoot, 'Folder') : await guard.check(path, 'Folder');
      const entries = await fs.readdir(target, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        throw new DenoiseError(err.code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO', `Cannot list ${target}: ${err.message}`);
      });
      const out: DirEntry[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const full = join(target, entry.name);
        if (entry.isDirectory()) out.push({ name: entry.name, path: full, kind: 'dir' });
        else if (entry.isFile() && IMAGE_EXT.has(extname(entry.name).toLowerCase())) out.push({ name: entry.name, path: full, kind: 'image' });
      }
      out.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const realRoot = await guard.check(options.browseRoot, 'Folder');
      const parent = target === realRoot ? null : resolve(target, '..');
      return { path: target, parent: parent !== null && (await guard.check(parent, 'Folder').catch(() => null)) ? parent : null, entries: out };
    },

    'dialog:open': async ({ what }) => {
      if (!options.openDialog) throw new DenoiseError('E_INVALID_ARGUMENT', 'The web UI has no native file dialog; browse the folders on the server instead');
      const picked = await options.openDialog(what);
      for (const p of picked) guard.grant(p);
      return picked;
    },

    'datasets:scan': async ({ path, recursive }) => {
      const real = await checkUserPath(path, 'Folder');
      const scan = await engine.request('scan', { path: real, recursive });
      if (scan.images.length === 0) {
        const first = scan.skipped[0];
        const why = first
          ? `${scan.skipped.length} file${scan.skipped.length === 1 ? ' was' : 's were'} skipped (${basename(first.file)}: ${first.message})`
          : scan.subfoldersNotScanned > 0
            ? 'the images are in subfolders that were not searched'
            : 'the folder is empty';
        throw new DenoiseError('E_NO_IMAGES', `No images in ${scan.root}: ${why}`, { skipped: scan.skipped.slice(0, 200) });
      }
      const images = scan.images.map((im) => ({ ...im, thumb: media.thumbUrl(im.path) }));
      const info: DatasetInfo = {
        path: scan.root,
        name: basename(scan.root),
        images,
        skipped: scan.skipped,
        totalBytes: images.reduce((s, im) => s + im.bytes, 0),
        gray: images.filter((im) => im.channels === 1).length,
        color: images.filter((im) => im.channels === 3).length,
        subfoldersNotScanned: scan.subfoldersNotScanned,
      };
      datasetCache.set(info.path, info);
      return info;
    },

    'datasets:preview': async ({ file, noise, size, seed }) => {
      const real = await guard.check(file, 'Image');
      const out = await engine.request('corrupt', { file: real, noise, size, seed });
      return { clean: media.addBlob(out.clean), noisy: media.addBlob(out.noisy) };
    },

    'image:open': async ({ path }) => {
      const real = await checkUserPath(path, 'Image');
      const image = await engine.request('render', { file: real, maxSide: 1024 });
      return { path: real, image: media.addBlob(image) };
    },

    'train:start': async (request) => {
      const outDir = join(modelsRoot(), request.name);
      await guard.checkWithin(outDir, [modelsRoot()], 'Model');
      const dataDirs: string[] = [];
      for (const p of request.datasetPaths) dataDirs.push(await guard.check(p, 'Dataset'));
      const exists = await fs.stat(outDir).catch(() => undefined);
      if (exists) {
        if (!request.overwrite) throw new DenoiseError('E_INVALID_ARGUMENT', `A model named "${request.name}" already exists; choose another name or allow replacing it`);
        const isModel = (await fs.stat(join(outDir, 'meta.json')).catch(() => undefined)) || (await fs.stat(join(outDir, 'checkpoints')).catch(() => undefined));
        if (!isModel) throw new DenoiseError('E_INVALID_ARGUMENT', `${outDir} exists and is not a model; it was left alone`);
        await fs.rm(outDir, { recursive: true, force: true });
      }
      const config: TrainConfig = {
        ...TRAIN_DEFAULTS,
        dataDirs,
        recursive: true,
        kind: request.kind,
        modelOptions: request.modelOptions,
        noise: request.noise,
        patchSize: request.patchSize,
        batchSize: request.batchSize,
        ...(request.epochs === undefined ? {} : { epochs: request.epochs }),
        ...(request.minutes === undefined ? {} : { minutes: request.minutes }),
        ...(request.maxSteps === undefined ? {} : { maxSteps: request.maxSteps }),
        learningRate: request.learningRate,
        valFraction: request.valFraction,
        validateEvery: request.validateEvery,
        checkpointEvery: request.checkpointEvery,
        augment: request.augment,
        seed: request.seed,
        outDir,
      };
      const first = dataDirs.map((d) => datasetCache.get(d)?.images[0]?.path).find((p) => p !== undefined) ?? null;
      return startRun(config, false, first);
    },

    'train:continue': async ({ modelDir, maxSteps, minutes }) => {
      const dir = await checkModelDir(modelDir);
      const saved = await engine.request('runConfig', { modelDir: dir });
      const config: TrainConfig = { ...saved, outDir: dir };
      delete config.epochs;
      delete config.minutes;
      delete config.maxSteps;
      if (maxSteps !== undefined) config.maxSteps = maxSteps;
      if (minutes !== undefined) config.minutes = minutes;
      if (maxSteps === undefined && minutes === undefined) {
        if (saved.epochs !== undefined) config.epochs = saved.epochs;
        if (saved.minutes !== undefined) config.minutes = saved.minutes;
        if (saved.maxSteps !== undefined) config.maxSteps = saved.maxSteps;
      }
      for (const d of config.dataDirs) await guard.check(d, 'Dataset').catch(() => guard.grant(d));
      const first = config.dataDirs.map((d) => datasetCache.get(d)?.images[0]?.path).find((p) => p !== undefined) ?? null;
      return startRun(config, true, first);
    },

    'train:pause': async ({ runId }) => {
      await engine.request('pause', { jobId: runId });
      return null;
    },
    'train:resume': async ({ runId }) => {
      await engine.request('unpause', { jobId: runId });
      return null;
    },
    'train:cancel': async ({ runId }) => {
      options.emit('train', { runId, type: 'state', state: 'cancelling' });
      await engine.cancel(runId);
      return null;
    },

    'denoise:preview': async ({ modelDir, file }) => {
      const dir = await checkModelDir(modelDir);
      const real = await guard.check(file, 'Image');
      const out = await engine.request('denoisePreview', { modelDir: dir, file: real, maxSide: PREVIEW_MAX_SIDE });
      return { before: media.addBlob(out.before), after: media.addBlob(out.after) };
    },

    'denoise:export': async ({ modelDir, file, strength, format, bitDepth, outDir }) => {
      const dir = await checkModelDir(modelDir);
      const real = await guard.check(file, 'Image');
      const target = await guard.check(outDir ?? store.get().outputDir, 'Output folder');
      await fs.mkdir(target, { recursive: true });
      const stem = basename(real, extname(real));
      const output = await uniqueFile(target, `${stem}-denoised`, EXT_OF_FORMAT[format]);
      await engine.request('denoiseExport', { modelDir: dir, file: real, strength, format, bitDepth, output });
      return { output, download: media.fileUrl(output) };
    },

    'denoise:batch': async ({ modelDir, folder, strength, format, bitDepth, outDir, recursive }) => {
      const dir = await checkModelDir(modelDir);
      const input = await checkUserPath(folder, 'Folder');
      const target = await guard.check(outDir ?? join(store.get().outputDir, `${basename(input)}-denoised`), 'Output folder');
      const jobId = newId();
      runJob(
        jobId,
        engine.request('denoiseBatch', { jobId, modelDir: dir, folder: input, strength, format, bitDepth, outDir: target, recursive }),
        (r) => ({ jobId, type: 'done', result: { kind: 'denoise', outDir: r.outDir, written: r.written, failed: r.failed } }),
      );
      return { jobId, outDir: target };
    },

    'job:cancel': async ({ jobId }) => {
      await engine.cancel(jobId);
      return null;
    },

    'models:list': async () => {
      await fs.mkdir(modelsRoot(), { recursive: true });
      return engine.request('models', { root: modelsRoot() });
    },

    'models:rename': async ({ dir, name }) => {
      const real = await checkModelDir(dir);
      if (real === (await guard.checkWithin(modelsRoot(), [modelsRoot()], 'Models folder'))) throw new DenoiseError('E_INVALID_ARGUMENT', 'That is the models folder itself');
      return engine.request('modelRename', { dir: real, name });
    },

    'models:delete': async ({ dir }) => {
      const real = await checkModelDir(dir);
      if (activeRun && activeOutDir === real) {
        // Deleting the folder a run is writing would make its next checkpoint fail confusingly.
        throw new DenoiseError('E_INVALID_ARGUMENT', 'This model is being trained; cancel the run before deleting it');
      }
      await engine.request('modelDelete', { dir: real });
      return null;
    },

    'models:import': async ({ path }) => {
      const real = await checkUserPath(path, 'Model folder');
      await fs.mkdir(modelsRoot(), { recursive: true });
      return engine.request('modelImport', { src: real, root: modelsRoot() });
    },

    'models:export': async ({ dir, dest }) => {
      const real = await checkModelDir(dir);
      const target = await guard.check(dest ?? store.get().outputDir, 'Export folder');
      return engine.request('modelExport', { dir: real, dest: target });
    },

    'models:compare': async ({ dirs, dataset, noise, seed }) => {
      const models: string[] = [];
      for (const d of dirs) models.push(await checkModelDir(d));
      const data = await guard.check(dataset, 'Dataset');
      const jobId = newId();
      runJob(jobId, engine.request('compare', { jobId, dirs: models, dataset: data, noise, seed }), (r) => ({
        jobId,
        type: 'done',
        result: { kind: 'compare', rows: r.rows, failed: r.failed },
      }));
      return { jobId };
    },

    'generate:samples': async ({ modelDir, count, seed, temperature }) => {
      const dir = await checkModelDir(modelDir);
      const images = await engine.request('generate', { modelDir: dir, count, seed, temperature });
      return { images: images.map((im) => media.addBlob(im)) };
    },

    'generate:interpolate': async ({ modelDir, a, b, steps }) => {
      const dir = await checkModelDir(modelDir);
      const images = await engine.request('interpolate', { modelDir: dir, a: await guard.check(a, 'Image'), b: await guard.check(b, 'Image'), steps });
      return { images: images.map((im) => media.addBlob(im)) };
    },
  };

  return {
    media,
    guard,
    settings: () => store.get(),
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
