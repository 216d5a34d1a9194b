import type {
  CompareReport,
  KindInfo,
  ModelInfo,
  ModelList,
  SkippedInfo,
} from './contract';
import type { BackendReport } from './backend';
import type { ExploreFrame, ExploreLabRequest, ExploreModelRequest } from './explore';
import type { Result } from './errors';
import type { OutputFormat } from './image-formats';
import type { NoiseSpec } from './noise';
import type { MoreTraining, TrainConfig, TrainEvent } from './training';

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

/** A run to train: new (its whole config, checked by the host), or one saved in outDir to continue. */
export type TrainRun =
  | { type: 'new'; config: TrainConfig; overwrite: boolean }
  | { type: 'continue'; outDir: string; more: MoreTraining };

export interface EngineMethods {
  backend: { params: { refresh: boolean }; result: BackendReport };
  kinds: { params: null; result: KindInfo[] };
  scan: { params: { path: string; recursive: boolean }; result: ScanResult };
  thumbnail: { params: { file: string; size: number }; result: EncodedImage };
  render: { params: { file: string; maxSide: number }; result: EncodedImage };
  corrupt: { params: { file: string; noise: NoiseSpec; size: number; seed: number }; result: { clean: EncodedImage; noisy: EncodedImage } };
  /**
   * A new run, or the continuation of a saved one (its own settings; bounds given are added).
   * Resolves when the run ends; streams `train`, `samples` and `state` events meanwhile.
   */
  train: { params: { jobId: string; run: TrainRun; samplesFrom: string | null }; result: { reason: string; step: number; modelDir: string } };
  /** The settings a saved run would continue with (the host checks its data folders first). */
  runSettings: { params: { outDir: string }; result: TrainConfig };
  /** Pauses a running job between steps; `resume` lets it go on. */
  pause: { params: { jobId: string }; result: null };
  resume: { params: { jobId: string }; result: null };
  cancel: { params: { jobId: string }; result: null };
  denoisePreview: { params: { modelDir: string; file: string; maxSide: number; sigma?: number }; result: { before: EncodedImage; after: EncodedImage; estimatedSigma?: number } };
  denoiseExport: {
    /** Written into outDir under a free name (`<name>-denoised.<ext>`); the result names it. */
    params: { modelDir: string; file: string; strength: number; sigma?: number; format: OutputFormat; bitDepth?: 8 | 16; outDir: string };
    result: { output: string };
  };
  denoiseBatch: {
    params: { jobId: string; modelDir: string; folder: string; strength: number; sigma?: number; format: OutputFormat; bitDepth?: 8 | 16; outDir: string; recursive: boolean };
    result: { outDir: string; written: number; failed: SkippedInfo[] };
  };
  models: { params: { root: string }; result: ModelList };
  modelRename: { params: { dir: string; name: string }; result: ModelInfo };
  modelDelete: { params: { dir: string }; result: null };
  modelImport: { params: { src: string; root: string }; result: ModelInfo };
  modelExport: { params: { dir: string; dest: string }; result: { path: string } };
  modelShow: { params: { dir: string }; result: ModelInfo };
  compare: { params: { jobId: string; dirs: string[]; dataset: string; noise: NoiseSpec; seed: number }; result: CompareReport };
  generate: { params: { modelDir: string; count: number; seed: number; temperature: number }; result: EncodedImage[] };
  /** A's reconstruction, `steps` images along the latent path, B's reconstruction. */
  interpolate: { params: { modelDir: string; a: string; b: string; steps: number }; result: EncodedImage[] };
  /** The Explore view's 2-D lab; streams `explore` frames while it trains and resolves with the last. */
  exploreLab: { params: { jobId: string; request: ExploreLabRequest }; result: ExploreFrame };
  /** An image-model view as one picture, with its numbers (principal angles, singular values...). */
  exploreModel: { params: ExploreModelRequest; result: { image: EncodedImage; summary: Record<string, unknown> } };
}

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];

export type EngineJobEvent =
  | { kind: 'train'; event: TrainEvent }
  | { kind: 'samples'; step: number; clean: EncodedImage; noisy: EncodedImage; output: EncodedImage }
  | { kind: 'state'; state: 'running' | 'paused' | 'cancelling' }
  | { kind: 'progress'; done: number; total: number; file: string }
  | { kind: 'explore'; frame: ExploreFrame };

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

/** Every method, as an object so the type checker refuses a method missing from it. */
const METHOD_SET: Record<EngineMethod, true> = {
  backend: true,
  kinds: true,
  scan: true,
  thumbnail: true,
  render: true,
  corrupt: true,
  train: true,
  runSettings: true,
  pause: true,
  resume: true,
  cancel: true,
  denoisePreview: true,
  denoiseExport: true,
  denoiseBatch: true,
  models: true,
  modelRename: true,
  modelDelete: true,
  modelImport: true,
  modelExport: true,
  modelShow: true,
  compare: true,
  generate: true,
  interpolate: true,
  exploreLab: true,
  exploreModel: true,
};

export const ENGINE_METHODS = Object.keys(METHOD_SET) as readonly EngineMethod[];

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
