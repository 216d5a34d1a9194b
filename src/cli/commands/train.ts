import { resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { parseNoiseSpec } from '../../shared/noise';
import {
  BLIND_SPOT_DEFAULTS,
  BLIND_SPOT_LIMITS,
  CAMERA_PIXEL_SHUFFLE_STRIDE,
  fineTuneSettings,
  PIXEL_SHUFFLE_STRIDE_LIMIT,
  selfSupervisedSettings,
  TRAIN_DEFAULTS,
  TRAIN_LIMITS,
  withTrainDefaults,
  type MoreTraining,
  type TrainConfig,
  type TrainEvent,
} from '../../shared/training';
import { prepareContinue, prepareNewRun, train } from '../../ml/jobs/train';
import { getModelDefinition, listModelKinds, parseOptionStrings } from '../../ml/models/registry';
import { numberArg, parseCommandArgs, parsePairs, requireString, type OptionsSpec } from '../args';
import { readModelMeta } from '../../ml/store/model-files';
import { setupBackend } from '../backend-setup';
import { createProgress, formatDuration } from '../progress';

/** Model flags a fine-tuning run may set anew, per kind: `dae --loss, cae --lambda, ...`. */
const OBJECTIVE_FLAGS = listModelKinds()
  .filter((d) => d.objectiveOptions?.length)
  .map((d) => `${d.kind} ${(d.objectiveOptions ?? []).map((o) => `--${o}`).join(' ')}`)
  .join(', ');

const HELP = `Usage: denoise-studio train --data DIR [--data DIR ...] --out MODEL_DIR [options]

  --data DIR           folder of training images (repeat for several; searched recursively)
  --kind KIND          model kind: ${listModelKinds().map((d) => d.kind).join(', ')} (default dae)
  --noise SPEC         corruption: gaussian:25, gaussian:0-50, salt-pepper:0.05, masking:0.3,
                       poisson-gaussian:30,5, camera (realistic camera noise: sensor noise,
                       demosaicing, JPEG), or several joined by + (each patch draws one part, e.g.
                       gaussian:0-55+camera) (default gaussian:25 for dae, none (gaussian:0) for the
                       other kinds, which then learn to reconstruct)
  --minutes M | --epochs E | --steps N
                       how long to train; the first bound reached stops it
  --out MODEL_DIR      where the model is written (checkpoints go to MODEL_DIR/checkpoints)
  --continue           continue the run saved in --out (weights, optimizer and data position) with
                       its own settings; --minutes, --epochs or --steps then say how much MORE to
                       train (without them it runs to its original bounds)
  --overwrite          replace a model already in --out
  --init MODEL_DIR     fine-tune: start from that model's weights (fresh optimizer); the model
                       (kind, size, options, channels) is that model's, so leave those flags out;
                       those that change only the objective may be set anew:
                       ${OBJECTIVE_FLAGS}
  --size S             dae size preset: tiny, small, medium (default small)
  --loss L             dae: mse or l1; ae, cae, sparse: mse or bce; vae: bce or mse (likelihood)
  --latent N           code size: units (dense), channels (conv) or the VAE's latent dimension
  --dense | --conv     ae, cae, sparse: dense on flattened blocks (default) or convolutional
  --tied               dense ae/cae/sparse: decoder weights tied to the encoder's (W' = W^T)
  --lambda X           cae: Jacobian penalty weight; sparse: penalty weight
  --rho R              sparse (KL penalty): target mean activation (default 0.05)
  --beta B             vae: weight of the KL term (default 1)
  --opt KEY=VALUE      any other option of the model kind (repeatable), e.g. activation=tanh,
                       input=28 (dense block side), penalty=l1, width=32
  --pairs NOISY_DIR:CLEAN_DIR
                       train on real pairs matched by file name instead of --data and --noise
  --self-supervised    Noise2Void-style: train from noisy images only (the --data images get one
                       fixed --noise realisation; use --noise gaussian:0 for already noisy photos),
                       loss on blind-spot pixels; --blind-spot F sets the masked share (${BLIND_SPOT_DEFAULTS.fraction})
  --pd-stride S        with --self-supervised: train on pixel-shuffle sub-images (every S-th pixel,
                       S 1..6, default 1 = none; ${CAMERA_PIXEL_SHUFFLE_STRIDE} measured best on camera photos) so
                       spatially correlated camera noise is not learned (AP-BSN); --pd-infer-stride T (1..S, default 1 = whole photo, best measured)
                       is stored in the model, and denoise, eval and the app apply it
  --pretrain greedy    conv ae/cae/sparse: greedy layer-wise pretraining of the three-level stack
                       before the end-to-end run; --pretrain-steps N per level (default 200)
  --channels C         gray, rgb or auto (default auto: gray when every image is gray)
  --patch N --batch N --lr X --schedule cosine|constant --seed N
                       (batch and rate default to the kind's measured recipe, dae: 8 and 2e-3;
                       other kinds 16 and 1e-3)
  --val-fraction F --validate-every N --checkpoint-every N --patience N --no-augment
  --checkpoint-seconds S  also save a checkpoint at least every S seconds (default 60; 0: by steps only)
  --corruptions L      L corruptions of each clean patch per step (the averaged DAE objective; default 1)
  --backend NAME       webgpu, tensorflow-gpu, tensorflow, wasm or cpu (default: best that works)
  --json               print every training event as one JSON line on stdout
`;

/** `--opt KEY=VALUE` pairs as text; `parseOptionStrings` types them by the kind's option schema. */
function parseOpt(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new DenoiseError('E_INVALID_ARGUMENT', `--opt expects KEY=VALUE, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

interface KindFlagValues {
  size?: string | undefined;
  loss?: string | undefined;
  latent?: string | undefined;
  lambda?: string | undefined;
  rho?: string | undefined;
  beta?: string | undefined;
  tied?: boolean | undefined;
  dense?: boolean | undefined;
  conv?: boolean | undefined;
}

/** The named per-kind flags as model options, values as text (`parseOptionStrings` types and the kind's schema checks them). */
export function kindFlags(values: KindFlagValues): Record<string, string | boolean> {
  if (values.dense && values.conv) throw new DenoiseError('E_INVALID_ARGUMENT', '--dense and --conv exclude each other');
  const out: Record<string, string | boolean> = {};
  for (const flag of ['size', 'loss', 'latent', 'lambda', 'rho', 'beta'] as const) {
    const raw = values[flag];
    if (typeof raw === 'string') out[flag] = raw;
  }
  if (values.tied) out['tied'] = true;
  if (values.dense) out['arch'] = 'dense';
  if (values.conv) out['arch'] = 'conv';
  return out;
}

function formatParts(parts: Record<string, number>): string {
  const entries = Object.entries(parts);
  // A single part is the loss itself; only a split says something new.
  if (entries.length < 2) return '';
  return ` (${entries.map(([name, v]) => `${name} ${v.toPrecision(4)}`).join(', ')})`;
}

/** `--pretrain greedy [--pretrain-steps N]` as the config's pretraining stage. */
function pretrainOf(values: TrainValues): Pick<TrainConfig, 'pretrain'> {
  const steps = numberArg(values['pretrain-steps'], '--pretrain-steps', { min: 1, max: 1e7, integer: true });
  if (values.pretrain === undefined) {
    if (steps !== undefined) throw new DenoiseError('E_INVALID_ARGUMENT', '--pretrain-steps only applies with --pretrain greedy');
    return {};
  }
  if (values.pretrain !== 'greedy') throw new DenoiseError('E_INVALID_ARGUMENT', `--pretrain must be greedy, got "${values.pretrain}"`);
  return { pretrain: { mode: 'greedy', stepsPerLevel: steps ?? 200 } };
}

/** A new run's settings from the flags; everything that needs no disk is checked here. */
function freshConfig(values: TrainValues, outDir: string, bounds: MoreTraining): TrainConfig {
  const pairs = values.pairs === undefined ? undefined : parsePairs(values.pairs);
  const selfSupervised = values['self-supervised'] ?? false;
  if (pairs && selfSupervised) throw new DenoiseError('E_INVALID_ARGUMENT', '--pairs and --self-supervised exclude each other: pairs have clean targets');
  if (pairs && values.data?.length) throw new DenoiseError('E_INVALID_ARGUMENT', '--pairs replaces --data; give one or the other');
  const dataDirs = pairs ? [pairs.noisyDir, pairs.cleanDir] : (values.data ?? []).map((d) => resolve(d));
  if (dataDirs.length === 0) throw new DenoiseError('E_INVALID_ARGUMENT', 'Missing required option --data (or --pairs NOISY_DIR:CLEAN_DIR)');
  const definition = getModelDefinition(values.kind);
  const modelOptions = parseOptionStrings(definition.kind, { ...parseOpt(values.opt), ...kindFlags(values) });
  const resolvedOptions = definition.resolveOptions(modelOptions);
  const blindSpot = numberArg(values['blind-spot'], '--blind-spot', BLIND_SPOT_LIMITS.fraction);
  if (blindSpot !== undefined && !selfSupervised) throw new DenoiseError('E_INVALID_ARGUMENT', '--blind-spot only applies with --self-supervised');
  const pdStride = numberArg(values['pd-stride'], '--pd-stride', PIXEL_SHUFFLE_STRIDE_LIMIT);
  if (pdStride !== undefined && !selfSupervised) throw new DenoiseError('E_INVALID_ARGUMENT', '--pd-stride only applies with --self-supervised (supervised targets are clean)');
  const pdInferStride = numberArg(values['pd-infer-stride'], '--pd-infer-stride', PIXEL_SHUFFLE_STRIDE_LIMIT);
  if (pdInferStride !== undefined && !(pdStride !== undefined && pdStride > 1)) throw new DenoiseError('E_INVALID_ARGUMENT', '--pd-infer-stride only applies with --pd-stride 2 or more');
  if (pdInferStride !== undefined && pdStride !== undefined && pdInferStride > pdStride) throw new DenoiseError('E_INVALID_ARGUMENT', `--pd-infer-stride (${pdInferStride}) cannot exceed --pd-stride (${pdStride})`);
  const channelsArg = values.channels;
  if (!['gray', 'rgb', 'auto'].includes(channelsArg)) throw new DenoiseError('E_INVALID_ARGUMENT', '--channels must be gray, rgb or auto');
  const schedule = values.schedule ?? TRAIN_DEFAULTS.schedule;
  if (schedule !== 'cosine' && schedule !== 'constant') throw new DenoiseError('E_INVALID_ARGUMENT', '--schedule must be cosine or constant');
  const { minutes, epochs, maxSteps } = bounds;
  if (minutes === undefined && epochs === undefined && maxSteps === undefined) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Say how long to train: --minutes M, --epochs E or --steps N');
  }
  const limit = (flag: string, key: keyof typeof TRAIN_LIMITS): number | undefined => numberArg(values[flag as keyof TrainValues] as string | undefined, `--${flag}`, TRAIN_LIMITS[key]);
  const config = withTrainDefaults(
    {
      recursive: !values['no-recursive'],
      kind: definition.kind,
      modelOptions,
      ...(channelsArg === 'auto' ? {} : { channels: channelsArg === 'gray' ? 1 : 3 }),
      noise: parseNoiseSpec(values.noise ?? (definition.kind === 'dae' ? 'gaussian:25' : 'gaussian:0')),
      patchSize: limit('patch', 'patchSize'),
      batchSize: limit('batch', 'batchSize') ?? definition.recipe?.batchSize,
      ...(epochs === undefined ? {} : { epochs }),
      ...(minutes === undefined ? {} : { minutes }),
      ...(maxSteps === undefined ? {} : { maxSteps }),
      learningRate: limit('lr', 'learningRate') ?? definition.recipe?.learningRate,
      schedule,
      valFraction: limit('val-fraction', 'valFraction'),
      validateEvery: limit('validate-every', 'validateEvery'),
      checkpointEvery: limit('checkpoint-every', 'checkpointEvery'),
      checkpointSeconds: limit('checkpoint-seconds', 'checkpointSeconds'),
      ...optional('corruptionSamples', limit('corruptions', 'corruptionSamples')),
      patience: limit('patience', 'patience'),
      augment: !values['no-augment'],
      seed: limit('seed', 'seed'),
      ...(pairs ? { pairs } : {}),
      ...(selfSupervised ? { selfSupervised: selfSupervisedSettings({ fraction: blindSpot, pixelShuffleStride: pdStride, pixelShuffleInferenceStride: pdInferStride }) } : {}),
      ...pretrainOf(values),
    },
    { dataDirs, outDir },
  );
  // The channel count is known only once the data is read; gray is the case that warns first.
  const spec = { kind: definition.kind, channels: config.channels ?? 1, options: resolvedOptions };
  if (!values.json) for (const warning of definition.warnings?.(spec) ?? []) process.stderr.write(`warning: ${warning}\n`);
  return config;
}

const TRAIN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string', multiple: true },
  kind: { type: 'string', default: 'dae' },
  noise: { type: 'string' },
  minutes: { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  out: { type: 'string' },
  continue: { type: 'boolean' },
  // The flag's first name; "resume" now means un-pausing, in the app and the docs.
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  size: { type: 'string' },
  loss: { type: 'string' },
  opt: { type: 'string', multiple: true },
  latent: { type: 'string' },
  lambda: { type: 'string' },
  rho: { type: 'string' },
  beta: { type: 'string' },
  tied: { type: 'boolean' },
  dense: { type: 'boolean' },
  conv: { type: 'boolean' },
  pairs: { type: 'string' },
  'self-supervised': { type: 'boolean' },
  pretrain: { type: 'string' },
  init: { type: 'string' },
  'pretrain-steps': { type: 'string' },
  'blind-spot': { type: 'string' },
  'pd-stride': { type: 'string' },
  'pd-infer-stride': { type: 'string' },
  channels: { type: 'string', default: 'auto' },
  patch: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  seed: { type: 'string' },
  'val-fraction': { type: 'string' },
  'validate-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'checkpoint-seconds': { type: 'string' },
  corruptions: { type: 'string' },
  patience: { type: 'string' },
  'no-augment': { type: 'boolean' },
  'no-recursive': { type: 'boolean' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
} satisfies OptionsSpec;

type TrainValues = ReturnType<typeof parseCommandArgs<typeof TRAIN_OPTIONS>>['values'];

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** Flags that choose the model, which a fine-tuning run takes from its starting model instead. */
const MODEL_FLAGS = ['--kind', '--size', '--opt', '--loss', '--latent', '--lambda', '--rho', '--beta', '--tied', '--dense', '--conv', '--channels'];

/**
 * `--init MODEL_DIR`: a new run on the flags' data and settings, with that model's architecture
 * and weights; of the model flags only those naming the kind's objective options (`--loss` for
 * dae) may be given, to set them anew.
 */
async function fineTuneConfig(values: TrainValues, argv: string[], outDir: string, bounds: MoreTraining): Promise<TrainConfig> {
  const initDir = resolve(values.init as string);
  // prepareNewRun refuses --out at or around the starting model, before anything is written.
  const spec = (await readModelMeta(initDir)).spec;
  const objective: readonly string[] = getModelDefinition(spec.kind).objectiveOptions ?? [];
  const given = MODEL_FLAGS.filter((flag) => !objective.includes(flag.slice(2)) && argv.some((a) => a === flag || a.startsWith(`${flag}=`)));
  if (given.length) throw new DenoiseError('E_INVALID_ARGUMENT', `--init takes the model from ${initDir}; leave out ${given.join(', ')}`);
  const anew = Object.entries(kindFlags(values)).filter(([key]) => objective.includes(key));
  const config = freshConfig({ ...values, kind: spec.kind, channels: spec.channels === 1 ? 'gray' : 'rgb' }, outDir, bounds);
  return { ...config, ...fineTuneSettings(initDir, spec, parseOptionStrings(spec.kind, Object.fromEntries(anew))) };
}

export async function runTrain(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, TRAIN_OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  // Everything that can be checked without touching the disk is checked first, so a typo
  // fails in milliseconds rather than after the dataset has loaded.
  const outDir = resolve(requireString(values.out, '--out'));
  const bounds: MoreTraining = {
    ...optional('minutes', numberArg(values.minutes, '--minutes', TRAIN_LIMITS.minutes)),
    ...optional('epochs', numberArg(values.epochs, '--epochs', TRAIN_LIMITS.epochs)),
    ...optional('maxSteps', numberArg(values.steps, '--steps', TRAIN_LIMITS.maxSteps)),
  };
  const continuing = (values.continue ?? false) || (values.resume ?? false);
  let config: TrainConfig;
  if (continuing) {
    const continuation = await prepareContinue(outDir, bounds);
    config = continuation.config;
  } else if (values.init !== undefined) {
    config = await fineTuneConfig(values, argv, outDir, bounds);
    await prepareNewRun(config, { overwrite: values.overwrite ?? false });
  } else {
    config = freshConfig(values, outDir, bounds);
    await prepareNewRun(config, { overwrite: values.overwrite ?? false });
  }

  const backend = await setupBackend(values.backend, !values.json);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nStopping after this batch and saving a checkpoint (Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  let bar: ReturnType<typeof createProgress> | undefined;
  let lastVal = '';
  const onEvent = (event: TrainEvent): void => {
    if (values.json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'started':
        process.stderr.write(
          `Training ${config.kind} on ${event.dataset.trainImages} images (${event.dataset.valImages} for validation, ` +
            `${event.dataset.skipped.length} skipped), ${event.dataset.channels === 1 ? 'gray' : 'RGB'}, backend ${event.backend}` +
            `${event.resumed ? `, continued from step ${event.step}` : ''}\n`,
        );
        for (const c of event.skippedCheckpoints ?? []) process.stderr.write(`  passed over checkpoint ${c.checkpoint}: ${c.message} [${c.code}]\n`);
        for (const s of event.dataset.skipped.slice(0, 20)) process.stderr.write(`  skipped ${s.file}: ${s.message} [${s.code}]\n`);
        bar = createProgress('train', 1000);
        break;
      case 'progress':
        bar?.update(
          Math.round(event.fraction * 1000),
          `step ${event.step} loss ${event.loss.toExponential(3)}${formatParts(event.parts)} ${event.patchesPerSecond.toFixed(1)} patches/s${lastVal}` +
            (event.etaMs === null ? '' : ` eta ${formatDuration(event.etaMs)}`),
        );
        break;
      case 'validation':
        lastVal = event.reference === 'none' ? ` val blind-spot loss ${event.loss.toExponential(3)} (no clean reference)` : ` val ${event.psnr.toFixed(2)} dB`;
        break;
      case 'checkpoint':
      case 'finished':
        break;
    }
  };
  try {
    const result = await train(config, continuing, { backend: backend.active, signal: controller.signal, onEvent });
    bar?.stop();
    if (!values.json) {
      const m = result.metrics;
      process.stderr.write(
        `${result.reason === 'cancelled' ? 'Cancelled' : 'Finished'} (${result.reason}) at step ${result.step} after ${formatDuration(result.elapsedMs)}; ` +
          (m['val_blind_spot_loss'] !== undefined
            ? `held-out blind-spot loss ${m['val_blind_spot_loss'].toExponential(3)} (no clean reference, so no PSNR)`
            : `validation PSNR ${m['val_psnr']?.toFixed(2) ?? '?'} dB, SSIM ${m['val_ssim']?.toFixed(4) ?? '?'}`) +
          `\nModel saved to ${result.modelDir}\n` +
          (result.reason === 'cancelled' ? `Continue with: denoise-studio train --continue --out ${result.modelDir} (add --minutes, --epochs or --steps to train for longer)\n` : ''),
      );
    }
    return result.reason === 'cancelled' ? 130 : 0;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
}
