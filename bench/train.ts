/**
 * Training throughput of DAE-S on the active backend, against PyTorch CPU in the same run
 * (../shared/bench/torch_dae_throughput.py at the same thread count).
 *
 * Same protocol as the torch script: batch 16 of 64x64 gray, input = clean + N(0, 25/255),
 * MSE, Adam 1e-3, 5 warm-up steps then 50 timed ones; noise drawn inside the timed step.
 * Prints one JSON line on stdout (progress goes to stderr).
 *
 * Usage: npm run bench:train [-- --backend NAME --threads N --batch N --size N --steps N --warmup N
 *   --skip-torch --no-profile]
 * --backend (or DENOISE_BACKEND) picks the backend as in the engine (webgpu forced may be a
 * software adapter: the JSON's `adapter` says which); --threads sets the wasm thread count
 * (default: all CPUs), and the torch peer always runs with the thread count actually in use
 * and the same batch and patch size.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { isBackendName } from '../src/shared/backend';
import { initBackend } from '../src/ml/backend';
import { releaseWebgpu } from '../src/ml/backend/webgpu-backend';
import { measureDaeSTraining } from './lib/dae-train';
import { runPeerScript } from './lib/peers';
import { mean, median, round } from './lib/stats';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

function argString(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const BATCH = Math.max(1, Math.floor(argValue('--batch', 16)));
// DAE-S has one stride-2 level: patch sides must be even.
const SIZE = Math.max(8, Math.floor(argValue('--size', 64) / 2) * 2);
const backendArg = argString('--backend');
if (backendArg !== undefined && !isBackendName(backendArg)) throw new Error(`--backend ${backendArg}: not a backend name`);

const warmup = argValue('--warmup', 5);
const steps = Math.max(1, argValue('--steps', 50));
const skipTorch = process.argv.includes('--skip-torch');
const profile = !process.argv.includes('--no-profile');
const threadsArg = argValue('--threads', 0);

const log = (message: string): void => void process.stderr.write(`${message}\n`);

const report = await initBackend({ ...(threadsArg >= 1 ? { wasmThreads: threadsArg } : {}), ...(backendArg !== undefined ? { force: backendArg } : {}) });
log(`backend: ${report.active} (threads ${report.threads}${report.simd === true ? ', simd' : ''}${report.adapter ? `, adapter ${report.adapter.device}` : ''})`);

const loadBefore = round(loadavg()[0] ?? 0, 2);
const run = await measureDaeSTraining({ batch: BATCH, size: SIZE, warmup, steps, profileSteps: profile ? 3 : 0 });
const { stepMs, finalLoss } = run;
const oursPatchesPerS = run.patchesPerS;
const leakedPerStep = run.tensorsLeakedPerStep;
const kernelMs = run.kernelMsPerStep;
log(`ours: ${round(oursPatchesPerS, 1)} patches/s, ${round(mean(stepMs), 1)} ms/step, loss ${finalLoss.toFixed(5)}`);

interface TorchRun {
  train_patches_per_s?: number;
  train_step_ms_mean?: number;
  final_loss?: number;
  loadavg1_before?: number;
}
let torchPatchesPerS: number | null = null;
let torchNote: string | undefined;
let torchRun: TorchRun | undefined;
let torchVersion: unknown;
if (skipTorch) {
  torchNote = 'skipped (--skip-torch)';
} else {
  log(`torch: running torch_dae_throughput.py --threads ${report.threads} --batch ${BATCH} --size ${SIZE} ...`);
  const peer = await runPeerScript('torch_dae_throughput.py', ['--threads', String(report.threads), '--batch', String(BATCH), '--size', String(SIZE)]);
  if (peer.ok) {
    const runs = peer.json['runs'];
    torchRun = Array.isArray(runs) ? (runs[0] as TorchRun) : undefined;
    torchVersion = peer.json['torch'];
    torchPatchesPerS = typeof torchRun?.train_patches_per_s === 'number' ? torchRun.train_patches_per_s : null;
    if (torchPatchesPerS === null) torchNote = 'torch script printed no train_patches_per_s';
  } else {
    torchNote = peer.reason;
  }
}

const result: Record<string, unknown> = {
  bench: 'train',
  model: 'DAE-S',
  backend: report.active,
  threads: report.threads,
  adapter: report.adapter ?? null,
  ours_patches_per_s: round(oursPatchesPerS, 1),
  torch_patches_per_s: torchPatchesPerS,
  ratio: torchPatchesPerS === null ? null : round(oursPatchesPerS / torchPatchesPerS, 3),
  ours_step_ms_mean: round(mean(stepMs), 1),
  ours_step_ms_median: round(median(stepMs), 1),
  ours_final_loss: round(finalLoss, 6),
  torch_step_ms_mean: torchRun?.train_step_ms_mean ?? null,
  torch_final_loss: torchRun?.final_loss ?? null,
  torch_version: torchVersion ?? null,
  // The machines are shared: load before each half of the run, to judge how fair the ratio is.
  loadavg1_ours: loadBefore,
  loadavg1_torch: torchRun?.loadavg1_before ?? null,
  batch: BATCH,
  size: SIZE,
  warmup,
  steps,
  tensors_leaked_per_step: leakedPerStep,
  simd: report.simd ?? null,
  custom_kernels: report.customKernels,
  cpu: cpus()[0]?.model ?? null,
  cores: availableParallelism(),
};
if (torchNote !== undefined) result['torch_note'] = torchNote;
if (kernelMs !== undefined) result['kernel_ms_per_step'] = kernelMs;
process.stdout.write(`${JSON.stringify(result)}\n`);
// Dawn's device would otherwise outlive the script.
releaseWebgpu();
