import { promises as fs } from 'node:fs';
import { basename, extname } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { OUTPUT_EXTENSION, type OutputFormat } from '../../shared/image-formats';
import { decodeImage } from '../data/decode-image';
import { encodeImage } from '../data/encode-image';
import { denoiseNote } from '../data/metadata';
import type { FloatImage } from '../data/image';
import { applyModel, type ApplyOptions } from '../infer/apply-model';
import type { Model } from '../models/model';
import { estimateNoiseLevel } from '../noise-estimate';
import { freePath } from '../store/free-path';

/**
 * One photo through a model: for the app's before/after preview (both images returned) and its
 * "export" (written to a new file). Colour photos stay colour with gray models (applyModel
 * denoises each channel). Folders go through denoiseFiles.
 */
export type DenoiseOptions = Pick<ApplyOptions, 'gpu' | 'strength' | 'sigma' | 'signal' | 'onProgress'>;

/**
 * The options with the level a level-aware model needs: the given sigma, else the image's own
 * estimate ("auto"), which is returned so the app can show it. Other models get none.
 */
export async function withLevel(model: Model, image: FloatImage, options: DenoiseOptions): Promise<{ options: DenoiseOptions; estimatedSigma?: number }> {
  if (!model.takesNoiseLevel || options.sigma !== undefined) return { options };
  const estimatedSigma = (await estimateNoiseLevel(image)).sigma;
  return { options: { ...options, sigma: estimatedSigma }, estimatedSigma };
}

export async function denoisePreview(
  model: Model,
  file: string,
  maxSide: number,
  options: DenoiseOptions,
): Promise<{ before: FloatImage; after: FloatImage; estimatedSigma?: number }> {
  const before = await decodeImage(file);
  if (Math.max(before.width, before.height) > maxSide) {
    throw new DenoiseError('E_IMAGE_TOO_LARGE', `${basename(file)} is ${before.width} x ${before.height}; the preview handles up to ${maxSide} px a side. Denoise it with a batch job instead.`);
  }
  const level = await withLevel(model, before, options);
  return { before, after: await applyModel(model, before, level.options), ...(level.estimatedSigma === undefined ? {} : { estimatedSigma: level.estimatedSigma }) };
}

export interface DenoiseToFileOptions extends DenoiseOptions {
  format: OutputFormat;
  bitDepth?: 8 | 16;
  /** The model's name (meta.json), recorded in the output's metadata next to "Denoised by". */
  modelName?: string;
}

/** Denoises `file` into `outDir` as `<name>-denoised.<ext>` (or -2, -3... : nothing is overwritten); returns the path. */
export async function denoiseToFile(model: Model, file: string, outDir: string, options: DenoiseToFileOptions): Promise<string> {
  const image = await decodeImage(file);
  const result = await applyModel(model, image, (await withLevel(model, image, options)).options);
  await fs.mkdir(outDir, { recursive: true });
  const output = await freePath(outDir, `${basename(file, extname(file))}-denoised`, OUTPUT_EXTENSION[options.format]);
  await encodeImage(result, output, { format: options.format, ...(options.bitDepth ? { bitDepth: options.bitDepth } : {}), note: denoiseNote(options.modelName) });
  return output;
}
