/**
 * How real photos' noise and the synthetic camera noise spread over scales, to check that the
 * training noise looks like the noise it must remove (issue 11; docs/denoisers.md).
 *
 * The noise field is noisy - reference, on the 0..255 scale: for real-noise-val the pairs'
 * reference photos (measured only, never trained on), for the synthetic noise 60 central
 * 128 x 128 crops of CBSD432 (training data) through `addCameraNoise` (seeded), against the
 * same camera's file without sensor noise (what training aims at) and, as training did before
 * the eleventh stretch, against the clean crop. The field is split into luma ((R + G + B) / 3)
 * and a chroma part ((R - B) / 2); at each scale 2^k (k = 0..4, 2 x 2 box means between scales)
 * the RMS of the diagonal Haar detail is multiplied by 2^k, which keeps white noise at its sigma
 * on every scale, and divided by the part's RMS. White noise gives 1 at every scale; noise
 * that cameras smoothed gives little at the finest scales and more at coarse ones.
 *
 * Prints one JSON object on stdout: per source the median noise RMS and the median profile of
 * each part, finest scale first.
 * Usage: npm run bench:noise-profile
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { addCameraNoise } from '../src/ml/data/camera-noise';
import { decodeImage } from '../src/ml/data/decode-image';
import { Rng } from '../src/ml/data/rng';
import { findSharedDir } from './lib/peers';
import { median, round } from './lib/stats';

const SCALES = 5;
const CROP = 128;
const SYNTHETIC_CROPS = 60;

interface Profile {
  rms: number;
  luma: number[];
  chroma: number[];
}

/** White-normalised diagonal Haar detail per scale, over the part's RMS. */
function scaleProfile(field: Float64Array, width: number, height: number): number[] {
  let rms = 0;
  for (const v of field) rms += v * v;
  rms = Math.sqrt(rms / field.length);
  const out: number[] = [];
  let f = field;
  let w = width;
  let h = height;
  for (let k = 0; k < SCALES; k++) {
    let sum = 0;
    let count = 0;
    for (let y = 0; y + 1 < h; y += 2) {
      for (let x = 0; x + 1 < w; x += 2) {
        const i = y * w + x;
        const d = ((f[i] as number) - (f[i + 1] as number) - (f[i + w] as number) + (f[i + w + 1] as number)) / 2;
        sum += d * d;
        count++;
      }
    }
    out.push((Math.sqrt(sum / count) * 2 ** k) / rms);
    const nw = w >> 1;
    const nh = h >> 1;
    const coarser = new Float64Array(nw * nh);
    for (let y = 0; y < nh; y++) {
      for (let x = 0; x < nw; x++) {
        const i = 2 * y * w + 2 * x;
        coarser[y * nw + x] = ((f[i] as number) + (f[i + 1] as number) + (f[i + w] as number) + (f[i + w + 1] as number)) / 4;
      }
    }
    f = coarser;
    w = nw;
    h = nh;
  }
  return out;
}

/** Profile of noisy - reference, both RGB in [0, 1] of the same size. */
function profileOf(noisy: Float32Array, reference: Float32Array, width: number, height: number): Profile {
  const luma = new Float64Array(width * height);
  const chroma = new Float64Array(width * height);
  let squares = 0;
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = [0, 1, 2].map((c) => 255 * ((noisy[p * 3 + c] as number) - (reference[p * 3 + c] as number))) as [number, number, number];
    luma[p] = (r + g + b) / 3;
    chroma[p] = (r - b) / 2;
    squares += (r * r + g * g + b * b) / 3;
  }
  return { rms: Math.sqrt(squares / (width * height)), luma: scaleProfile(luma, width, height), chroma: scaleProfile(chroma, width, height) };
}

function summary(profiles: Profile[]): Record<string, unknown> {
  const part = (key: 'luma' | 'chroma'): number[] => Array.from({ length: SCALES }, (_, k) => round(median(profiles.map((p) => p[key][k] as number)), 2));
  return { count: profiles.length, rms: round(median(profiles.map((p) => p.rms)), 2), luma: part('luma'), chroma: part('chroma') };
}

async function main(): Promise<void> {
  const shared = findSharedDir();
  if (shared === null) throw new Error('../shared not found (set DENOISE_SHARED)');
  const pairs = join(shared, 'datasets', 'real-noise-val');
  const real: Profile[] = [];
  for (const name of (await readdir(join(pairs, 'noisy'))).sort()) {
    const noisy = await decodeImage(join(pairs, 'noisy', name), { channels: 3 });
    const reference = await decodeImage(join(pairs, 'reference', name), { channels: 3 });
    real.push(profileOf(noisy.data, reference.data, noisy.width, noisy.height));
  }
  const trainDir = join(shared, 'datasets', 'cbsd432');
  const files = (await readdir(trainDir)).sort().slice(0, SYNTHETIC_CROPS);
  const againstReference: Profile[] = [];
  const againstClean: Profile[] = [];
  const rng = new Rng(7);
  for (const file of files) {
    const image = await decodeImage(join(trainDir, file), { channels: 3 });
    const x0 = Math.floor((image.width - CROP) / 2);
    const y0 = Math.floor((image.height - CROP) / 2);
    const crop = new Float32Array(CROP * CROP * 3);
    for (let y = 0; y < CROP; y++) crop.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + CROP) * 3), y * CROP * 3);
    const { noisy, reference } = addCameraNoise(crop, rng, { patches: 1, patchSize: CROP, channels: 3 });
    againstReference.push(profileOf(noisy, reference, CROP, CROP));
    againstClean.push(profileOf(noisy, crop, CROP, CROP));
  }
  const sources = {
    'real-noise-val': summary(real),
    'synthetic, against the camera reference': summary(againstReference),
    'synthetic, against the clean crop': summary(againstClean),
  };
  process.stdout.write(`${JSON.stringify({ bench: 'noise-profile', scales: 'finest first, white noise = 1', sources })}\n`);
}

void main();
