/**
 * The one-shot GPU benchmark: everything a machine with a GPU should measure, in one process,
 * printing one JSON object (progress on stderr). See bench/gpu/README.md for running it on the
 * borrowed GPU machine from a packed bundle (bench/gpu/pack.sh).
 *
 * 1. The engine's automatic backend report (is a hardware WebGPU adapter found and chosen?).
 * 2. DAE-S training patches/s at batch 16 and at a large batch: webgpu, wasm (all cores, at most
 *    8 threads) and PyTorch CUDA (torch_dae_throughput.py --device cuda --threads 1 --batch B),
 *    same patch size; ratios webgpu/wasm and webgpu/torch. Plus webgpu's per-kernel shares of
 *    a batch-16 step (Conv2DBackpropFilter is the one to watch).
 * 3. A 12-megapixel colour denoise (tiled, the starter model) on webgpu, and wasm on a crop
 *    for the megapixels-per-second ratio.
 *
 * Usage: node bench/gpu/gpu-bench.mjs [--batches 16,256] [--size 64] [--steps N] [--warmup N]
 *   [--wasm-steps N] [--width W --height H] [--wasm-crop S] [--torch PATH] [--python PATH]
 *   [--skip-torch] [--skip-wasm]
 * Small sizes (--batches 2,4 --size 16 --width 96 --height 64 ...) check it on a software adapter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { BackendReport } from '../../src/shared/backend';
import { initBackend } from '../../src/ml/backend';
import { releaseWebgpu } from '../../src/ml/backend/webgpu-backend';
import type { FloatImage } from '../../src/ml/data/image';
import { Rng } from '../../src/ml/data/rng';
import { applyModel } from '../../src/ml/infer/apply-model';
import { createModel, resolveModelSpec } from '../../src/ml/models/registry';
import type { Model } from '../../src/ml/models/model';
import { loadModel } from '../../src/ml/store/model-files';
import { measureDaeSTraining } from '../lib/dae-train';
import { round } from '../lib/stats';

const log = (message: string): void => void process.stderr.write(`${message}\n`);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function argNumber(name: string, fallback: number): number {
  const v = Number(arg(name));
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

const batches = (arg('--batches') ?? '16,256').split(',').map(Number).filter((b) => Number.isInteger(b) && b > 0);
const SIZE = argNumber('--size', 64);
const STEPS = argNumber('--steps', 30);
const WARMUP = argNumber('--warmup', 5);
const WASM_STEPS = argNumber('--wasm-steps', 8);
const WIDTH = argNumber('--width', 4000);
const HEIGHT = argNumber('--height', 3000);
const WASM_CROP = argNumber('--wasm-crop', 1024);
const skipTorch = process.argv.includes('--skip-torch');
const skipWasm = process.argv.includes('--skip-wasm');
const here = import.meta.dirname ?? '.';
const torchScript = arg('--torch') ?? [join(here, 'torch_dae_throughput.py'), join(here, '..', '..', '..', 'shared', 'bench', 'torch_dae_throughput.py')].find(existsSync);
const python = arg('--python') ?? 'python3';
const starterDir = arg('--model') ?? [join(here, 'resources', 'models', 'dae-gray-sigma25'), join(here, '..', '..', 'resources', 'models', 'dae-gray-sigma25')].find((d) => existsSync(join(d, 'meta.json')));

const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? round(a / b, 3) : null);
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function useBackend(name: 'webgpu' | 'wasm'): Promise<BackendReport> {
  return initBackend({ force: name });
}

async function trainOn(batch: number, steps: number, profileSteps = 0): Promise<Record<string, unknown>> {
  const r = await measureDaeSTraining({ batch, size: SIZE, warmup: Math.min(WARMUP, steps), steps, profileSteps });
  return {
    patches_per_s: round(r.patchesPerS, 1),
    step_ms_median: round(r.stepMsMedian, 2),
    final_loss: round(r.finalLoss, 6),
    tensors_leaked_per_step: r.tensorsLeakedPerStep,
    ...(r.kernelMsPerStep ? { kernel_ms_per_step: r.kernelMsPerStep } : {}),
  };
}

function torchCuda(batch: number): Promise<{ patches_per_s: number | null; note?: string; gpu?: unknown; torch?: unknown }> {
  if (skipTorch) return Promise.resolve({ patches_per_s: null, note: 'skipped (--skip-torch)' });
  if (torchScript === undefined) return Promise.resolve({ patches_per_s: null, note: 'torch_dae_throughput.py not found (--torch PATH)' });
  return new Promise((done) => {
    const args = [torchScript, '--device', 'cuda', '--threads', '1', '--batch', String(batch), '--size', String(SIZE)];
    execFile(python, args, { timeout: 300_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error !== null) {
        const text = `${stderr}\n${error.message}`;
        const why = /No module named ['"]?torch/.test(text)
          ? 'PyTorch is not installed'
          : /CUDA|cuda/.test(text) && /not available|no CUDA|Found no NVIDIA|AssertionError/.test(text)
            ? 'PyTorch has no CUDA device here'
            : `torch script failed: ${text.trim().split('\n').slice(-2).join(' | ')}`;
        done({ patches_per_s: null, note: why });
        return;
      }
      try {
        const json = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { runs?: { train_patches_per_s?: number }[]; gpu?: unknown; torch?: unknown };
        done({ patches_per_s: json.runs?.[0]?.train_patches_per_s ?? null, gpu: json.gpu, torch: json.torch });
      } catch {
        done({ patches_per_s: null, note: 'torch script printed no JSON line' });
      }
    });
  });
}

function colourPhoto(width: number, height: number): FloatImage {
  // Structure at several scales per channel plus Gaussian noise (sigma 25), as a photo would
  // have; generated here because the test textures need sharp, which the bundle leaves out.
  const rng = new Rng(0);
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = 0.5 + 0.2 * Math.sin((x + 40 * c) / 37) * Math.cos(y / 23) + 0.15 * Math.sin((x * y) / 9000 + c) + 0.1 * Math.sin(x / 3.1 + y / 4.7);
        data[(y * width + x) * 3 + c] = Math.min(1, Math.max(0, v + (25 / 255) * rng.normal()));
      }
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

async function starterModel(): Promise<{ model: Model; name: string }> {
  if (starterDir !== undefined) return { model: (await loadModel(starterDir)).model, name: 'dae-gray-sigma25 (starter)' };
  return { model: createModel(resolveModelSpec('dae', 1, {}), 0), name: 'dae (untrained; same cost as the starter)' };
}

async function denoiseSeconds(image: FloatImage, gpu: boolean): Promise<number> {
  const { model } = await starterModel();
  try {
    const t0 = performance.now();
    await applyModel(model, image, { gpu });
    return (performance.now() - t0) / 1000;
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const notes: string[] = [];
  log('backend report (automatic choice)...');
  const auto = await initBackend();
  let webgpu: BackendReport | null = null;
  try {
    webgpu = await useBackend('webgpu');
  } catch (error) {
    notes.push(`webgpu unavailable: ${messageOf(error)}`);
  }
  if (webgpu?.adapter?.software) notes.push('webgpu ran on a SOFTWARE adapter: these figures are not a GPU\'s');

  const train: Record<string, unknown>[] = [];
  for (const batch of batches) {
    const row: Record<string, unknown> = { batch, size: SIZE };
    let gpuRate: number | null = null;
    let wasmRate: number | null = null;
    if (webgpu !== null) {
      log(`webgpu: DAE-S training, batch ${batch}...`);
      try {
        await useBackend('webgpu');
        const r = await trainOn(batch, STEPS, batch === batches[0] ? 2 : 0);
        gpuRate = r['patches_per_s'] as number;
        row['webgpu'] = r;
      } catch (error) {
        row['webgpu'] = { error: messageOf(error) };
      }
    }
    if (!skipWasm) {
      log(`wasm: DAE-S training, batch ${batch}...`);
      try {
        const report = await useBackend('wasm');
        const r = await trainOn(batch, WASM_STEPS);
        wasmRate = r['patches_per_s'] as number;
        row['wasm'] = { threads: report.threads, ...r };
      } catch (error) {
        row['wasm'] = { error: messageOf(error) };
      }
    }
    log(`torch cuda: batch ${batch}...`);
    const torch = await torchCuda(batch);
    row['torch_cuda'] = torch;
    row['webgpu_vs_wasm'] = ratio(gpuRate, wasmRate);
    row['webgpu_vs_torch_cuda'] = ratio(gpuRate, torch.patches_per_s);
    train.push(row);
  }

  const denoise: Record<string, unknown> = { width: WIDTH, height: HEIGHT, channels: 3, megapixels: round((WIDTH * HEIGHT) / 1e6, 3) };
  let gpuMp: number | null = null;
  let wasmMp: number | null = null;
  if (webgpu !== null) {
    log(`webgpu: ${WIDTH}x${HEIGHT} colour denoise...`);
    try {
      await useBackend('webgpu');
      // Batched tiles even on a software adapter: the point is to exercise the GPU path.
      const s = await denoiseSeconds(colourPhoto(WIDTH, HEIGHT), true);
      gpuMp = (WIDTH * HEIGHT) / 1e6 / s;
      denoise['webgpu_seconds'] = round(s, 2);
      denoise['webgpu_mp_per_s'] = round(gpuMp, 3);
    } catch (error) {
      denoise['webgpu_error'] = messageOf(error);
    }
  }
  if (!skipWasm) {
    const w = Math.min(WIDTH, WASM_CROP);
    const h = Math.min(HEIGHT, WASM_CROP);
    log(`wasm: ${w}x${h} colour denoise (a crop, for the rate)...`);
    await useBackend('wasm');
    const s = await denoiseSeconds(colourPhoto(w, h), false);
    wasmMp = (w * h) / 1e6 / s;
    denoise['wasm_crop'] = `${w}x${h}`;
    denoise['wasm_mp_per_s'] = round(wasmMp, 3);
  }
  denoise['webgpu_vs_wasm'] = ratio(gpuMp, wasmMp);
  denoise['model'] = (await starterModel().then(({ model, name }) => (model.dispose(), name)));

  const first = train[0];
  const result = {
    bench: 'gpu',
    backend_report: auto,
    webgpu_adapter: webgpu?.adapter ?? null,
    train,
    denoise,
    // The target: webgpu DAE-S training at least 20x wasm on the GPU machine.
    headline: {
      batch: first?.['batch'] ?? null,
      webgpu_vs_wasm: first?.['webgpu_vs_wasm'] ?? null,
      webgpu_vs_torch_cuda: first?.['webgpu_vs_torch_cuda'] ?? null,
      large_batch_webgpu_vs_wasm: train[train.length - 1]?.['webgpu_vs_wasm'] ?? null,
      large_batch_webgpu_vs_torch_cuda: train[train.length - 1]?.['webgpu_vs_torch_cuda'] ?? null,
    },
    tf_version: tf.version_core,
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    cores: availableParallelism(),
    notes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

try {
  await main();
} finally {
  releaseWebgpu();
}
