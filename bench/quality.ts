/**
 * Denoising quality of the shipped models (resources/models/*) on Set12 (gray) and Kodak24
 * (colour) at sigma 15, 25 and 50, with the `eval` protocol (docs/architecture.md: seeded
 * NumPy-identical noise, unclipped noisy input, clipped output, mean PSNR/SSIM), and in the same
 * run the classical peers of ../shared/bench/classical_denoise.py (OpenCV and scikit-image
 * non-local means, wavelet, TV) on the same images and noise.
 *
 * Gray models are scored on Kodak24 in colour, one channel at a time; colour models on Set12
 * see the gray replicated. Level-aware models are told the true sigma (as `eval` does).
 *
 * Prints one JSON object on stdout: { rows: [{ method, set, sigma, psnr, ssim }], ... }.
 * Usage: npm run bench:quality [-- --limit N] [--skip-peers] [--model DIR ...]
 */
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/ml/backend';
import { evaluateModel } from '../src/ml/jobs/evaluate';
import { loadModel } from '../src/ml/store/model-files';
import { limitedSet } from './lib/test-sets';
import { findSharedDir, REPO_ROOT, runPeerScript } from './lib/peers';
import { round } from './lib/stats';

const SIGMAS = [15, 25, 50];
const SETS: { name: string; dir: string; channels: 1 | 3 }[] = [
  { name: 'Set12', dir: 'set12', channels: 1 },
  { name: 'Kodak24', dir: 'kodak24', channels: 3 },
];
const log = (message: string): void => void process.stderr.write(`${message}\n`);

interface Row {
  method: string;
  set: string;
  sigma: number;
  psnr: number;
  ssim: number;
  /** null for peers on the whole set (the peer script does not report it). */
  images: number | null;
}

async function shippedModels(): Promise<string[]> {
  const root = join(REPO_ROOT, 'resources', 'models');
  const entries = await fs.readdir(root, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'meta.json'))).map((e) => join(root, e.name));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { limit: { type: 'string' }, 'skip-peers': { type: 'boolean' }, model: { type: 'string', multiple: true } } });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const shared = findSharedDir();
  if (shared === null) throw new Error('../shared not found (set DENOISE_SHARED)');
  const backend = await initBackend({});
  const work = await fs.mkdtemp(join(tmpdir(), 'bench-quality-'));
  const rows: Row[] = [];
  const models: Record<string, unknown>[] = [];
  try {
    const sets = await Promise.all(SETS.map(async (s) => ({ ...s, path: await limitedSet(join(shared, 'datasets', s.dir), limit, work) })));
    for (const dir of values.model ?? (await shippedModels())) {
      const { model, meta } = await loadModel(dir);
      models.push({ name: meta.name, channels: meta.spec.channels, options: meta.spec.options, noise: meta.training?.noise, steps: meta.training?.steps, elapsedMs: meta.training?.elapsedMs });
      try {
        for (const set of sets) {
          for (const sigma of SIGMAS) {
            const report = await evaluateModel(model, set.path, { gpu: backend.isGpu, noise: { type: 'gaussian', sigma }, seed: 0, channels: set.channels });
            rows.push({ method: meta.name, set: set.name, sigma, psnr: round(report.psnr, 3), ssim: round(report.ssim, 4), images: report.images.length });
            log(`${meta.name} ${set.name} sigma ${sigma}: ${report.psnr.toFixed(2)} dB`);
          }
        }
      } finally {
        model.dispose();
      }
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  let peers: Record<string, unknown> = { skipped: true };
  if (!values['skip-peers']) {
    const peer = await runPeerScript('classical_denoise.py', ['--threads', '1', ...(limit === undefined ? [] : ['--limit', String(limit)])], 3_600_000);
    if (peer.ok) {
      const results = peer.json['results'] as Record<string, Record<string, { psnr: number; ssim: number }>>;
      for (const [method, byCase] of Object.entries(results)) {
        for (const set of SETS) {
          for (const sigma of SIGMAS) {
            const r = byCase[`${set.dir}_s${sigma}`];
            if (r) rows.push({ method, set: set.name, sigma, psnr: r.psnr, ssim: r.ssim, images: limit ?? null });
          }
        }
      }
      peers = { ok: true, script: 'classical_denoise.py' };
    } else {
      peers = { ok: false, reason: peer.reason };
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'quality', backend: backend.active, seed: 0, limit: limit ?? null, models, peers, rows })}\n`);
}

await main();
