/**
 * Architecture and recipe study for the dae kind (issue 11, item 4): each candidate trains with
 * the engine's own training loop for the same wall-clock budget on Train400 at sigma 25, then is
 * scored with the `eval` protocol on Set12 and Kodak24 (one channel at a time) at sigma 25, and
 * its inference cost is timed on a 512 x 512 gray image. The figure to compare is PSNR reached in
 * the budget; the cost column keeps the 12-megapixel denoise in view.
 *
 * Candidates run one after another, each with the whole machine, so the budget means the same for
 * all: run it on an idle machine (a shared one measures the scheduler, docs/denoisers.md).
 *
 * Prints one JSON object on stdout: { rows: [{ candidate, settings, steps, set12, kodak24,
 * msPerMegapixel, costVsSmall }], ... }; progress goes to stderr.
 * Usage: npm run bench:arch [-- --minutes M (per candidate, default 60) --only a,b --limit N
 *   (images per test set) --seed S (training seed, default 0: a second seed checks a close call) --list]
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/ml/backend';
import type { FloatImage } from '../src/ml/data/image';
import { Rng } from '../src/ml/data/rng';
import { evaluateModel } from '../src/ml/jobs/evaluate';
import { prepareNewRun, train } from '../src/ml/jobs/train';
import { applyModel } from '../src/ml/infer/apply-model';
import type { Model } from '../src/ml/models/model';
import { getModelDefinition } from '../src/ml/models/registry';
import { loadModel } from '../src/ml/store/model-files';
import { withTrainDefaults, type OptionValue } from '../src/shared/training';
import { limitedSet } from './lib/test-sets';
import { findSharedDir } from './lib/peers';
import { round } from './lib/stats';

interface Candidate {
  name: string;
  /** dae options (size, loss, ...); the rest are the kind's defaults. */
  options: Record<string, OptionValue>;
  patchSize?: number;
  batchSize?: number;
  learningRate?: number;
  schedule?: 'cosine' | 'constant';
}

/**
 * The first candidate is today's default (the dae recipe); each other one changes one thing:
 * the loss, the network (medium: more residual blocks per level and width), the patch, the
 * batch and rate, the schedule.
 */
const CANDIDATES: Candidate[] = [
  { name: 'small-mse', options: { size: 'small', loss: 'mse' } },
  { name: 'small-l1', options: { size: 'small', loss: 'l1' } },
  { name: 'medium-mse', options: { size: 'medium', loss: 'mse' } },
  { name: 'small-patch96', options: { size: 'small', loss: 'mse' }, patchSize: 96, batchSize: 4 },
  { name: 'small-batch16-lr1e-3', options: { size: 'small', loss: 'mse' }, batchSize: 16, learningRate: 1e-3 },
  { name: 'small-constant-lr', options: { size: 'small', loss: 'mse' }, schedule: 'constant' },
  { name: 'tiny-mse', options: { size: 'tiny', loss: 'mse' } },
];

const SIGMA = 25;
const COST_SIDE = 512;
const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** Median milliseconds per megapixel of one whole-image pass (one warm-up pass first). */
async function inferenceCost(model: Model, gpu: boolean): Promise<number> {
  const rng = new Rng(1);
  const data = new Float32Array(COST_SIDE * COST_SIDE);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  const image: FloatImage = { width: COST_SIDE, height: COST_SIDE, channels: 1, data, bitDepth: 8 };
  await applyModel(model, image, { gpu, tileSize: COST_SIDE });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await applyModel(model, image, { gpu, tileSize: COST_SIDE });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (times[1] as number) / ((COST_SIDE * COST_SIDE) / 1e6);
}

function parameterCount(model: Model): number {
  return [...model.variables.values()].reduce((n, v) => n + v.size, 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, only: { type: 'string' }, limit: { type: 'string' }, seed: { type: 'string' }, list: { type: 'boolean' } } });
  if (values.list) {
    process.stdout.write(`${CANDIDATES.map((c) => c.name).join('\n')}\n`);
    return;
  }
  const minutes = values.minutes === undefined ? 60 : Number(values.minutes);
  if (!(minutes > 0)) throw new Error(`--minutes ${values.minutes}: give a positive number`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed ${values.seed}: give a whole number, 0 or more`);
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !CANDIDATES.some((c) => c.name === n)) ?? [];
  if (unknown.length) throw new Error(`--only: no candidate named ${unknown.join(', ')} (--list shows them)`);
  const chosen = only ? CANDIDATES.filter((c) => only.includes(c.name)) : CANDIDATES;
  const shared = findSharedDir();
  if (shared === null) throw new Error('../shared not found (set DENOISE_SHARED)');
  const trainDir = join(shared, 'datasets', 'train400');
  if (!existsSync(trainDir)) throw new Error(`${trainDir} not found`);

  const backend = await initBackend({});
  const recipe = getModelDefinition('dae').recipe ?? {};
  const work = await fs.mkdtemp(join(tmpdir(), 'bench-arch-'));
  const rows: Record<string, unknown>[] = [];
  try {
    const set12 = await limitedSet(join(shared, 'datasets', 'set12'), limit, work);
    const kodak = await limitedSet(join(shared, 'datasets', 'kodak24'), limit, work);
    for (const c of chosen) {
      const outDir = join(work, c.name);
      const config = withTrainDefaults(
        {
          kind: 'dae',
          recursive: true,
          channels: 1,
          modelOptions: c.options,
          noise: { type: 'gaussian', sigma: SIGMA },
          minutes,
          seed,
          ...(c.patchSize === undefined ? {} : { patchSize: c.patchSize }),
          batchSize: c.batchSize ?? recipe.batchSize,
          learningRate: c.learningRate ?? recipe.learningRate,
          ...(c.schedule === undefined ? {} : { schedule: c.schedule }),
          // The study compares what each reaches in the budget, not validation curves.
          validateEvery: 1e9,
          checkpointEvery: 1e9,
          checkpointSeconds: 0,
        },
        { dataDirs: [trainDir], outDir },
      );
      await prepareNewRun(config, { overwrite: false });
      log(`${c.name}: training ${minutes} min`);
      const result = await train(config, false, { backend: backend.active });
      const { model } = await loadModel(result.modelDir);
      try {
        const s12 = await evaluateModel(model, set12, { gpu: backend.isGpu, noise: { type: 'gaussian', sigma: SIGMA }, seed: 0, channels: 1 });
        const k24 = await evaluateModel(model, kodak, { gpu: backend.isGpu, noise: { type: 'gaussian', sigma: SIGMA }, seed: 0, channels: 3 });
        const cost = await inferenceCost(model, backend.isGpu);
        rows.push({
          candidate: c.name,
          settings: { options: model.spec.options, patchSize: config.patchSize, batchSize: config.batchSize, learningRate: config.learningRate, schedule: config.schedule },
          parameters: parameterCount(model),
          steps: result.step,
          set12: { psnr: round(s12.psnr, 3), ssim: round(s12.ssim, 4), images: s12.images.length },
          kodak24: { psnr: round(k24.psnr, 3), ssim: round(k24.ssim, 4), images: k24.images.length },
          msPerMegapixel: round(cost, 1),
        });
        log(`${c.name}: ${result.step} steps, Set12 ${s12.psnr.toFixed(2)} dB, Kodak24 ${k24.psnr.toFixed(2)} dB, ${cost.toFixed(0)} ms/MP`);
      } finally {
        model.dispose();
      }
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  const small = rows.find((r) => r['candidate'] === 'small-mse')?.['msPerMegapixel'];
  for (const r of rows) if (typeof small === 'number') r['costVsSmall'] = round((r['msPerMegapixel'] as number) / small, 2);
  process.stdout.write(`${JSON.stringify({ bench: 'architecture', backend: backend.active, minutesEach: minutes, seed, sigma: SIGMA, limit: limit ?? null, tensors: tf.memory().numTensors, rows })}\n`);
}

await main();
