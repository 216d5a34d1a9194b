import { basename } from 'node:path';
import type { CompareReport, CompareRow } from '../../shared/contract';
import { DenoiseError, toErrorInfo } from '../../shared/errors';
import { formatNoiseSpec, type NoiseSpec } from '../../shared/noise';
import { loadModel, type LoadedModel } from '../store/model-files';
import { evaluateModel } from './evaluate';

/**
 * Several models on the same images with the same noise: each evaluation starts the noise
 * stream from the same seed, so every model denoises bit-identical inputs and the table
 * compares models, not noise draws. Models are loaded one at a time, so memory holds one; a
 * model that cannot be loaded or scored is reported and the others are still compared.
 */
export type { CompareReport, CompareRow };

export interface CompareOptions {
  gpu: boolean;
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
  const failed: CompareReport['failed'] = [];
  let skipped: CompareReport['skipped'] = [];
  for (const [index, dir] of modelDirs.entries()) {
    if (options.signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Comparison cancelled');
    options.onModel?.(index, modelDirs.length, dir);
    let loaded: LoadedModel | null = null;
    const started = performance.now();
    try {
      loaded = await loadModel(dir);
      const report = await evaluateModel(loaded.model, dataDir, {
        gpu: options.gpu,
        noise: options.noise,
        seed: options.seed,
        ...(options.recursive === undefined ? {} : { recursive: options.recursive }),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onImage ? { onImage: (done: number, total: number) => options.onImage?.(done, total) } : {}),
      });
      skipped = report.skipped;
      rows.push({
        name: loaded.meta.name || basename(dir),
        dir,
        kind: loaded.meta.spec.kind,
        channels: loaded.meta.spec.channels,
        images: report.images.length,
        psnr: report.psnr,
        ssim: report.ssim,
        noisyPsnr: report.noisyPsnr,
        noisySsim: report.noisySsim,
        seconds: (performance.now() - started) / 1000,
      });
    } catch (err) {
      // No images at all is the data's fault, not one model's: every row would fail the same way.
      if (err instanceof DenoiseError && (err.code === 'E_CANCELLED' || err.code === 'E_NO_IMAGES')) throw err;
      failed.push({ dir, error: toErrorInfo(err) });
    } finally {
      loaded?.model.dispose();
    }
  }
  return { noise: formatNoiseSpec(options.noise), seed: options.seed, data: dataDir, rows, failed, skipped };
}

/** The report as one aligned text table, best PSNR first marked with '*'. */
export function formatCompareTable(report: CompareReport): string {
  const best = Math.max(...report.rows.map((r) => r.psnr));
  const failures = report.failed.map((f) => `failed: ${f.dir}: ${f.error.message} [${f.error.code}]`);
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
    ...failures,
  ].join('\n');
}
