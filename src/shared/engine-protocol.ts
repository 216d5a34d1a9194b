import type {
  CompareRow,
  ExportFormat,
  KindInfo,
  ModelInfo,
  ModelList,
  SkippedInfo,
} from './contract';
import type { BackendReport } from './backend';
import type { ErrorInfo, Result } from './errors';
import type { NoiseSpec } from './noise';
import type { TrainConfig, TrainEvent } from './training';

/**
 * The message protocol between a host (Electron main, or the web server) and the engine
 * process (Electron utilityProcess, or a Node child process). One protocol for both, so the
 * engine has a single entry and the host logic is shared. Messages are structured-cloned
 * (utilityProcess postMessage, or child_process with serialization 'advanced'), so image
 * bytes travel as Uint8Array without base64.
 */

/** An encoded image the host turns into a URL. */
export interface EncodedImage {
  bytes: Uint8Array;
  mime: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
}

export interface ScannedImage {
  path: string;
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  bytes: number;
}

export interface ScanResult {
  root: string;
  images: ScannedImage[];
  skipped: SkippedInfo[];
  subfoldersNotScanned: number;
}

export interface EngineMethods {
  backend: { params: { refresh: boolean }; result: BackendReport };
  kinds: { params: null; result: KindInfo[] };
  scan: { params: { path: string; recursive: boolean }; result: ScanResult };
  thumbnail: { params: { file: string; size: number }; result: EncodedImage };
  render: { params: { file: string; maxSide: number }; result: EncodedImage };
  corrupt: { params: { file: string; noise: NoiseSpec; size: number; seed: number }; result: { clean: EncodedImage; noisy: EncodedImage } };
  /** Resolves when the run ends; streams `train`, `samples` and `state` events for jobId meanwhile. */
  train: { params: { jobId: string; config: TrainConfig; resume: boolean; samplesFrom: string | null }; result: { reason: string; step: number; modelDir: string } };
  /** Reads the saved run config of a model so the host can continue it. */
  runConfig: { params: { modelDir: string }; result: TrainConfig };
  pause: { params: { jobId: string }; result: null };
  unpause: { params: { jobId: string }; result: null };
  cancel: { params: { jobId: string }; result: null };
  denoisePreview: { params: { modelDir: string; file: string; maxSide: number }; result: { before: EncodedImage; after: EncodedImage } };
  denoiseExport: {
    params: { modelDir: string; file: string; strength: number; format: ExportFormat; bitDepth: 8 | 16; output: string };
    result: { output: string };
  };
  denoiseBatch: {
    params: { jobId: string; modelDir: string; folder: string; strength: number; format: ExportFormat; bitDepth: 8 | 16; outDir: string; recursive: boolean };
    result: { outDir: string; written: number; failed: SkippedInfo[] };
  };
  models: { params: { root: string }; result: ModelList };
  modelRename: { params: { dir: string; name: string }; result: ModelInfo };
  modelDelete: { params: { dir: string }; result: null };
  modelImport: { params: { src: string; root: string }; result: ModelInfo };
  modelExport: { params: { dir: string; dest: string }; result: { path: string } };
  compare: {
    params: { jobId: string; dirs: string[]; dataset: string; noise: NoiseSpec; seed: number };
    result: { rows: CompareRow[]; failed: { dir: string; error: ErrorInfo }[] };
  };
  generate: { params: { modelDir: string; count: number; seed: number; temperature: number }; result: EncodedImage[] };
  interpolate: { params: { modelDir: string; a: string; b: string; steps: number }; result: EncodedImage[] };
}

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];

export type EngineJobEvent =
  | { kind: 'train'; event: TrainEvent }
  | { kind: 'samples'; step: number; clean: EncodedImage; noisy: EncodedImage; output: EncodedImage }
  | { kind: 'state'; state: 'running' | 'paused' | 'cancelling' }
  | { kind: 'progress'; done: number; total: number; file: string };

/** Host -> engine. */
export interface EngineRequest {
  type: 'request';
  id: number;
  method: EngineMethod;
  params: unknown;
}

/** Engine -> host. */
export type EngineMessage =
  | { type: 'ready'; pid: number }
  | { type: 'reply'; id: number; result: Result<unknown> }
  | { type: 'event'; jobId: string; event: EngineJobEvent };

export const ENGINE_METHODS: readonly EngineMethod[] = [
  'backend',
  'kinds',
  'scan',
  'thumbnail',
  'render',
  'corrupt',
  'train',
  'runConfig',
  'pause',
  'unpause',
  'cancel',
  'denoisePreview',
  'denoiseExport',
  'denoiseBatch',
  'models',
  'modelRename',
  'modelDelete',
  'modelImport',
  'modelExport',
  'compare',
  'generate',
  'interpolate',
];

export function isEngineRequest(value: unknown): value is EngineRequest {
  const v = value as Partial<EngineRequest> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.type === 'request' &&
    typeof v.id === 'number' &&
    typeof v.method === 'string' &&
    (ENGINE_METHODS as readonly string[]).includes(v.method)
  );
}
