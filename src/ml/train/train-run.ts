// The union package registers every op's gradient; tfjs-core alone registers none under Node.
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types';
import { createHash } from 'node:crypto';
import { basename, relative, resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { formatNoiseSpec, noiseHasLevels } from '../../shared/noise';
import { TRAIN_DEFAULTS, type SkippedCheckpoint, type StopReason, type TrainConfig, type TrainEvent } from '../../shared/training';
import type { Model, ModelSpec } from '../models/model';
import { createModel, getModelDefinition, resolveModelSpec } from '../models/registry';
import { loadModel, loadOptimizerWeights, readModelMeta, saveModel, type SaveModelInput } from '../store/model-files';
import type { TrainingSummary } from '../store/model-meta';
import { inferenceSettingsOf } from './blind-spot';
import { findLatestCheckpoint, writeCheckpoint } from './checkpoints';
import { greedyPretrain } from './greedy-pretrain';
import { learningRateAt } from './lr-schedule';
import { prepareTrainingData } from './training-data';
import type { TrainingData } from './training-source';
import { evaluateValidation } from './validation';
import { asGpuOomError } from '../infer/oom';

/**
 * The one training loop for every model kind: sample a batch, corrupt it, take an Adam step on
 * the kind's loss, and between batches check for cancel, report progress, validate and
 * checkpoint. Cancelling finishes the current batch, writes a checkpoint and the model, so a
 * stopped run is never lost and can be resumed exactly (weights, optimizer, data position).
 */
export interface TrainRunOptions {
  backend: string;
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** Resume the run saved in config.outDir instead of starting fresh. */
  resume?: boolean;
  /** Hook for tests: waited on between steps (pause support lives in the caller). */
  beforeStep?: () => Promise<void>;
  /** Clock (ms) for spacing timed checkpoints; tests pass a fake one. Default: performance.now. */
  now?: () => number;
}

interface TrainState {
  version: 1;
  configHash: string;
  config: TrainConfig;
  step: number;
  elapsedMs: number;
  bestPsnr: number;
  sinceBest: number;
  data: unknown;
}

export interface TrainResult {
  reason: StopReason;
  step: number;
  epoch: number;
  elapsedMs: number;
  modelDir: string;
  metrics: Record<string, number>;
}

/** What must not change for a resume to continue the same run (how often it saves does not change it). */
function hashConfig(config: TrainConfig, portable = true): string {
  const { epochs: _e, minutes: _m, maxSteps: _s, outDir: _o, checkpointSeconds: _c, ...rest } = portable ? portableConfig(config) : config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/**
 * The config as checkpoints store it: data folders relative to the run's folder, so no absolute
 * path of this machine is written and a run moved together with its data (say a repository and
 * ../shared/datasets) resumes elsewhere. `resolveConfig` undoes it.
 */
function portableConfig(config: TrainConfig): TrainConfig {
  const rel = (p: string): string => relative(resolve(config.outDir), resolve(p)) || '.';
  const pairs = config.pairs ? { pairs: { noisyDir: rel(config.pairs.noisyDir), cleanDir: rel(config.pairs.cleanDir) } } : {};
  const initFrom = config.initFrom === undefined ? {} : { initFrom: rel(config.initFrom) };
  return { ...config, dataDirs: config.dataDirs.map(rel), ...pairs, ...initFrom, outDir: '.' };
}

/** A checkpoint's stored config with its folders made absolute again (for continuing, and listings). */
export function resolveConfig(saved: TrainConfig, outDir: string): TrainConfig {
  const abs = (p: string): string => resolve(outDir, p);
  const pairs = saved.pairs ? { pairs: { noisyDir: abs(saved.pairs.noisyDir), cleanDir: abs(saved.pairs.cleanDir) } } : {};
  const initFrom = saved.initFrom === undefined ? {} : { initFrom: abs(saved.initFrom) };
  return { ...saved, dataDirs: saved.dataDirs.map(abs), ...pairs, ...initFrom, outDir };
}

/** Adam exposes its rate only to subclasses; the schedule updates it between steps. */
function setLearningRate(optimizer: tf.AdamOptimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

function totalStepsOf(config: TrainConfig, stepsPerEpoch: number): number | null {
  const bounds = [config.maxSteps, config.epochs === undefined ? undefined : Math.ceil(config.epochs * stepsPerEpoch)].filter(
    (v): v is number => v !== undefined,
  );
  return bounds.length ? Math.min(...bounds) : null;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type InitInfo = NonNullable<TrainingSummary['initFrom']>;

/** The model a fine-tuning run starts from; it must be the model the run would create. */
async function loadInitModel(dir: string, spec: ModelSpec): Promise<{ model: Model; info: InitInfo }> {
  checkInitSpec(dir, (await readModelMeta(dir)).spec, spec);
  // Built from the run's spec, so objective options the run sets anew (a loss) take effect.
  const loaded = await loadModel(dir, { as: spec });
  return { model: loaded.model, info: { name: loaded.meta.name, steps: (loaded.meta.training?.initFrom?.steps ?? 0) + (loaded.meta.training?.steps ?? 0) } };
}

/**
 * Refuses a starting model that is not the run's model: same kind, channels and (resolved)
 * options, or E_INVALID_ARGUMENT naming both. Only the kind's objective options (a loss) may
 * differ: they change what training minimises, not the weights. prepareNewRun asks before any
 * data is read, the loop again once the data's channels are known.
 */
export function checkInitSpec(dir: string, have: ModelSpec, want: ModelSpec): void {
  const objective = new Set(getModelDefinition(want.kind).objectiveOptions ?? []);
  const weightsOf = (s: ModelSpec): string => JSON.stringify(sortedEntries(s.options).filter(([key]) => !objective.has(key)));
  const same = have.kind === want.kind && have.channels === want.channels && weightsOf(have) === weightsOf(want);
  if (same) return;
  const describe = (s: ModelSpec): string => `${s.kind}, ${s.channels === 1 ? 'gray' : 'RGB'}, ${sortedEntries(s.options).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`;
  throw new DenoiseError('E_INVALID_ARGUMENT', `Cannot fine-tune from ${dir}: it is ${describe(have)}, this run needs ${describe(want)}`);
}

function sortedEntries(options: Record<string, unknown>): [string, unknown][] {
  return Object.entries(options).sort(([a], [b]) => a.localeCompare(b));
}

export async function runTraining(config: TrainConfig, options: TrainRunOptions): Promise<TrainResult> {
  if (config.epochs === undefined && config.minutes === undefined && config.maxSteps === undefined) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Give a bound for training: epochs, minutes or a step count');
  }
  const emit = options.onEvent ?? (() => undefined);
  // Checked before any work: a bad pixel-shuffle stride fails here, not after loading the data.
  const inference = inferenceSettingsOf(config);
  let resumeState: TrainState | undefined;
  let model: Model;
  let optimizerWeights: NamedTensor[] | undefined;
  let createdAt: string | undefined;
  let skippedCheckpoints: SkippedCheckpoint[] | undefined;
  let initInfo: InitInfo | undefined;

  if (options.resume) {
    const found = await findLatestCheckpoint<TrainState>(config.outDir);
    resumeState = found.state;
    skippedCheckpoints = found.skipped;
    // Runs checkpointed before paths were stored relative hashed the absolute ones.
    if (resumeState.configHash !== hashConfig(config) && resumeState.configHash !== hashConfig(config, false)) {
      throw new DenoiseError(
        'E_INVALID_ARGUMENT',
        'The training settings or data differ from the run being resumed; start a new run (fine-tune) instead',
      );
    }
    const loaded = await loadModel(found.dir);
    model = loaded.model;
    createdAt = loaded.meta.createdAt;
    initInfo = loaded.meta.training?.initFrom;
    optimizerWeights = await loadOptimizerWeights(found.dir, loaded.meta);
  }

  const data: TrainingData = await prepareTrainingData(config, resumeState?.data);
  const spec = resolveModelSpec(config.kind, data.channels, config.modelOptions);
  if (!options.resume && config.initFrom !== undefined) {
    const init = await loadInitModel(config.initFrom, spec);
    model = init.model;
    initInfo = init.info;
  }
  model ??= createModel(spec, config.seed);
  if (spec.options['noiseMap'] === true && (!noiseHasLevels(config.noise) || config.pairs || config.selfSupervised)) {
    model.dispose();
    throw new DenoiseError(
      'E_INVALID_ARGUMENT',
      'A noise-level map needs synthetic noise of known level (--noise gaussian:N, gaussian:MIN-MAX, camera, or a mix of them such as gaussian:0-55+camera), not pairs or self-supervised data',
    );
  }

  const optimizer = tf.train.adam(config.learningRate);
  // Extra phases (an AAE's discriminator) get their own optimizers; their variables stay out of the
  // main one. Their optimizer state is not checkpointed (a resumed run restarts its moments).
  const phases = model.extraPhases ?? [];
  const phaseOptimizers = phases.map(() => tf.train.adam(config.learningRate));
  const phaseVariables = new Set(phases.filter((p) => !p.sharesVariables).flatMap((p) => p.variables));
  const varList = [...model.variables.values()].filter((v) => !phaseVariables.has(v));
  if (optimizerWeights) {
    // Adam matches its moment slots to variables by position in varList (the model's stable
    // insertion order), not by name, so state saved in another process restores correctly.
    await optimizer.setWeights(optimizerWeights);
    optimizerWeights.forEach((w) => w.tensor.dispose());
  }

  const stepsPerEpoch = data.stepsPerEpoch;
  const totalSteps = totalStepsOf(config, stepsPerEpoch);
  const budgetMs = config.minutes === undefined ? null : config.minutes * 60_000;
  let step = resumeState?.step ?? 0;
  let bestPsnr = resumeState?.bestPsnr ?? -Infinity;
  let sinceBest = resumeState?.sinceBest ?? 0;
  const elapsedBefore = resumeState?.elapsedMs ?? 0;
  const started = performance.now();
  const elapsed = (): number => elapsedBefore + (performance.now() - started);
  const metrics: Record<string, number> = {};

  const progressFraction = (): number =>
    Math.max(totalSteps ? step / totalSteps : 0, budgetMs ? elapsed() / budgetMs : 0);

  const summary = (reason: string): TrainingSummary => ({
    noise: formatNoiseSpec(config.noise),
    patchSize: config.patchSize,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    seed: config.seed,
    steps: step,
    epochs: step / stepsPerEpoch,
    elapsedMs: Math.round(elapsed()),
    stopReason: reason,
    dataset: {
      // Folder names only: a model's metadata never carries the training machine's paths.
      roots: config.dataDirs.map((d) => basename(d)),
      trainImages: data.summary.trainImages,
      valImages: data.summary.valImages,
      skipped: data.summary.skipped.length,
      channels: data.channels,
    },
    options: spec.options,
    ...(initInfo ? { initFrom: initInfo } : {}),
  });

  /** Saves the model (with optimizer state) through `write`; getWeights() mints a fresh 'iter' scalar each call, disposed here. */
  const withSaveInput = async <T>(reason: string, write: (input: SaveModelInput) => Promise<T>): Promise<T> => {
    const weights = await optimizer.getWeights();
    try {
      return await write({
        model,
        backend: options.backend,
        training: summary(reason),
        metrics,
        ...(inference ? { inference } : {}),
        optimizer: { name: 'adam', step, weights },
        ...(createdAt ? { createdAt } : {}),
      });
    } finally {
      weights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
    }
  };

  // Steps alone can be minutes apart; the clock makes sure a run killed early still leaves a
  // checkpoint to continue from. Any save restarts it.
  const clock = options.now ?? (() => performance.now());
  const checkpointMs = (config.checkpointSeconds ?? TRAIN_DEFAULTS.checkpointSeconds) * 1000;
  let lastCheckpointAt = clock();
  const checkpointDue = (): boolean => step % config.checkpointEvery === 0 || (checkpointMs > 0 && clock() - lastCheckpointAt >= checkpointMs);

  const checkpoint = async (reason: string): Promise<void> => {
    const state: TrainState = {
      version: 1,
      configHash: hashConfig(config),
      config: portableConfig(config),
      step,
      elapsedMs: elapsed(),
      bestPsnr,
      sinceBest,
      data: data.state(),
    };
    const dir = await withSaveInput(reason, (input) => writeCheckpoint(config.outDir, step, input, state));
    lastCheckpointAt = clock();
    emit({ type: 'checkpoint', step, dir });
  };

  const validate = async (): Promise<void> => {
    const v = await evaluateValidation(model, data.validation);
    if (v.reference === 'none') {
      // No clean image exists: only the blind-spot loss is known (no PSNR is recorded).
      metrics['val_blind_spot_loss'] = v.loss;
    } else {
      metrics['val_psnr'] = v.psnr;
      metrics['val_ssim'] = v.ssim;
      metrics['val_loss'] = v.loss;
    }
    emit({ type: 'validation', step, epoch: step / stepsPerEpoch, ...v });
    // Without a reference, lower held-out blind-spot loss is better; kept in the same slot.
    const score = v.reference === 'none' ? -10 * Math.log10(Math.max(v.loss, 1e-12)) : v.psnr;
    if (score > bestPsnr + 1e-3) {
      bestPsnr = score;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
  };

  emit({
    type: 'started',
    step,
    stepsPerEpoch,
    totalSteps,
    dataset: { ...data.summary, channels: data.channels },
    backend: options.backend,
    resumed: resumeState !== undefined,
    ...(skippedCheckpoints ? { skippedCheckpoints } : {}),
  });

  let reason: StopReason;
  let windowStart = performance.now();
  let windowSteps = 0;
  const pendingLoss: tf.Scalar[] = [];
  // The named loss parts (e.g. reconstruction and KL), one small vector per step, read with the
  // loss once per window; the names are fixed by the first step.
  const pendingParts: tf.Tensor1D[] = [];
  let partNames: string[] | undefined;
  const logEvery = 10;
  const lossOf = (batch: ReturnType<TrainingData['nextBatch']>): tf.Scalar => {
    const terms = model.loss(batch);
    partNames ??= Object.keys(terms.parts);
    if (partNames.length > 0) {
      // Kept: the optimizer's tidy would free them with the rest of the forward pass.
      pendingParts.push(tf.keep(tf.stack(partNames.map((name) => terms.parts[name] ?? tf.scalar(Number.NaN))) as tf.Tensor1D));
    }
    return terms.total;
  };

  try {
    if (config.pretrain && !resumeState) {
      // Greedy layer-wise pretraining of a stacked AE, before the first end-to-end step; its
      // steps are not counted in the run's bounds.
      await greedyPretrain(model, () => data.nextBatch(), { stepsPerLevel: config.pretrain.stepsPerLevel, learningRate: config.learningRate, ...(options.signal ? { signal: options.signal } : {}) });
    }
    for (;;) {
      // A pause hook may wait here for a long time; cancel is checked after it so a paused run
      // stops at once rather than taking one more step.
      await options.beforeStep?.();
      if (options.signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      if (totalSteps !== null && step >= totalSteps) {
        reason = config.maxSteps !== undefined && step >= config.maxSteps ? 'max-steps' : 'completed';
        break;
      }
      if (budgetMs !== null && elapsed() >= budgetMs) {
        reason = 'time-budget';
        break;
      }

      setLearningRate(optimizer, learningRateAt(progressFraction(), config.learningRate, config.schedule));
      phaseOptimizers.forEach((o) => setLearningRate(o, learningRateAt(progressFraction(), config.learningRate, config.schedule)));
      const loss = tf.tidy(() => {
        const batch = data.nextBatch();
        phases.forEach((phase, i) => phaseOptimizers[i]?.minimize(() => phase.loss(batch), false, [...phase.variables]));
        return optimizer.minimize(() => lossOf(batch), true, varList) as tf.Scalar;
      });
      pendingLoss.push(loss);
      step++;
      windowSteps++;

      if (step % logEvery === 0 || pendingLoss.length >= logEvery) {
        // One read per window rather than per step: a read waits for the whole pipeline.
        const values = await Promise.all(pendingLoss.map((l) => l.data()));
        pendingLoss.splice(0).forEach((l) => l.dispose());
        const partValues = await Promise.all(pendingParts.map((p) => p.data()));
        pendingParts.splice(0).forEach((p) => p.dispose());
        const parts: Record<string, number> = {};
        (partNames ?? []).forEach((name, i) => {
          parts[name] = partValues.reduce((sum, v) => sum + (v[i] as number), 0) / Math.max(1, partValues.length);
        });
        const meanLoss = values.reduce((s, v) => s + (v[0] as number), 0) / values.length;
        const now = performance.now();
        const patchesPerSecond = (windowSteps * config.batchSize * 1000) / Math.max(1, now - windowStart);
        windowStart = now;
        windowSteps = 0;
        const fraction = progressFraction();
        const remainingBySteps = totalSteps ? ((totalSteps - step) * config.batchSize * 1000) / Math.max(1e-9, patchesPerSecond) : Infinity;
        const remainingByTime = budgetMs ? budgetMs - elapsed() : Infinity;
        const eta = Math.min(remainingBySteps, remainingByTime);
        if (!Number.isFinite(meanLoss)) {
          throw new DenoiseError('E_INTERNAL', `Training diverged at step ${step} (loss is ${meanLoss}); try a lower learning rate`);
        }
        emit({
          type: 'progress',
          step,
          epoch: step / stepsPerEpoch,
          loss: meanLoss,
          parts,
          learningRate: learningRateAt(fraction, config.learningRate, config.schedule),
          patchesPerSecond,
          elapsedMs: elapsed(),
          etaMs: Number.isFinite(eta) ? Math.max(0, eta) : null,
          fraction,
        });
      }
      if (step % config.validateEvery === 0) {
        await validate();
        if (config.patience > 0 && sinceBest >= config.patience) {
          reason = 'early-stop';
          break;
        }
      }
      if (checkpointDue()) await checkpoint('checkpoint');
      await yieldToEventLoop();
    }
    pendingLoss.splice(0).forEach((l) => l.dispose());
    pendingParts.splice(0).forEach((p) => p.dispose());
    await validate();
    await checkpoint(reason);
    await withSaveInput(reason, (input) => saveModel(config.outDir, input));
    const result: TrainResult = { reason, step, epoch: step / stepsPerEpoch, elapsedMs: elapsed(), modelDir: config.outDir, metrics: { ...metrics } };
    emit({ type: 'finished', ...result });
    return result;
  } catch (error) {
    // Out of GPU memory (or a lost GPU) reaches the user as E_GPU_OOM with what to change.
    throw asGpuOomError(error, 'training');
  } finally {
    pendingLoss.forEach((l) => l.dispose());
    pendingParts.forEach((p) => p.dispose());
    optimizer.dispose();
    phaseOptimizers.forEach((o) => o.dispose());
    model.dispose();
  }
}
