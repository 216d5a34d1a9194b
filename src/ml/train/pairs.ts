import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import type { TrainConfig } from '../../shared/training';
import { loadImageDataset, type DatasetImage } from '../data/dataset';
import type { FloatImage } from '../data/image';
import { copyPatch, datasetKeyOf, extractValidationPatches } from '../data/patches';
import { Rng, type RngState } from '../data/rng';
import { splitByFile } from '../data/split';
import type { SkippedFile } from '../data/skipped-file';
import type { TrainingData } from './training-source';
import type { ValidationSet } from './validation';

/**
 * Training from paired folders: real noisy photos and their clean references (e.g. long and
 * short exposures), matched by file name. The name is the path relative to its folder without
 * the extension, so noisy/a/x.jpg pairs with clean/a/x.png. Files without a partner, names that
 * are ambiguous in one folder (x.png and x.tif) and pairs whose sizes differ are reported, never
 * guessed at.
 */
export interface ImagePair {
  name: string;
  noisy: FloatImage;
  clean: FloatImage;
}

export interface PairReport {
  pairs: ImagePair[];
  /** Noisy files with no clean partner (relative names). */
  unmatchedNoisy: string[];
  /** Clean files with no noisy partner. */
  unmatchedClean: string[];
  /** Names left out with the reason (ambiguous names, size mismatches). */
  rejected: { name: string; reason: string }[];
  /** Files that could not be loaded at all, from either folder. */
  skipped: SkippedFile[];
}

/** The matching key: relative name without its extension. */
export function pairKey(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? name.slice(0, dot) : name;
}

export interface NameMatch {
  pairs: { key: string; noisy: string; clean: string }[];
  unmatchedNoisy: string[];
  unmatchedClean: string[];
  ambiguous: { key: string; names: string[] }[];
}

/** Matches two lists of relative names by pairKey; pure, for testing and for the report. */
export function matchNames(noisyNames: readonly string[], cleanNames: readonly string[]): NameMatch {
  const group = (names: readonly string[]): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const name of names) map.set(pairKey(name), [...(map.get(pairKey(name)) ?? []), name]);
    return map;
  };
  const noisy = group(noisyNames);
  const clean = group(cleanNames);
  const out: NameMatch = { pairs: [], unmatchedNoisy: [], unmatchedClean: [], ambiguous: [] };
  for (const [key, names] of noisy) {
    const partners = clean.get(key);
    if (!partners) {
      out.unmatchedNoisy.push(...names);
    } else if (names.length > 1 || partners.length > 1) {
      out.ambiguous.push({ key, names: [...names.map((n) => `noisy/${n}`), ...partners.map((n) => `clean/${n}`)] });
    } else {
      out.pairs.push({ key, noisy: names[0] as string, clean: partners[0] as string });
    }
  }
  for (const [key, names] of clean) if (!noisy.has(key)) out.unmatchedClean.push(...names);
  out.pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  out.unmatchedNoisy.sort();
  out.unmatchedClean.sort();
  return out;
}

/** Loads and matches the two folders. Throws E_NO_IMAGES, with the report, when no pair is usable. */
export async function loadImagePairs(
  noisyDir: string,
  cleanDir: string,
  options: { recursive?: boolean; channels?: 1 | 3; minSize?: number } = {},
): Promise<PairReport> {
  const common = { recursive: options.recursive ?? true, ...(options.minSize ? { minSize: options.minSize } : {}) };
  const noisySet = await loadImageDataset([noisyDir], { ...common, ...(options.channels ? { channels: options.channels } : {}) });
  // The clean references follow the noisy images' channel count, so every pair has one shape.
  const cleanSet = await loadImageDataset([cleanDir], { ...common, channels: noisySet.summary.channels });
  const byName = (images: DatasetImage[]): Map<string, FloatImage> => new Map(images.map((e) => [e.name, e.image]));
  const noisyImages = byName(noisySet.images);
  const cleanImages = byName(cleanSet.images);
  const match = matchNames([...noisyImages.keys()], [...cleanImages.keys()]);
  const report: PairReport = {
    pairs: [],
    unmatchedNoisy: match.unmatchedNoisy,
    unmatchedClean: match.unmatchedClean,
    rejected: match.ambiguous.map((a) => ({ name: a.key, reason: `the name is ambiguous: ${a.names.join(', ')}` })),
    skipped: [...noisySet.skipped, ...cleanSet.skipped],
  };
  for (const m of match.pairs) {
    const noisy = noisyImages.get(m.noisy) as FloatImage;
    const clean = cleanImages.get(m.clean) as FloatImage;
    if (noisy.width !== clean.width || noisy.height !== clean.height) {
      report.rejected.push({ name: m.key, reason: `sizes differ: noisy ${noisy.width} x ${noisy.height}, clean ${clean.width} x ${clean.height}` });
    } else {
      report.pairs.push({ name: m.key, noisy, clean });
    }
  }
  if (report.pairs.length === 0) {
    throw new DenoiseError('E_NO_IMAGES', `No usable image pairs in ${noisyDir} and ${cleanDir}. ${describePairReport(report)}`, {
      unmatchedNoisy: report.unmatchedNoisy.slice(0, 20),
      unmatchedClean: report.unmatchedClean.slice(0, 20),
      rejected: report.rejected.slice(0, 20),
    });
  }
  return report;
}

function listSome(names: readonly string[], max = 5): string {
  return names.slice(0, max).join(', ') + (names.length > max ? `, ... (${names.length - max} more)` : '');
}

/** One paragraph a person can act on: how many pairs, and which files were left out and why. */
export function describePairReport(report: PairReport): string {
  const lines = [`Matched ${report.pairs.length} pair(s) by file name.`];
  if (report.unmatchedNoisy.length) lines.push(`${report.unmatchedNoisy.length} noisy file(s) have no clean file of the same name: ${listSome(report.unmatchedNoisy)}.`);
  if (report.unmatchedClean.length) lines.push(`${report.unmatchedClean.length} clean file(s) have no noisy file of the same name: ${listSome(report.unmatchedClean)}.`);
  for (const r of report.rejected.slice(0, 5)) lines.push(`Left out ${r.name}: ${r.reason}.`);
  if (report.rejected.length > 5) lines.push(`... and ${report.rejected.length - 5} more left out.`);
  if (report.skipped.length) lines.push(`${report.skipped.length} file(s) could not be read.`);
  return lines.join(' ');
}

/** The report as skipped-file entries, so it travels through the training events like any other. */
export function pairReportAsSkipped(report: PairReport, noisyDir: string, cleanDir: string): SkippedFile[] {
  return [
    ...report.unmatchedNoisy.map((name) => ({ file: `${noisyDir}/${name}`, code: 'E_NOT_FOUND' as const, message: `no clean image named ${pairKey(name)}.* in ${cleanDir}` })),
    ...report.unmatchedClean.map((name) => ({ file: `${cleanDir}/${name}`, code: 'E_NOT_FOUND' as const, message: `no noisy image named ${pairKey(name)}.* in ${noisyDir}` })),
    ...report.rejected.map((r) => ({ file: r.name, code: 'E_INVALID_ARGUMENT' as const, message: r.reason })),
    ...report.skipped,
  ];
}

interface PairSamplerState {
  version: 1;
  datasetKey: string;
  batches: number;
  rng: RngState;
}

/**
 * Random aligned crops: the same position and symmetry from a noisy image and its clean
 * partner. Image choice is proportional to area, like the single-image sampler.
 */
export class PairedPatchSampler {
  private readonly rng: Rng;
  private readonly cumulative: Float64Array;
  private batches = 0;

  constructor(
    private readonly pairs: readonly ImagePair[],
    private readonly patchSize: number,
    private readonly batchSize: number,
    private readonly augment: boolean,
    seed: number,
    state?: unknown,
  ) {
    const key = datasetKeyOf(pairs.map((p) => p.noisy));
    const saved = state as PairSamplerState | undefined;
    if (saved && (saved.version !== 1 || saved.datasetKey !== key)) {
      throw new DenoiseError('E_INVALID_ARGUMENT', 'The image pairs differ from the ones this run was saved with, so it cannot resume the same sequence.');
    }
    this.rng = saved ? Rng.fromState(saved.rng) : new Rng(seed);
    this.batches = saved?.batches ?? 0;
    this.cumulative = new Float64Array(pairs.length);
    let sum = 0;
    pairs.forEach((p, i) => {
      if (p.noisy.width < patchSize || p.noisy.height < patchSize) {
        throw new DenoiseError('E_IMAGE_TOO_SMALL', `The pair ${p.name} is smaller than the ${patchSize}-pixel patch size`);
      }
      sum += p.noisy.width * p.noisy.height;
      this.cumulative[i] = sum;
    });
  }

  state(): PairSamplerState {
    return { version: 1, datasetKey: datasetKeyOf(this.pairs.map((p) => p.noisy)), batches: this.batches, rng: this.rng.state() };
  }

  next(): { noisy: Float32Array; clean: Float32Array } {
    const size = this.patchSize;
    const channels = this.pairs[0]?.noisy.channels ?? 1;
    const per = size * size * channels;
    const noisy = new Float32Array(this.batchSize * per);
    const clean = new Float32Array(this.batchSize * per);
    const total = this.cumulative[this.cumulative.length - 1] ?? 0;
    for (let b = 0; b < this.batchSize; b++) {
      const u = this.rng.next() * total;
      let i = 0;
      while (i < this.cumulative.length - 1 && (this.cumulative[i] as number) <= u) i++;
      const pair = this.pairs[i] as ImagePair;
      const x = this.rng.int(pair.noisy.width - size + 1);
      const y = this.rng.int(pair.noisy.height - size + 1);
      const t = this.augment ? this.rng.int(8) : 0;
      copyPatch(pair.noisy, x, y, size, t, noisy, b * per);
      copyPatch(pair.clean, x, y, size, t, clean, b * per);
    }
    this.batches++;
    return { noisy, clean };
  }
}

const VAL_PATCHES_MAX = 48;
const VAL_PATCH_SIZE = 96;

function pairedValidation(pairs: readonly ImagePair[]): ValidationSet {
  const smallest = Math.min(...pairs.map((p) => Math.min(p.noisy.width, p.noisy.height)));
  const size = Math.min(VAL_PATCH_SIZE, smallest - (smallest % 4));
  const perImage = Math.max(1, Math.ceil(VAL_PATCHES_MAX / pairs.length));
  const some = pairs.slice(0, VAL_PATCHES_MAX);
  // The validation grid depends only on image sizes, so the two extractions line up.
  const input = extractValidationPatches(some.map((p) => p.noisy), { patchSize: size, perImage });
  const target = extractValidationPatches(some.map((p) => p.clean), { patchSize: size, perImage });
  const count = Math.min(input.count, VAL_PATCHES_MAX);
  const values = count * size * size * input.channels;
  return { count, size, channels: input.channels, input: input.patches.slice(0, values), target: target.patches.slice(0, values) };
}

/** The TrainingData of a paired run; the validation pairs are split off by file name. */
export async function preparePairedData(config: TrainConfig, resumeState?: unknown): Promise<TrainingData> {
  const spec = config.pairs;
  if (!spec) throw new DenoiseError('E_INTERNAL', 'preparePairedData needs config.pairs');
  const report = await loadImagePairs(spec.noisyDir, spec.cleanDir, {
    recursive: config.recursive,
    minSize: config.patchSize,
    ...(config.channels ? { channels: config.channels } : {}),
  });
  const { train, val } = splitByFile(report.pairs, { valFraction: config.valFraction, seed: config.seed });
  const valPairs = val.length > 0 ? val : train;
  const saved = resumeState as { sampler?: unknown } | undefined;
  const sampler = new PairedPatchSampler(train, config.patchSize, config.batchSize, config.augment, config.seed, saved?.sampler);
  const channels = report.pairs[0]?.noisy.channels ?? 1;
  const shape: [number, number, number, number] = [config.batchSize, config.patchSize, config.patchSize, channels];
  const totalPixels = train.reduce((s, p) => s + p.noisy.width * p.noisy.height, 0);
  return {
    channels,
    summary: {
      trainImages: train.length,
      valImages: val.length,
      skipped: pairReportAsSkipped(report, spec.noisyDir, spec.cleanDir).map((s) => ({ file: s.file, code: s.code, message: s.message })),
    },
    stepsPerEpoch: Math.max(1, Math.round(totalPixels / (config.patchSize * config.patchSize * config.batchSize))),
    validation: pairedValidation(valPairs),
    nextBatch() {
      const { noisy, clean } = sampler.next();
      return { input: tf.tensor4d(noisy, shape), target: tf.tensor4d(clean, shape) };
    },
    state: () => ({ sampler: sampler.state() }) as unknown as ReturnType<TrainingData['state']>,
  };
}
