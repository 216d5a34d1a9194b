import { promises as fs } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { OUTPUT_EXTENSION, OUTPUT_FORMAT_OF_EXTENSION, type OutputFormat } from '../../shared/image-formats';
import { decodeImage } from '../data/decode-image';
import { encodeImage } from '../data/encode-image';
import { denoiseNote } from '../data/metadata';
import { scanImageFolder } from '../data/scan-folder';
import { applyModel } from '../infer/apply-model';
import { estimateNoiseLevel } from '../noise-estimate';
import type { Model } from '../models/model';

/**
 * Denoises one file or every image of a folder into an output folder. Each output is written
 * atomically; a file that fails is reported and the batch goes on, so one bad photo never costs
 * the others.
 */
export interface DenoiseFilesOptions {
  gpu: boolean;
  outDir: string;
  format?: OutputFormat;
  bitDepth?: 8 | 16;
  /** The model's name (meta.json), recorded in each output's metadata next to "Denoised by". */
  modelName?: string;
  strength?: number;
  /** Noise sigma (0..255) for level-aware models, or 'auto' (the default): estimated per image. Other models ignore it. */
  sigma?: number | 'auto';
  recursive?: boolean;
  tileSize?: number;
  signal?: AbortSignal;
  onFile?: (done: number, total: number, file: string) => void;
  onTiles?: (done: number, total: number) => void;
}

export interface DenoiseFilesReport {
  /** `sigma`: the level a level-aware model was given, `estimated` when it came from the image. */
  written: { input: string; output: string; sigma?: number; estimated?: boolean }[];
  failed: { file: string; code: string; message: string }[];
}


export function outputPathFor(input: string, inputRoot: string, outDir: string, format?: OutputFormat): { path: string; format: OutputFormat } {
  const chosen = format ?? OUTPUT_FORMAT_OF_EXTENSION[extname(input).toLowerCase()] ?? 'png';
  const rel = inputRoot === input ? basename(input) : relative(inputRoot, input);
  const stem = rel.slice(0, rel.length - extname(rel).length);
  return { path: join(outDir, stem + OUTPUT_EXTENSION[chosen]), format: chosen };
}

export async function denoiseFiles(model: Model, input: string, options: DenoiseFilesOptions): Promise<DenoiseFilesReport> {
  const root = resolve(input);
  const outDir = resolve(options.outDir);
  const existing = await fs.stat(outDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new DenoiseError('E_INVALID_ARGUMENT', `${outDir} is a file; give a folder for the denoised images`);
  const scan = await scanImageFolder(root, { recursive: options.recursive ?? false });
  if (scan.files.length === 0) {
    const why = scan.skipped.length ? `every file was skipped (first: ${scan.skipped[0]?.file}: ${scan.skipped[0]?.message})` : 'it has no images';
    throw new DenoiseError('E_NO_IMAGES', `Nothing to denoise in ${root}: ${why}`);
  }
  const report: DenoiseFilesReport = { written: [], failed: scan.skipped.map((s) => ({ ...s })) };
  for (const [i, file] of scan.files.entries()) {
    if (options.signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Denoising cancelled');
    options.onFile?.(i, scan.files.length, file);
    const out = outputPathFor(file, root, outDir, options.format);
    if (resolve(out.path) === file) {
      report.failed.push({ file, code: 'E_INVALID_ARGUMENT', message: 'the output would overwrite the input; choose another --out folder' });
      continue;
    }
    try {
      const image = await decodeImage(file);
      const estimated = model.takesNoiseLevel && (options.sigma ?? 'auto') === 'auto';
      const sigma = !model.takesNoiseLevel ? undefined : estimated ? (await estimateNoiseLevel(image)).sigma : (options.sigma as number);
      const result = await applyModel(model, image, {
        gpu: options.gpu,
        ...(sigma === undefined ? {} : { sigma }),
        ...(options.strength === undefined ? {} : { strength: options.strength }),
        ...(options.tileSize === undefined ? {} : { tileSize: options.tileSize }),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onTiles ? { onProgress: options.onTiles } : {}),
      });
      await fs.mkdir(join(out.path, '..'), { recursive: true });
      await encodeImage(result, out.path, { format: out.format, ...(options.bitDepth ? { bitDepth: options.bitDepth } : {}), note: denoiseNote(options.modelName) });
      report.written.push({ input: file, output: out.path, ...(sigma === undefined ? {} : { sigma, estimated }) });
    } catch (err) {
      if (err instanceof DenoiseError && err.code === 'E_CANCELLED') throw err;
      const e = err as DenoiseError;
      report.failed.push({ file, code: e.code ?? 'E_INTERNAL', message: e.message });
    }
  }
  options.onFile?.(scan.files.length, scan.files.length, '');
  return report;
}
