import type { ErrorInfo, Result } from './errors';
import type { ExploreFrame, ExploreLabRequest, ExploreModelRequest } from './explore';
import type { NoiseSpec } from './noise';
import type { BackendChoice, BackendReport } from './backend';
import type { OutputFormat } from './image-formats';
import type { MoreTraining, OptionValue, TrainEvent, TrainRequest } from './training';

/**
 * The one contract between the UI and whatever hosts the engine: Electron's main process over
 * IPC, or the web server over a WebSocket. Channel -> request -> response for invokes, and an
 * event map for streams. The preload builds `window.api` from API_METHODS and EVENT_METHODS,
 * the web client builds the same object over the socket, and both are typed by ContractApi, so
 * the two transports cannot drift from each other or from the handlers.
 */

/** An image the renderer may display: a media:// URL (desktop) or an authenticated /media/ URL (web). */
export interface ImageRef {
  url: string;
  width: number;
  height: number;
}


export type ThemeChoice = 'system' | 'light' | 'dark';

export interface Settings {
  backend: BackendChoice;
  /** Where trained and imported models live. */
  modelsDir: string;
  /** Where denoised images and exported models are written by default. */
  outputDir: string;
  theme: ThemeChoice;
}

export interface AppInfo {
  version: string;
  mode: 'desktop' | 'web';
  /** Native open/save dialogs exist (desktop); the web UI browses server-side paths instead. */
  nativeDialogs: boolean;
  /** The folder the web UI may browse (home or --root); the desktop's home folder. */
  browseRoot: string;
}

export interface SkippedInfo {
  file: string;
  code: string;
  message: string;
}

export interface DatasetImageInfo {
  /** Path relative to the dataset folder, '/'-separated. */
  name: string;
  path: string;
  /** A small preview (the engine downsizes; originals may be huge or TIFF). */
  thumb: string;
  width: number;
  height: number;
  channels: 1 | 3;
  bytes: number;
}

export interface DatasetInfo {
  path: string;
  name: string;
  images: DatasetImageInfo[];
  skipped: SkippedInfo[];
  totalBytes: number;
  gray: number;
  color: number;
  subfoldersNotScanned: number;
}

export interface DirEntry {
  name: string;
  path: string;
  kind: 'dir' | 'image';
}

export interface DirListing {
  path: string;
  /** null at the browse root: the UI cannot go above it. */
  parent: string | null;
  entries: DirEntry[];
}

/** How the UI draws one option of a model kind; generated from the kind's option schema (src/ml/models/kind-info.ts). */
export type OptionDescriptor = {
  key: string;
  label: string;
  help?: string;
  /** It shapes only the training objective (a loss), so a fine-tuning run may set it anew. */
  objective?: boolean;
} & (
  | { type: 'choice'; default: string; choices: string[] }
  | { type: 'number'; default: number; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean'; default: boolean }
);

export interface KindInfo {
  kind: string;
  title: string;
  description: string;
  options: OptionDescriptor[];
  /** Models of this kind can sample new images (VAE). */
  generative: boolean;
  /** The kind's batch size and learning rate when the person sets none (its recipe, else TRAIN_DEFAULTS). */
  trainDefaults: { batchSize: number; learningRate: number };
}

export type RunState = 'starting' | 'running' | 'paused' | 'cancelling' | 'finished' | 'cancelled' | 'failed' | 'crashed';

export interface ModelInfo {
  dir: string;
  name: string;
  kind: string;
  channels: 1 | 3;
  options: Record<string, OptionValue>;
  createdAt: string;
  updatedAt: string;
  backend: string;
  generative: boolean;
  training: {
    noise: string;
    steps: number;
    epochs: number;
    elapsedMs: number;
    stopReason: string;
    trainImages: number;
    valImages: number;
    /** A fine-tuned model's starting point: that model's name and its steps. */
    initFrom?: { name: string; steps: number };
  } | null;
  metrics: Record<string, number>;
  /** Steps of the checkpoints a run can continue from, newest first. */
  checkpoints: number[];
}

export interface BrokenModelInfo {
  dir: string;
  error: ErrorInfo;
}

/** A run that saved checkpoints but no final model yet (it was stopped or died): it can be continued. */
export interface ContinuableRun {
  dir: string;
  name: string;
  kind: string;
  /** Step of the newest checkpoint that verifies. */
  step: number;
  savedAt: string;
}

export interface ModelList {
  models: ModelInfo[];
  runs: ContinuableRun[];
  broken: BrokenModelInfo[];
}

/** One model's scores in a comparison (same images, same noise draws for every model). */
export interface CompareRow {
  dir: string;
  name: string;
  kind: string;
  channels: 1 | 3;
  images: number;
  psnr: number;
  ssim: number;
  noisyPsnr: number;
  noisySsim: number;
  seconds: number;
}

export interface CompareReport {
  /** The noise as text, e.g. "gaussian:25". */
  noise: string;
  seed: number;
  data: string;
  rows: CompareRow[];
  /** Models that could not be scored, with why; the others are still compared. */
  failed: { dir: string; error: ErrorInfo }[];
  /** Images of the data folder that could not be read. */
  skipped: SkippedInfo[];
}

export type JobResult =
  | { kind: 'denoise'; outDir: string; written: number; failed: SkippedInfo[] }
  | ({ kind: 'compare' } & CompareReport)
  | { kind: 'explore'; frame: ExploreFrame };

// ---- invokes ---------------------------------------------------------------------------------

export interface InvokeMap {
  'app:info': { request: null; response: AppInfo };
  'settings:get': { request: null; response: Settings };
  'settings:set': { request: Partial<Settings>; response: Settings };
  'backend:report': { request: { refresh: boolean }; response: BackendReport };
  'kinds:list': { request: null; response: KindInfo[] };
  'fs:list': { request: { path: string | null }; response: DirListing };
  'dialog:open': { request: { what: 'folder' | 'images' }; response: string[] };
  'datasets:scan': { request: { path: string; recursive: boolean }; response: DatasetInfo };
  'datasets:preview': { request: { file: string; noise: NoiseSpec; size: number; seed: number }; response: { clean: ImageRef; noisy: ImageRef } };
  'image:open': { request: { path: string }; response: { path: string; image: ImageRef } };
  'train:start': { request: TrainRequest; response: { jobId: string; outDir: string } };
  /** Continues a saved run from its newest checkpoint; `more` says how much longer (added to what it did). */
  'train:continue': { request: { modelDir: string; more: MoreTraining }; response: { jobId: string; outDir: string } };
  /** Pause holds a running run between steps; resume lets it go on (continue is for saved runs). */
  'train:pause': { request: { jobId: string }; response: null };
  'train:resume': { request: { jobId: string }; response: null };
  'train:cancel': { request: { jobId: string }; response: null };
  /**
   * `sigma` (0-255 scale) is the noise level for level-aware models; null lets the engine estimate it.
   * `bitDepth` null writes each output at its source's depth (16-bit in, 16-bit out where the format holds it).
   */
  /** sigma null: "auto" (level-aware models estimate it; estimatedSigma is that estimate, else null). */
  'denoise:preview': { request: { modelDir: string; file: string; sigma: number | null }; response: { before: ImageRef; after: ImageRef; estimatedSigma: number | null } };
  'denoise:export': {
    request: { modelDir: string; file: string; strength: number; sigma: number | null; format: OutputFormat; bitDepth: 8 | 16 | null; outDir: string | null };
    response: { output: string; download: string };
  };
  'denoise:batch': {
    request: { modelDir: string; folder: string; strength: number; sigma: number | null; format: OutputFormat; bitDepth: 8 | 16 | null; outDir: string | null; recursive: boolean };
    response: { jobId: string; outDir: string };
  };
  'job:cancel': { request: { jobId: string }; response: null };
  'models:list': { request: null; response: ModelList };
  'models:rename': { request: { dir: string; name: string }; response: ModelInfo };
  'models:delete': { request: { dir: string }; response: null };
  'models:import': { request: { path: string }; response: ModelInfo };
  'models:export': { request: { dir: string; dest: string | null }; response: { path: string } };
  'models:compare': { request: { dirs: string[]; dataset: string; noise: NoiseSpec; seed: number }; response: { jobId: string } };
  'generate:samples': { request: { modelDir: string; count: number; seed: number; temperature: number }; response: { images: ImageRef[] } };
  'generate:interpolate': { request: { modelDir: string; a: string; b: string; steps: number }; response: { images: ImageRef[] } };
  'explore:lab': { request: ExploreLabRequest; response: { jobId: string } };
  'explore:model': { request: ExploreModelRequest; response: { image: ImageRef; summary: Record<string, unknown> } };
}

export type Channel = keyof InvokeMap;
export type RequestOf<C extends Channel> = InvokeMap[C]['request'];
export type ResponseOf<C extends Channel> = InvokeMap[C]['response'];

// ---- events ----------------------------------------------------------------------------------

export interface TrainSamples {
  step: number;
  clean: ImageRef;
  noisy: ImageRef;
  output: ImageRef;
}

export type TrainUpdate =
  | { jobId: string; type: 'event'; event: TrainEvent }
  | { jobId: string; type: 'state'; state: RunState; error?: ErrorInfo }
  | { jobId: string; type: 'samples'; samples: TrainSamples };

export type JobUpdate =
  | { jobId: string; type: 'progress'; done: number; total: number; file: string }
  | { jobId: string; type: 'explore'; frame: ExploreFrame }
  | { jobId: string; type: 'done'; result: JobResult }
  | { jobId: string; type: 'failed'; error: ErrorInfo };

export type EngineUpdate = { type: 'crashed'; message: string; during: string | null } | { type: 'started'; pid: number };

export interface EventMap {
  train: TrainUpdate;
  job: JobUpdate;
  engine: EngineUpdate;
}

export type EventName = keyof EventMap;

// ---- the api object --------------------------------------------------------------------------

/** Named functions of window.api, each bound to one channel. */
export const API_METHODS = {
  appInfo: 'app:info',
  getSettings: 'settings:get',
  setSettings: 'settings:set',
  backendReport: 'backend:report',
  listKinds: 'kinds:list',
  listDir: 'fs:list',
  openDialog: 'dialog:open',
  scanDataset: 'datasets:scan',
  previewCorruption: 'datasets:preview',
  openImage: 'image:open',
  startTraining: 'train:start',
  continueTraining: 'train:continue',
  pauseTraining: 'train:pause',
  resumeTraining: 'train:resume',
  cancelTraining: 'train:cancel',
  previewDenoise: 'denoise:preview',
  exportDenoised: 'denoise:export',
  denoiseFolder: 'denoise:batch',
  cancelJob: 'job:cancel',
  listModels: 'models:list',
  renameModel: 'models:rename',
  deleteModel: 'models:delete',
  importModel: 'models:import',
  exportModel: 'models:export',
  compareModels: 'models:compare',
  generateSamples: 'generate:samples',
  interpolate: 'generate:interpolate',
  exploreLab: 'explore:lab',
  exploreModel: 'explore:model',
} as const satisfies Record<string, Channel>;

export const EVENT_METHODS = {
  onTrain: 'train',
  onJob: 'job',
  onEngine: 'engine',
} as const satisfies Record<string, EventName>;

export type ApiMethodName = keyof typeof API_METHODS;
export type EventMethodName = keyof typeof EVENT_METHODS;

export type InvokeFunctions = {
  [M in ApiMethodName]: (request: RequestOf<(typeof API_METHODS)[M]>) => Promise<Result<ResponseOf<(typeof API_METHODS)[M]>>>;
};

export type EventFunctions = {
  [M in EventMethodName]: (listener: (payload: EventMap[(typeof EVENT_METHODS)[M]]) => void) => () => void;
};

/**
 * The desktop's drop grant. Not in API_METHODS on purpose: the page cannot send it a path; the
 * preload's `grantDropped(file)` sends the path Electron knows for a File that was really dropped.
 */
export const DROP_CHANNEL = 'drop:grant';

/**
 * window.api. `grantDropped` (desktop only) grants a dropped File's path and returns it; the web
 * client uploads dropped files instead and has no such function.
 */
export type ContractApi = InvokeFunctions & EventFunctions & { grantDropped?: (file: object) => Promise<Result<string>> };

/** Every channel must have a method (checked at compile time): a channel without one is dead. */
type MissingChannels = Exclude<Channel, (typeof API_METHODS)[ApiMethodName]>;
const _allChannelsExposed: MissingChannels extends never ? true : never = true;
void _allChannelsExposed;

export const CHANNELS: readonly Channel[] = Object.values(API_METHODS);

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
