/**
 * Accuracy of the single-image noise-level estimators (src/ml/noise-estimate) on Set12 (gray)
 * and Kodak24 (colour) at sigma 5, 15, 25 and 50.
 *
 * Each clean image gets Gaussian noise from the eval protocol's seeded stream and is then
 * clipped and quantised to 8 bits, as a photo file would be; each estimator then reads only the
 * noisy image (wall time per image is shown, but the machine is shared: a rough figure). The aim (issue 11): within 10% or 1.5 levels, whichever is larger, at sigma 5-25.
 *
 * Prints one JSON object on stdout: per method, set and sigma the mean estimate, bias, mean and
 * largest absolute error, and the share of images within the aim's tolerance.
 * Usage: npm run bench:noise-estimate
 */
import { basename, join } from 'node:path';
import { decodeImage } from '../src/ml/data/decode-image';
import type { FloatImage } from '../src/ml/data/image';
import { scanImageFolder } from '../src/ml/data/scan-folder';
import { addProtocolNoise, NumpyRandomState } from '../src/ml/eval/numpy-normal';
import { estimateNoiseLevel, NOISE_ESTIMATE_METHOD } from '../src/ml/noise-estimate';
import { estimateNoisePca } from '../src/ml/noise-estimate/pca-estimate';
import { estimateNoiseWaveletMad } from '../src/ml/noise-estimate/wavelet-mad';
import { findSharedDir } from './lib/peers';
import { mean, round } from './lib/stats';

const SIGMAS = [5, 15, 25, 50];
const SETS: { name: string; dir: string; channels: 1 | 3 }[] = [
  { name: 'Set12', dir: 'set12', channels: 1 },
  { name: 'Kodak24', dir: 'kodak24', channels: 3 },
];
/**
 * The shipped estimator, and for comparison Chen et al.'s rule without the weak-texture
 * refinement (on gray images; on colour the shipped one is exactly that) and wavelet MAD.
 */
const METHODS: Record<string, { channels: (1 | 3)[]; run: (image: FloatImage) => Promise<number> }> = {
  [NOISE_ESTIMATE_METHOD]: { channels: [1, 3], run: async (image) => (await estimateNoiseLevel(image)).sigma },
  'pca-chen2015': { channels: [1], run: (image) => estimateNoisePca(image, { refinements: 0 }) },
  'wavelet-mad': { channels: [1, 3], run: async (image) => estimateNoiseWaveletMad(image) },
};

const tolerance = (sigma: number): number => Math.max(0.1 * sigma, 1.5);

function quantised8(clean: FloatImage, sigma: number, numpy: NumpyRandomState): FloatImage {
  const noisy = addProtocolNoise(clean.data, sigma, numpy);
  return { ...clean, data: noisy.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255) };
}

async function main(): Promise<void> {
  const shared = findSharedDir();
  if (shared === null) throw new Error('../shared not found (set DENOISE_SHARED)');
  const rows: Record<string, unknown>[] = [];
  for (const set of SETS) {
    const scan = await scanImageFolder(join(shared, 'datasets', set.dir), { recursive: false });
    const files = [...scan.files].sort((a, b) => basename(a).localeCompare(basename(b)));
    const images = await Promise.all(files.map((f) => decodeImage(f, { channels: set.channels })));
    for (const sigma of SIGMAS) {
      const numpy = new NumpyRandomState(0);
      const noisy = images.map((im) => quantised8(im, sigma, numpy));
      for (const [method, { channels, run: estimate }] of Object.entries(METHODS)) {
        if (!channels.includes(set.channels)) continue;
        const estimates: number[] = [];
        const started = performance.now();
        for (const im of noisy) estimates.push(await estimate(im));
        const msPerImage = (performance.now() - started) / noisy.length;
        const errors = estimates.map((e) => e - sigma);
        rows.push({
          method,
          set: set.name,
          sigma,
          meanEstimate: round(mean(estimates), 2),
          bias: round(mean(errors), 2),
          meanAbsError: round(mean(errors.map(Math.abs)), 2),
          maxAbsError: round(Math.max(...errors.map(Math.abs)), 2),
          withinTolerance: round(errors.filter((e) => Math.abs(e) <= tolerance(sigma)).length / errors.length, 3),
          tolerance: tolerance(sigma),
          msPerImage: round(msPerImage, 1),
        });
        process.stderr.write(`${method} ${set.name} sigma ${sigma}: ${JSON.stringify(rows.at(-1))}\n`);
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'noise-estimate', quantised: '8-bit', seed: 0, rows })}\n`);
}

await main();
