/**
 * Denoising speed and memory on a 12-megapixel colour photo with the default model, plus a seam
 * check and a same-network speed ratio against PyTorch CPU.
 *
 * - The photo: a Kodak image from ../shared/datasets upscaled to 4000 x 3000 with Gaussian noise
 *   (sigma 25) added, written as PNG; a synthetic texture if ../shared is not there.
 * - The run: a child process does exactly what `denoise-studio denoise` does (decode, tiled
 *   inference, encode) and reports its wall time and peak RSS, so the figures are the job's own.
 * - Seams: a 1024 x 1024 crop denoised with 256-pixel tiles and as one tile; the largest
 *   difference tells whether tiling leaves any trace.
 * - Peer: DAE-S inference at 512 x 512 on our backend vs PyTorch (torch_dae_throughput.py) at
 *   the same thread count: the same network, so the ratio compares the engines.
 *
 * Prints one JSON line on stdout. Usage: npm run bench:denoise [-- --skip-torch --backend NAME
 *   --width W --height H --seam N --infer N]
 * --backend (or DENOISE_BACKEND) as in the engine; --width/--height size the photo (default
 * 4000 x 3000), --seam the seam-check crop (default 1024, 0 skips it), --infer the DAE-S
 * inference side (default 512; the torch peer's figure is always at 512). Small sizes are for
 * checking the script on a slow (software) adapter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/ml/backend';
import { releaseWebgpu } from '../src/ml/backend/webgpu-backend';
import { isBackendName, type BackendName } from '../src/shared/backend';
import { decodeImage } from '../src/ml/data/decode-image';
import { encodeImage } from '../src/ml/data/encode-image';
import type { FloatImage } from '../src/ml/data/image';
import { Rng } from '../src/ml/data/rng';
import { applyModel } from '../src/ml/infer/apply-model';
import { createDaeS } from '../src/ml/models/dae-s';
import type { Model } from '../src/ml/models/model';
import { createModel, resolveModelSpec } from '../src/ml/models/registry';
import { loadModel } from '../src/ml/store/model-files';
import { texturePixels } from '../src/test-support/textures';
import { findSharedDir, REPO_ROOT, runPeerScript } from './lib/peers';
import { round } from './lib/stats';

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : fallback;
}

function argBackend(): BackendName | undefined {
  const i = process.argv.indexOf('--backend');
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) return undefined;
  if (!isBackendName(v)) throw new Error(`--backend ${v}: not a backend name`);
  return v;
}

const WIDTH = argNumber('--width', 4000);
const HEIGHT = argNumber('--height', 3000);
const SEAM = argNumber('--seam', 1024);
const INFER = argNumber('--infer', 512);
const FORCE = argBackend();
const backendOptions = FORCE === undefined ? {} : { force: FORCE };
const STARTER_MODEL = join(REPO_ROOT, 'resources', 'models', 'dae-gray-sigma25');
const log = (message: string): void => void process.stderr.write(`${message}\n`);

async function defaultModel(): Promise<{ model: Model; name: string }> {
  if (existsSync(join(STARTER_MODEL, 'meta.json'))) return { model: (await loadModel(STARTER_MODEL)).model, name: 'resources/models/dae-gray-sigma25' };
  return { model: createModel(resolveModelSpec('dae', 1, {}), 0), name: 'dae small (untrained; same cost)' };
}

/** Worker: the denoise job alone, measured from inside its own process. */
async function worker(input: string, output: string): Promise<void> {
  const backend = await initBackend(backendOptions);
  const { model, name } = await defaultModel();
  const t0 = performance.now();
  const image = await decodeImage(input);
  const result = await applyModel(model, image, { gpu: backend.isGpu });
  await encodeImage(result, output);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ model: name, backend: backend.active, threads: backend.threads, adapter: backend.adapter ?? null, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
  model.dispose();
  releaseWebgpu();
}

async function writeTestPhoto(file: string): Promise<string> {
  const shared = findSharedDir();
  const kodak = shared ? join(shared, 'datasets', 'kodak24_full', 'kodim05.png') : '';
  const base = existsSync(kodak)
    ? sharp(kodak).resize(WIDTH, HEIGHT, { kernel: 'lanczos3' }).removeAlpha()
    : sharp(Buffer.from(texturePixels(WIDTH, HEIGHT, 3, 1)), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  const { data } = await base.raw().toBuffer({ resolveWithObject: true });
  const rng = new Rng(0);
  const noisy = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) noisy[i] = Math.max(0, Math.min(255, Math.round((data[i] as number) + 25 * rng.normal())));
  await sharp(noisy, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png({ compressionLevel: 1 }).toFile(file);
  return `${existsSync(kodak) ? 'kodim05' : 'synthetic texture'} at ${WIDTH}x${HEIGHT} + gaussian 25`;
}

function runWorker(input: string, output: string): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    const forward = FORCE === undefined ? [] : ['--backend', FORCE];
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'run-ts.mjs'), join(REPO_ROOT, 'bench', 'denoise.ts'), '--worker', input, output, ...forward], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`worker failed: ${stderr || err.message}`));
      else done(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
    });
  });
}

async function seamCheck(gpu: boolean): Promise<number> {
  const { model } = await defaultModel();
  const size = SEAM;
  const data = new Float32Array(size * size);
  const px = texturePixels(size, size, 1, 3);
  const rng = new Rng(4);
  for (let i = 0; i < data.length; i++) data[i] = (px[i] as number) / 255 + (25 / 255) * rng.normal();
  const image: FloatImage = { width: size, height: size, channels: 1, bitDepth: 8, data };
  const tiled = await applyModel(model, image, { gpu, tileSize: Math.min(256, Math.max(128, size / 2)) });
  const whole = await applyModel(model, image, { gpu, tileSize: size });
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs((tiled.data[i] as number) - (whole.data[i] as number)));
  model.dispose();
  return max;
}

async function daeSInferenceMpPerSecond(): Promise<number> {
  const net = createDaeS(0);
  const side = INFER;
  const x = tf.randomUniform([1, side, side, 1]) as tf.Tensor4D;
  tf.tidy(() => net.apply(x)).dispose();
  const times: number[] = [];
  // Five timed runs and their median, as the torch script does for 512 x 512.
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const y = tf.tidy(() => net.apply(x));
    await y.data();
    y.dispose();
    times.push((performance.now() - t0) / 1000);
  }
  x.dispose();
  net.dispose();
  times.sort((a, b) => a - b);
  return (side * side) / 1e6 / (times[2] as number);
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'bench-denoise-'));
  try {
    const input = join(dir, 'photo-12mp.png');
    log('writing the 12-megapixel test photo...');
    const photo = await writeTestPhoto(input);
    log('denoising it in a separate process...');
    const job = await runWorker(input, join(dir, 'out.png'));
    const out = await sharp(join(dir, 'out.png')).metadata();
    const backend = await initBackend(backendOptions);
    log('seam check...');
    const seam = SEAM > 0 ? await seamCheck(backend.isGpu) : null;
    log('DAE-S inference, ours...');
    const oursDaeS = await daeSInferenceMpPerSecond();
    let torch: number | null = null;
    let torchNote: string | undefined;
    if (!process.argv.includes('--skip-torch') && INFER === 512) {
      log(`DAE-S inference, PyTorch at ${backend.threads} thread(s)...`);
      const peer = await runPeerScript('torch_dae_throughput.py', ['--threads', String(backend.threads)]);
      if (peer.ok) {
        const run = (peer.json['runs'] as Record<string, number>[] | undefined)?.[0];
        torch = run?.['infer512_mp_per_s'] ?? null;
      } else torchNote = peer.reason;
    } else torchNote = INFER === 512 ? 'skipped (--skip-torch)' : `skipped: ours measured at ${INFER}, the peer only at 512`;
    const seconds = Number(job['seconds']);
    console.log(
      JSON.stringify({
        bench: 'denoise',
        backend: job['backend'],
        threads: job['threads'],
        adapter: job['adapter'] ?? null,
        model: job['model'],
        photo,
        megapixels: (WIDTH * HEIGHT) / 1e6,
        output: `${out.width}x${out.height}x${out.channels}`,
        seconds: round(seconds, 2),
        mp_per_s: round((WIDTH * HEIGHT) / 1e6 / seconds, 3),
        peak_rss_mb: round(Number(job['maxRssMB']), 0),
        seam_crop: SEAM,
        seam_max_abs_diff_tiled_vs_whole: seam,
        daes_infer_side: INFER,
        daes_infer_mp_per_s: round(oursDaeS, 3),
        torch_daes_infer512_mp_per_s: torch,
        ratio: torch ? round(oursDaeS / torch, 3) : null,
        ...(torchNote ? { torch_note: torchNote } : {}),
      }),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    releaseWebgpu();
  }
}

if (process.argv[2] === '--worker') await worker(process.argv[3] as string, process.argv[4] as string);
else await main();
