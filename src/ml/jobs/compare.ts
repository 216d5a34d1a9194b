import { basename } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { formatNoiseSpec, type NoiseSpec } from '../../shared/noise';
import { loadModel } from '../store/model-files';
import { evaluateModel, type EvaluationReport } from './evaluate';

/**
 * Several models on the same images with the same noise: each evaluation starts the noise
 * stream from the same seed, so every model denoises bit-identical inputs and the table
 * compares models, not noise draws. Models are loaded one at a time, so memory holds one.
 */
export interface CompareRow {
  name: string;
  dir: string;
  kind: string;
  channels: 1 | 3;
  images: number;
  psnr: number;
  ssim: number;
  noisyPsnr: number;
  noisySsim: number;
  seconds: number;
}

export interface CompareReport {
  noise: string;
  seed: number;
  data: string;
  rows: CompareRow[];
  skipped: EvaluationReport['skipped'];
}

export interface CompareOptions {
  backend: string;
  gpu?: boolean;
  noise: NoiseSpec;
  seed: number;
  recursive?: boolean;
  signal?: AbortSignal;
  /** Called as each model starts, and with each of its images. */
  onModel?: (index: number, total: number, dir: string) => void;
  onImage?: (done: number, total: number) => void;
}

export async function compareModels(modelDirs: readonly string[], dataDir: string, options: CompareOptions): Promise<CompareReport> {
  if (modelDirs.length === 0) throw new DenoiseError('E_INVALID_ARGUMENT', 'Give at least one model to compare');
  const rows: CompareRow[] = [];
  let skipped: EvaluationReport['skipped'] = [];
  for (const [index, dir] of modelDirs.entries()) {
    options.onModel?.(index, modelDirs.length, dir);
    const { model, meta } = await loadModel(dir);
    const started = performance.now();
    try {
      const report = await evaluateModel(model, dataDir, {
        backend: options.backend,
        gpu: options.gpu ?? false,
        noise: options.noise,
        seed: options.seed,
        ...(options.recursive === undefined ? {} : { recursive: options.recursive }),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onImage ? { onImage: (done: number, total: number) => options.onImage?.(done, total) } : {}),
      });
      skipped = report.skipped;
      rows.push({
        name: meta.name || basename(dir),
        dir,
        kind: meta.spec.kind,
        channels: meta.spec.channels,
        images: report.images.length,
        psnr: report.psnr,
        ssim: report.ssim,
        noisyPsnr: report.noisyPsnr,
        noisySsim: report.noisySsim,
        seconds: (performance.now() - started) / 1000,
      });
    } finally {
      model.dispose();
    }
  }
  return { noise: formatNoiseSpec(options.noise), seed: options.seed, data: dataDir, rows, skipped };
}

/** The report as one aligned text table, best PSNR first marked with '*'. */
export function formatCompareTable(report: CompareReport): string {
  const best = Math.max(...report.rows.map((r) => r.psnr));
  const header = ['model', 'kind', 'images', 'PSNR dB', 'SSIM', 'noisy PSNR', 'noisy SSIM', 'seconds'];
  const body = report.rows.map((r) => [
    `${r.psnr === best ? '*' : ' '}${r.name}`,
    r.kind,
    String(r.images),
    r.psnr.toFixed(2),
    r.ssim.toFixed(4),
    r.noisyPsnr.toFixed(2),
    r.noisySsim.toFixed(4),
    r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [
    `noise ${report.noise}, seed ${report.seed}, images from ${report.data}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}
