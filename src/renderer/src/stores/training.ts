import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import type { ImageRef, KindInfo, RunState, TrainSamples, TrainUpdate } from '../../../shared/contract';
import type { NoiseSpec, NoiseType, SingleNoiseSpec } from '../../../shared/noise';
import { BLIND_SPOT_DEFAULTS, CAMERA_PIXEL_SHUFFLE_STRIDE, fineTuneSettings, selfSupervisedSettings, TRAIN_DEFAULTS, type OptionValue, type TrainRequest } from '../../../shared/training';
import { call, subscribe } from '../api';
import { humanize, type HumanError } from '../api/errors';
import { useAppStore } from './app';
import { useDatasetStore } from './datasets';
import { useModelStore } from './models';
import { useNoticeStore } from './notices';
import { referenceOf, validationDisplay, type ValidationReference } from './validation-display';

export type Bound = 'steps' | 'epochs' | 'minutes';

/** The corruption types the Train view's form picks from; camera noise is the gaussian form's `camera` tick (a mix), other mixes are CLI-only. */
export type FormNoiseType = Exclude<NoiseType, 'camera' | 'mix'>;

export interface NoiseLevel {
  type: FormNoiseType;
  /** sigma (gaussian, poisson-gaussian), amount (salt-pepper) or fraction (masking). */
  level: number;
  /** Photon count at white (poisson-gaussian). */
  peak: number;
  /** gaussian: the top of a range of sigmas (each patch draws its own; for level-aware models), or null for one fixed level. */
  levelMax?: number | null;
  /** gaussian: half the patches get realistic camera noise instead (the mix gaussian+camera), for models meant for real photos. */
  camera?: boolean;
}

export const NOISE_RANGES: Record<FormNoiseType, { label: string; min: number; max: number; step: number; unit: string }> = {
  gaussian: { label: 'Gaussian noise', min: 0, max: 100, step: 1, unit: 'sigma (0-255 scale)' },
  'salt-pepper': { label: 'Salt and pepper', min: 0, max: 0.5, step: 0.01, unit: 'fraction of pixels' },
  masking: { label: 'Masking (dropout)', min: 0, max: 0.9, step: 0.05, unit: 'fraction of values zeroed' },
  'poisson-gaussian': { label: 'Poisson-Gaussian (sensor)', min: 0, max: 50, step: 1, unit: 'read-noise sigma' },
};

export function toNoiseSpec(n: NoiseLevel): NoiseSpec {
  switch (n.type) {
    case 'gaussian': {
      const gaussian: SingleNoiseSpec = n.levelMax != null && n.levelMax > n.level ? { type: 'gaussian', sigma: n.level, sigmaMax: n.levelMax } : { type: 'gaussian', sigma: n.level };
      return n.camera ? { type: 'mix', parts: [gaussian, { type: 'camera' }] } : gaussian;
    }
    case 'salt-pepper':
      return { type: 'salt-pepper', amount: n.level };
    case 'masking':
      return { type: 'masking', fraction: n.level };
    case 'poisson-gaussian':
      return { type: 'poisson-gaussian', peak: n.peak, sigma: n.level };
  }
}

function defaultName(): string {
  const d = new Date();
  const pad = (v: number): string => String(v).padStart(2, '0');
  return `model-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

export interface Series {
  steps: number[];
  loss: number[];
  valSteps: number[];
  valLoss: number[];
  valPsnr: number[];
}

const emptySeries = (): Series => ({ steps: [], loss: [], valSteps: [], valLoss: [], valPsnr: [] });

/** The Train view's form, the live run (events, charts, samples) and the corruption preview. */
export const useTrainingStore = defineStore('training', () => {
  const form = reactive({
    name: defaultName(),
    datasetPaths: [] as string[],
    kind: '',
    options: {} as Record<string, OptionValue>,
    noise: { type: 'gaussian', level: 25, peak: 30, levelMax: null, camera: false } as NoiseLevel,
    // The engine's defaults, so a run started here trains as the same run would from the CLI.
    patchSize: TRAIN_DEFAULTS.patchSize,
    batchSize: TRAIN_DEFAULTS.batchSize as number,
    bound: 'steps' as Bound,
    boundValue: 1000,
    learningRate: TRAIN_DEFAULTS.learningRate as number,
    validateEvery: TRAIN_DEFAULTS.validateEvery,
    checkpointEvery: TRAIN_DEFAULTS.checkpointEvery,
    valFraction: TRAIN_DEFAULTS.valFraction,
    augment: TRAIN_DEFAULTS.augment,
    seed: TRAIN_DEFAULTS.seed,
    overwrite: false,
    /** Learn from the noisy photos themselves (blind spots), no clean images: `train --self-supervised`. */
    selfSupervised: false,
    /** Share of pixels hidden per patch (`--blind-spot`). */
    blindSpot: BLIND_SPOT_DEFAULTS.fraction,
    /** Pixel-shuffle stride (`--pd-stride`); the form suggests the one measured best on camera photos. */
    pdStride: CAMERA_PIXEL_SHUFFLE_STRIDE as number,
    /** A model folder from the library to fine-tune (`train --init`), or '' for fresh weights. */
    initFrom: '',
  });
  // The corruption chosen before self-supervised mode set it to none, given back when it is turned off.
  let noiseBeforeSelfSupervised: NoiseLevel | null = null;

  const jobId = ref<string | null>(null);
  const state = ref<RunState | 'idle'>('idle');
  const outDir = ref<string | null>(null);
  const error = ref<HumanError | null>(null);
  const progress = reactive({ step: 0, epoch: 0, fraction: 0, etaMs: null as number | null, patchesPerSecond: 0, loss: null as number | null, elapsedMs: 0, totalSteps: null as number | null });
  const startedInfo = ref<{ trainImages: number; valImages: number; skipped: number; channels: 1 | 3; backend: string; resumed: boolean } | null>(null);
  const checkpoints = ref<number[]>([]);
  const finished = ref<{ reason: string; step: number; modelDir: string; metrics: Record<string, number> } | null>(null);
  const series = shallowRef<Series>(emptySeries());
  const seriesVersion = ref(0);
  // Known from the first validation event; until then a run is drawn as one scored in PSNR.
  const validationReference = ref<ValidationReference>('clean');
  const validation = computed(() => validationDisplay(validationReference.value, series.value));
  const samples = shallowRef<TrainSamples | null>(null);
  const preview = shallowRef<{ clean: ImageRef; noisy: ImageRef } | null>(null);
  const previewIndex = ref(0);
  const previewError = ref<string | null>(null);
  let adopting = false;

  const kind = computed<KindInfo | undefined>(() => useAppStore().kinds.find((k) => k.kind === form.kind));
  const active = computed(() => state.value === 'starting' || state.value === 'running' || state.value === 'paused' || state.value === 'cancelling');
  /** The library model a run fine-tunes, whose kind, channels and options the run takes. */
  const startModel = computed(() => (form.initFrom ? useModelStore().models.find((m) => m.dir === form.initFrom) : undefined));

  function pickKind(name: string): void {
    const info = useAppStore().kinds.find((k) => k.kind === name);
    form.kind = name;
    form.options = Object.fromEntries((info?.options ?? []).map((o) => [o.key, o.default]));
    // The kind's own recipe (batch, rate) replaces the form's, as the CLI uses it when no flag is given.
    if (info) {
      form.batchSize = info.trainDefaults.batchSize;
      form.learningRate = info.trainDefaults.learningRate;
    }
  }

  /**
   * Self-supervised on: the photos are already noisy, so nothing is added by default (gaussian 0;
   * the form can still add noise, to simulate). Off: the corruption chosen before comes back.
   */
  function setSelfSupervised(on: boolean): void {
    if (on === form.selfSupervised) return;
    form.selfSupervised = on;
    if (on) {
      noiseBeforeSelfSupervised = { ...form.noise };
      Object.assign(form.noise, { type: 'gaussian', level: 0, levelMax: null, camera: false });
    } else if (noiseBeforeSelfSupervised) {
      Object.assign(form.noise, noiseBeforeSelfSupervised);
      noiseBeforeSelfSupervised = null;
    }
  }

  /** Fine-tune a library model ('' for fresh weights): the form then shows that model's kind and options. */
  function pickStart(dir: string): void {
    const model = dir ? useModelStore().models.find((m) => m.dir === dir) : undefined;
    form.initFrom = model?.dir ?? '';
    if (model) {
      pickKind(model.kind);
      form.options = { ...model.options };
    } else if (form.kind) pickKind(form.kind);
  }

  function ensureDefaults(): void {
    const app = useAppStore();
    // A starting model that left the library (deleted, renamed) is no longer offered.
    if (form.initFrom && !startModel.value) pickStart('');
    if (!form.kind || !app.kinds.some((k) => k.kind === form.kind)) {
      const first = app.kinds[0];
      if (first) pickKind(first.kind);
    }
    const datasets = useDatasetStore().datasets.map((d) => d.path);
    form.datasetPaths = form.datasetPaths.filter((p) => datasets.includes(p));
    if (form.datasetPaths.length === 0 && datasets.length > 0) form.datasetPaths = [...datasets];
  }

  function resetRun(): void {
    series.value = emptySeries();
    seriesVersion.value++;
    validationReference.value = 'clean';
    samples.value = null;
    checkpoints.value = [];
    finished.value = null;
    error.value = null;
    startedInfo.value = null;
    Object.assign(progress, { step: 0, epoch: 0, fraction: 0, etaMs: null, patchesPerSecond: 0, loss: null, elapsedMs: 0, totalSteps: null });
  }

  function onUpdate(update: TrainUpdate): void {
    if (update.jobId !== jobId.value) {
      if (!adopting) return;
      jobId.value = update.jobId;
    }
    switch (update.type) {
      case 'state':
        state.value = update.state;
        if (update.error && update.state !== 'cancelled') error.value = humanize(update.error);
        // A crash is announced once, by the app store's engine listener.
        if (update.state === 'failed') useNoticeStore().error(update.error ?? { code: 'E_INTERNAL', message: 'Training stopped' });
        if (update.state === 'cancelled') useNoticeStore().info('Training cancelled', checkpoints.value.length ? `The checkpoint at step ${checkpoints.value[0]} is kept; continue it from the Models view.` : '');
        if (update.state === 'finished') useNoticeStore().info('Training finished', outDir.value ?? '');
        return;
      case 'samples':
        samples.value = update.samples;
        return;
      case 'event': {
        const e = update.event;
        switch (e.type) {
          case 'started':
            for (const c of e.skippedCheckpoints ?? []) useNoticeStore().info('A damaged checkpoint was passed over', `${c.checkpoint}: ${c.message}`);
            startedInfo.value = { trainImages: e.dataset.trainImages, valImages: e.dataset.valImages, skipped: e.dataset.skipped.length, channels: e.dataset.channels, backend: e.backend, resumed: e.resumed };
            progress.step = e.step;
            progress.totalSteps = e.totalSteps;
            return;
          case 'progress': {
            Object.assign(progress, { step: e.step, epoch: e.epoch, fraction: e.fraction, etaMs: e.etaMs, patchesPerSecond: e.patchesPerSecond, loss: e.loss, elapsedMs: e.elapsedMs });
            const s = series.value;
            series.value = { ...s, steps: [...s.steps, e.step], loss: [...s.loss, e.loss] };
            seriesVersion.value++;
            return;
          }
          case 'validation': {
            validationReference.value = referenceOf(e);
            const s = series.value;
            series.value = { ...s, valSteps: [...s.valSteps, e.step], valLoss: [...s.valLoss, e.loss], valPsnr: [...s.valPsnr, e.psnr] };
            seriesVersion.value++;
            return;
          }
          case 'checkpoint':
            checkpoints.value = [e.step, ...checkpoints.value.filter((s) => s !== e.step)];
            return;
          case 'finished':
            finished.value = { reason: e.reason, step: e.step, modelDir: e.modelDir, metrics: e.metrics };
            progress.step = e.step;
            if (e.reason !== 'cancelled') progress.fraction = 1;
            return;
        }
      }
    }
  }

  function request(): TrainRequest {
    const bound = form.bound === 'steps' ? { maxSteps: Math.round(form.boundValue) } : form.bound === 'epochs' ? { epochs: form.boundValue } : { minutes: form.boundValue };
    const model = startModel.value;
    // Built as the CLI builds `--init` and `--self-supervised` runs, by the same shared functions.
    const objective = Object.fromEntries((kind.value?.options ?? []).filter((o) => o.objective && o.key in form.options).map((o) => [o.key, form.options[o.key] as OptionValue]));
    const architecture = model ? fineTuneSettings(model.dir, model, objective) : { kind: form.kind, modelOptions: { ...form.options } };
    return {
      name: form.name.trim(),
      datasetPaths: [...form.datasetPaths],
      ...architecture,
      noise: toNoiseSpec(form.noise),
      patchSize: form.patchSize,
      batchSize: form.batchSize,
      ...bound,
      learningRate: form.learningRate,
      validateEvery: form.validateEvery,
      checkpointEvery: form.checkpointEvery,
      valFraction: form.valFraction,
      augment: form.augment,
      seed: form.seed,
      overwrite: form.overwrite,
      ...(form.selfSupervised ? { selfSupervised: selfSupervisedSettings({ fraction: form.blindSpot, pixelShuffleStride: form.pdStride }) } : {}),
    };
  }

  async function begin(work: () => Promise<{ jobId: string; outDir: string }>): Promise<void> {
    resetRun();
    state.value = 'starting';
    adopting = true;
    jobId.value = null;
    try {
      const started = await work();
      jobId.value = started.jobId;
      outDir.value = started.outDir;
    } catch (err) {
      state.value = 'idle';
      error.value = humanize(err);
      useNoticeStore().error(err);
    } finally {
      adopting = false;
    }
  }

  async function start(): Promise<void> {
    if (form.datasetPaths.length === 0) {
      useNoticeStore().error({ code: 'E_NO_IMAGES', message: 'Choose at least one dataset to train on (add folders in the Datasets view).' });
      return;
    }
    await begin(() => call('startTraining', request()));
    if (jobId.value) form.name = defaultName();
  }

  async function continueRun(modelDir: string, moreSteps?: number): Promise<void> {
    useAppStore().go('train');
    await begin(() => call('continueTraining', { modelDir, more: moreSteps ? { maxSteps: moreSteps } : {} }));
  }

  async function control(method: 'pauseTraining' | 'resumeTraining' | 'cancelTraining'): Promise<void> {
    if (!jobId.value) return;
    try {
      await call(method, { jobId: jobId.value });
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  let previewSeq = 0;
  function previewSource(): string | null {
    const datasets = useDatasetStore().datasets.filter((d) => form.datasetPaths.includes(d.path));
    const images = datasets.flatMap((d) => d.images);
    if (images.length === 0) return null;
    return images[previewIndex.value % images.length]?.path ?? null;
  }
  function refreshPreview(): void {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => {
      const file = previewSource();
      if (!file) {
        preview.value = null;
        return;
      }
      const seq = ++previewSeq;
      call('previewCorruption', { file, noise: toNoiseSpec(form.noise), size: 128, seed: form.seed })
        .then((out) => {
          if (seq !== previewSeq) return;
          preview.value = out;
          previewError.value = null;
        })
        .catch((err: unknown) => {
          if (seq === previewSeq) previewError.value = humanize(err).title;
        });
    }, 150);
  }
  watch(() => [form.noise.type, form.noise.level, form.noise.levelMax, form.noise.camera, form.noise.peak, form.datasetPaths.join('|'), previewIndex.value, form.seed], refreshPreview);

  function nextPreviewImage(): void {
    previewIndex.value++;
  }

  let unsubscribe: (() => void) | null = null;
  function listen(): void {
    unsubscribe ??= subscribe('onTrain', onUpdate);
  }

  return {
    form, jobId, state, outDir, error, progress, startedInfo, checkpoints, finished, series, seriesVersion, validationReference, validation, samples, preview, previewError, kind, active, startModel,
    pickKind, pickStart, setSelfSupervised, ensureDefaults, start, continueRun, control, refreshPreview, nextPreviewImage, listen, onUpdate,
  };
});
