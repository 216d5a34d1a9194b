import type { NoiseSpec } from './noise';

/**
 * What a training run is asked to do, and what it reports while it runs. Shared because the
 * UI builds configs and draws the events; the engine, the CLI and the web server pass them on.
 */
export type OptionValue = number | string | boolean;

export type LrSchedule = 'cosine' | 'constant';

export interface TrainConfig {
  dataDirs: string[];
  recursive: boolean;
  kind: string;
  modelOptions: Record<string, OptionValue>;
  /** 1 or 3; undefined picks 1 when every training image is gray. */
  channels?: 1 | 3;
  noise: NoiseSpec;
  patchSize: number;
  batchSize: number;
  /** At least one of epochs, minutes and maxSteps bounds the run; the first reached stops it. */
  epochs?: number;
  minutes?: number;
  maxSteps?: number;
  learningRate: number;
  schedule: LrSchedule;
  valFraction: number;
  validateEvery: number;
  checkpointEvery: number;
  /**
   * Also checkpoint when this many seconds have passed since the last save, so a run killed
   * early still leaves something to continue (steps alone can be minutes apart); 0 turns the
   * clock off. Left out (as in runs saved before it existed): TRAIN_DEFAULTS.checkpointSeconds.
   */
  checkpointSeconds?: number;
  /** Stop after this many validations without a better PSNR; 0 turns early stopping off. */
  patience: number;
  augment: boolean;
  seed: number;
  outDir: string;
  /**
   * Train on real pairs instead of synthetic corruption: noisy inputs and clean targets in two
   * folders, matched by file name (dataDirs and noise are then unused for training batches).
   */
  pairs?: { noisyDir: string; cleanDir: string };
  /**
   * Self-supervised (Noise2Void-style) training from noisy images only: the images in dataDirs
   * get one fixed noisy realisation from `noise` (gaussian:0 for photos that are already noisy),
   * and the loss is taken only on blind-spot pixels, so no clean image is used for training.
   * Validation still scores against the held-out images as loaded.
   * `pixelShuffleStride` S > 1 trains on pixel-shuffle sub-images (every S-th pixel), whose
   * neighbours' noise is nearly independent even when a camera's is not (AP-BSN). The model then
   * stores `pixelShuffleInferenceStride` (1..S, default 1: the whole photo, which measured best
   * on real photos, docs/denoisers.md) and denoises through that split (ml/infer/pixel-shuffle.ts).
   * Absent: 1, no split.
   */
  selfSupervised?: { fraction: number; radius: number; pixelShuffleStride?: number; pixelShuffleInferenceStride?: number };
  /**
   * L corruptions of each clean patch per step (the DAE's averaged objective, E over L draws of
   * the reconstruction error): a step then feeds batchSize x L inputs. Absent or 1: one each.
   */
  corruptionSamples?: number;
  /**
   * Greedy layer-wise pretraining before the end-to-end run (the stacked convolutional ae, cae
   * and sparse kinds): each level first trains `stepsPerLevel` steps as a shallow autoencoder on
   * the codes of the level below (ml/train/greedy-pretrain.ts). Not counted in the run's bounds.
   */
  pretrain?: { mode: 'greedy'; stepsPerLevel: number };
  /**
   * Fine-tuning: the run starts from this model folder's weights (a fresh optimizer) instead of
   * a seeded start. The model must be the run's: same kind, channels and options. Stored
   * relative to the run's folder, like the data folders.
   */
  initFrom?: string;
}

export const TRAIN_DEFAULTS = {
  recursive: true,
  patchSize: 64,
  batchSize: 16,
  learningRate: 1e-3,
  schedule: 'cosine',
  valFraction: 0.1,
  validateEvery: 200,
  checkpointEvery: 500,
  checkpointSeconds: 60,
  patience: 0,
  augment: true,
  seed: 0,
} as const satisfies Partial<TrainConfig>;

/** The settings that take a default when a door leaves them out (the CLI's flags, the Train view). */
export type DefaultedSetting = keyof typeof TRAIN_DEFAULTS;

/**
 * A run as a person describes it, at any door: the engine's TrainConfig without where the data
 * and the model live (each door resolves those from its own inputs and checks them), with the
 * defaulted settings optional.
 */
export type TrainSettings = Omit<TrainConfig, 'dataDirs' | 'outDir' | DefaultedSetting> & Partial<Pick<TrainConfig, DefaultedSetting>>;

/** The one way a door turns settings into the engine's config: TRAIN_DEFAULTS fill the gaps. */
export function withTrainDefaults(settings: TrainSettings, where: { dataDirs: string[]; outDir: string }): TrainConfig {
  const config: TrainConfig = { ...TRAIN_DEFAULTS, ...settings, dataDirs: where.dataDirs, outDir: where.outDir };
  // An explicit undefined from a form must not erase a default.
  for (const key of Object.keys(TRAIN_DEFAULTS) as DefaultedSetting[]) {
    if (config[key] === undefined) (config as unknown as Record<string, unknown>)[key] = TRAIN_DEFAULTS[key];
  }
  return config;
}

/**
 * Batch size and learning rate a model kind trains best with when the person sets none, by
 * measurement (the kind's definition says which); unset ones fall back to TRAIN_DEFAULTS.
 */
export interface TrainRecipe {
  batchSize?: number;
  learningRate?: number;
}

/** What the app asks for to start a run: the settings, the model's name and the datasets. */
export type TrainRequest = TrainSettings & {
  /** Folder name of the new model inside Settings.modelsDir. */
  name: string;
  datasetPaths: string[];
  /** Replace a model of the same name. */
  overwrite: boolean;
};

export interface NumberLimit {
  min: number;
  max: number;
  integer?: boolean;
}

/** Ranges of the numeric settings, checked by the CLI's flags and the hosts' request schemas alike. */
export const TRAIN_LIMITS = {
  patchSize: { min: 16, max: 512, integer: true },
  batchSize: { min: 1, max: 1024, integer: true },
  epochs: { min: 0.01, max: 1e6 },
  minutes: { min: 0.01, max: 1e6 },
  maxSteps: { min: 1, max: 1e9, integer: true },
  learningRate: { min: 1e-7, max: 1 },
  valFraction: { min: 0, max: 0.9 },
  validateEvery: { min: 1, max: 1e9, integer: true },
  checkpointEvery: { min: 1, max: 1e9, integer: true },
  checkpointSeconds: { min: 0, max: 1e6 },
  corruptionSamples: { min: 1, max: 64, integer: true },
  patience: { min: 0, max: 1e6, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
} as const satisfies Record<string, NumberLimit>;

/**
 * Pixel-shuffle stride of a self-supervised run (and of the denoising it stores): 1 is none; at 6
 * a 64-pixel patch already needs 384-pixel photos.
 */
export const PIXEL_SHUFFLE_STRIDE_LIMIT = { min: 1, max: 6, integer: true } as const satisfies NumberLimit;

/**
 * The pixel-shuffle stride to suggest for camera photos (demosaicing and JPEG make their noise
 * spatially correlated): stride 4, denoising the whole photo, measured best on real noisy JPEG
 * crops (docs/denoisers.md, "Self-supervised training on real photos"). The engine's own default
 * stays 1 (no split), which suits noise that is independent from pixel to pixel.
 */
export const CAMERA_PIXEL_SHUFFLE_STRIDE = 4;

/** Blind-spot masking of a self-supervised run (ml/train/blind-spot.ts). */
export interface BlindSpotOptions {
  /** Share of pixels masked per patch; N2V uses about 0.2%, a few percent trains faster per step. */
  fraction: number;
  /** Neighbourhood radius for replacement values (2 = a 5 x 5 window). */
  radius: number;
}

export const BLIND_SPOT_DEFAULTS: Readonly<BlindSpotOptions> = { fraction: 0.03, radius: 2 };

/** Ranges of the blind-spot settings, for the CLI's --blind-spot and the hosts' request schemas. */
export const BLIND_SPOT_LIMITS = {
  fraction: { min: 0.001, max: 0.5 },
  radius: { min: 1, max: 16, integer: true },
} as const satisfies Record<keyof BlindSpotOptions, NumberLimit>;

export type SelfSupervisedSettings = NonNullable<TrainConfig['selfSupervised']>;

/**
 * A self-supervised run's settings as every door builds them (the CLI's flags, the Train view):
 * the blind-spot defaults fill what is not chosen, and stride 1 is left out, so a run without a
 * split keeps the settings (and the settings hash) it always had.
 */
export function selfSupervisedSettings(chosen: { fraction?: number | undefined; pixelShuffleStride?: number | undefined; pixelShuffleInferenceStride?: number | undefined } = {}): SelfSupervisedSettings {
  const { fraction, pixelShuffleStride: stride, pixelShuffleInferenceStride: inference } = chosen;
  return {
    fraction: fraction ?? BLIND_SPOT_DEFAULTS.fraction,
    radius: BLIND_SPOT_DEFAULTS.radius,
    ...(stride !== undefined && stride > 1 ? { pixelShuffleStride: stride } : {}),
    ...(inference === undefined ? {} : { pixelShuffleInferenceStride: inference }),
  };
}

/** What a fine-tuning run takes from its starting model (its meta.json spec, or the library's ModelInfo). */
export interface InitModelSpec {
  kind: string;
  channels: 1 | 3;
  options: Record<string, OptionValue>;
}

/**
 * Fine-tuning, as every door starts it (`train --init DIR`, the Train view's "Start from"): the
 * model's kind, channels and options are the starting model's, but for `objective`, options of
 * the kind's that shape only the training objective (`loss` for dae), set anew; the engine
 * refuses a run whose model differs from it in anything else.
 */
export function fineTuneSettings(
  dir: string,
  model: InitModelSpec,
  objective: Record<string, OptionValue> = {},
): Pick<TrainConfig, 'kind' | 'channels' | 'modelOptions' | 'initFrom'> {
  return { kind: model.kind, channels: model.channels, modelOptions: { ...model.options, ...objective }, initFrom: dir };
}

/** How much longer a continued run trains: each bound given is added to what the run has done. */
export interface MoreTraining {
  minutes?: number;
  epochs?: number;
  maxSteps?: number;
}

/** A checkpoint passed over when choosing where a run continues from, and why (it did not verify). */
export interface SkippedCheckpoint {
  checkpoint: string;
  step: number;
  code: string;
  message: string;
}

export type StopReason = 'completed' | 'time-budget' | 'early-stop' | 'cancelled' | 'max-steps';

export interface DatasetSummaryInfo {
  trainImages: number;
  valImages: number;
  skipped: { file: string; code: string; message: string }[];
  channels: 1 | 3;
}

export type TrainEvent =
  | {
      type: 'started';
      step: number;
      stepsPerEpoch: number;
      totalSteps: number | null;
      dataset: DatasetSummaryInfo;
      backend: string;
      resumed: boolean;
      /** When resumed: newer checkpoints that were damaged and passed over (the CLI and app show them). */
      skippedCheckpoints?: SkippedCheckpoint[];
    }
  | {
      type: 'progress';
      step: number;
      epoch: number;
      loss: number;
      parts: Record<string, number>;
      learningRate: number;
      patchesPerSecond: number;
      elapsedMs: number;
      etaMs: number | null;
      fraction: number;
    }
  | {
      type: 'validation';
      step: number;
      epoch: number;
      loss: number;
      psnr: number;
      ssim: number;
      /** 'none': no clean image exists (self-supervised on noisy photos); loss is the blind-spot loss on held-out pixels and psnr/ssim are NaN. */
      reference?: 'clean' | 'none';
    }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'finished'; reason: StopReason; step: number; epoch: number; elapsedMs: number; modelDir: string; metrics: Record<string, number> };
