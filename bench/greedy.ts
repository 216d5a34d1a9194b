/**
 * Greedy layer-wise pretraining against training from scratch at the same budget of gradient
 * steps (docs/explore.md). A convolutional denoising AE (kind ae, --conv, sigma 25) on Train400,
 * gray patches; the greedy run spends `--per-level` steps on each of the stack's three levels
 * and the rest end to end, the scratch run all of them end to end. Same seed, data order and
 * learning rate. Reports the held-out validation PSNR of each (crops of Train400 images the
 * runs did not train on) and their difference. One JSON line on stdout.
 *
 * Usage: node bin/run-ts.mjs bench/greedy.ts [--steps N] [--per-level N] [--seeds N] [--latent K]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../src/ml/backend';
import { runTraining } from '../src/ml/train/train-run';
import { TRAIN_DEFAULTS, type TrainConfig } from '../src/shared/training';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

const steps = argValue('--steps', 600);
const perLevel = argValue('--per-level', 100);
const seeds = Math.max(1, argValue('--seeds', 1));
const latent = argValue('--latent', 8);
const data = resolve('../shared/datasets/train400');
const report = await initBackend({});
const out = await mkdtemp(join(tmpdir(), 'greedy-bench-'));
const rows: { seed: number; greedy: number; scratch: number; greedySeconds: number; scratchSeconds: number }[] = [];
try {
  for (let seed = 0; seed < seeds; seed++) {
    const base: TrainConfig = {
      ...TRAIN_DEFAULTS,
      dataDirs: [data],
      kind: 'ae',
      modelOptions: { arch: 'conv', latent },
      noise: { type: 'gaussian', sigma: 25 },
      patchSize: 32,
      batchSize: 16,
      validateEvery: 1e9,
      checkpointEvery: 1e9,
      checkpointSeconds: 0,
      channels: 1,
      seed,
      outDir: '',
    };
    let t = performance.now();
    const greedy = await runTraining({ ...base, maxSteps: steps - 3 * perLevel, pretrain: { mode: 'greedy', stepsPerLevel: perLevel }, outDir: join(out, `g${seed}`) }, { backend: report.active });
    const greedySeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const scratch = await runTraining({ ...base, maxSteps: steps, outDir: join(out, `s${seed}`) }, { backend: report.active });
    const scratchSeconds = (performance.now() - t) / 1000;
    rows.push({ seed, greedy: greedy.metrics['val_psnr'] ?? Number.NaN, scratch: scratch.metrics['val_psnr'] ?? Number.NaN, greedySeconds, scratchSeconds });
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
const mean = (f: (r: (typeof rows)[0]) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
console.log(JSON.stringify({ backend: report.active, steps, perLevel, latent, rows, greedyPsnr: mean((r) => r.greedy), scratchPsnr: mean((r) => r.scratch), greedyMinusScratchDb: mean((r) => r.greedy - r.scratch) }));
