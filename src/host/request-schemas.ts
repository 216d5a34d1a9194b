import { z } from 'zod';
import { BACKEND_CHOICES } from '../shared/backend';
import type { Channel, RequestOf } from '../shared/contract';
import { IMAGE_VIEWS, LAB_LIMITS, LAB_VIEWS, TOY_DATASETS, TOY_KINDS } from '../shared/explore';
import { holds16Bit, OUTPUT_FORMATS } from '../shared/image-formats';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../shared/models';
import type { NoiseSpec } from '../shared/noise';
import { BLIND_SPOT_LIMITS, PIXEL_SHUFFLE_STRIDE_LIMIT, TRAIN_LIMITS, type NumberLimit } from '../shared/training';

/**
 * Run-time schemas for every request that enters a host (Electron main over IPC, the web
 * server over its socket). The renderer is treated as untrusted: each payload is parsed here
 * before a handler sees it, and each schema is checked against the contract's type at compile
 * time, so a contract change that is not reflected here fails the type check.
 */
const path = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');
const id = z.string().regex(/^[\w-]{1,64}$/);
const finite = z.number().finite();

const singleNoiseSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('gaussian'), sigma: finite.min(0).max(255), sigmaMax: finite.min(0).max(255).optional() }).strict(),
  z.object({ type: z.literal('salt-pepper'), amount: finite.min(0).max(1) }).strict(),
  z.object({ type: z.literal('masking'), fraction: finite.min(0).max(1) }).strict(),
  z.object({ type: z.literal('poisson-gaussian'), peak: finite.min(1e-3).max(1e6), sigma: finite.min(0).max(255) }).strict(),
  z.object({ type: z.literal('camera') }).strict(),
]);

export const noiseSchema: z.ZodType<NoiseSpec> = z.union([
  singleNoiseSchema,
  z.object({ type: z.literal('mix'), parts: z.array(singleNoiseSchema).min(2).max(8) }).strict(),
]) as z.ZodType<NoiseSpec>;

const optionValue = z.union([finite, z.string().max(256), z.boolean()]);
const outputFormat = z.enum(OUTPUT_FORMATS);
/** null: each output at its source's depth. */
const bitDepth = z.union([z.literal(8), z.literal(16)]).nullable();
const modelName = z.string().regex(MODEL_NAME_PATTERN, `use ${MODEL_NAME_RULE}`);
/** Noise level on the 0-255 scale for level-aware models; null: estimate it from the image. */
const sigma = finite.min(0).max(255).nullable();

/** A number within one of the shared limits (training settings, the Explore lab). */
function within(limit: NumberLimit): z.ZodNumber {
  const n = finite.min(limit.min).max(limit.max);
  return limit.integer ? n.int() : n;
}
const limited = (key: keyof typeof TRAIN_LIMITS): z.ZodNumber => within(TRAIN_LIMITS[key]);
const labLimited = (key: keyof typeof LAB_LIMITS): z.ZodNumber => within(LAB_LIMITS[key]);
const none = z.null();

/** A self-supervised run's settings (shared/training.ts selfSupervisedSettings): blind spots, pixel-shuffle strides. */
const selfSupervised = z
  .object({
    fraction: within(BLIND_SPOT_LIMITS.fraction),
    radius: within(BLIND_SPOT_LIMITS.radius),
    pixelShuffleStride: within(PIXEL_SHUFFLE_STRIDE_LIMIT).optional(),
    pixelShuffleInferenceStride: within(PIXEL_SHUFFLE_STRIDE_LIMIT).optional(),
  })
  .strict()
  .refine((s) => s.pixelShuffleInferenceStride === undefined || s.pixelShuffleInferenceStride <= (s.pixelShuffleStride ?? 1), 'the inference stride cannot exceed the training stride');

type Schemas = { [C in Channel]: z.ZodType<RequestOf<C>> };

export const REQUEST_SCHEMAS: Schemas = {
  'app:info': none,
  'settings:get': none,
  'settings:set': z
    .object({
      backend: z.enum(BACKEND_CHOICES as [string, ...string[]]).optional(),
      modelsDir: path.optional(),
      outputDir: path.optional(),
      theme: z.enum(['system', 'light', 'dark']).optional(),
    })
    .strict() as z.ZodType<RequestOf<'settings:set'>>,
  'backend:report': z.object({ refresh: z.boolean() }).strict(),
  'kinds:list': none,
  'fs:list': z.object({ path: path.nullable() }).strict(),
  'dialog:open': z.object({ what: z.enum(['folder', 'images']) }).strict(),
  'datasets:scan': z.object({ path, recursive: z.boolean() }).strict(),
  'datasets:preview': z.object({ file: path, noise: noiseSchema, size: z.number().int().min(16).max(512), seed: z.number().int().min(0).max(2 ** 32 - 1) }).strict(),
  'image:open': z.object({ path }).strict(),
  'train:start': z
    .object({
      name: modelName,
      datasetPaths: z.array(path).min(1).max(64),
      overwrite: z.boolean(),
      kind: z.string().regex(/^[\w-]{1,32}$/),
      modelOptions: z.record(z.string().regex(/^[\w-]{1,64}$/), optionValue),
      noise: noiseSchema,
      recursive: z.boolean().optional(),
      channels: z.union([z.literal(1), z.literal(3)]).optional(),
      schedule: z.enum(['cosine', 'constant']).optional(),
      augment: z.boolean().optional(),
      patchSize: limited('patchSize').optional(),
      batchSize: limited('batchSize').optional(),
      epochs: limited('epochs').optional(),
      minutes: limited('minutes').optional(),
      maxSteps: limited('maxSteps').optional(),
      learningRate: limited('learningRate').optional(),
      valFraction: limited('valFraction').optional(),
      validateEvery: limited('validateEvery').optional(),
      checkpointEvery: limited('checkpointEvery').optional(),
      checkpointSeconds: limited('checkpointSeconds').optional(),
      corruptionSamples: limited('corruptionSamples').optional(),
      patience: limited('patience').optional(),
      seed: limited('seed').optional(),
      selfSupervised: selfSupervised.optional(),
      /** A model folder to fine-tune from; the host checks it against the models folder and the grants. */
      initFrom: path.optional(),
    })
    .strict()
    .refine((r) => r.epochs !== undefined || r.minutes !== undefined || r.maxSteps !== undefined, 'give epochs, minutes or a step count') as z.ZodType<
    RequestOf<'train:start'>
  >,
  'train:continue': z
    .object({
      modelDir: path,
      more: z.object({ maxSteps: limited('maxSteps').optional(), minutes: limited('minutes').optional(), epochs: limited('epochs').optional() }).strict(),
    })
    .strict() as z.ZodType<RequestOf<'train:continue'>>,
  'train:pause': z.object({ jobId: id }).strict(),
  'train:resume': z.object({ jobId: id }).strict(),
  'train:cancel': z.object({ jobId: id }).strict(),
  'denoise:preview': z.object({ modelDir: path, file: path, sigma }).strict(),
  'denoise:export': z
    .object({ modelDir: path, file: path, strength: finite.min(0).max(1), sigma, format: outputFormat, bitDepth, outDir: path.nullable() })
    .strict()
    .refine((r) => r.bitDepth !== 16 || holds16Bit(r.format), '16-bit needs PNG or TIFF'),
  'denoise:batch': z
    .object({ modelDir: path, folder: path, strength: finite.min(0).max(1), sigma, format: outputFormat, bitDepth, outDir: path.nullable(), recursive: z.boolean() })
    .strict()
    .refine((r) => r.bitDepth !== 16 || holds16Bit(r.format), '16-bit needs PNG or TIFF'),
  'job:cancel': z.object({ jobId: id }).strict(),
  'models:list': none,
  'models:rename': z.object({ dir: path, name: modelName }).strict(),
  'models:delete': z.object({ dir: path }).strict(),
  'models:import': z.object({ path }).strict(),
  'models:export': z.object({ dir: path, dest: path.nullable() }).strict(),
  'models:compare': z.object({ dirs: z.array(path).min(1).max(32), dataset: path, noise: noiseSchema, seed: z.number().int().min(0).max(2 ** 32 - 1) }).strict(),
  'generate:samples': z
    .object({ modelDir: path, count: z.number().int().min(1).max(64), seed: z.number().int().min(0).max(2 ** 32 - 1), temperature: finite.min(0).max(5) })
    .strict(),
  'generate:interpolate': z.object({ modelDir: path, a: path, b: path, steps: z.number().int().min(2).max(32) }).strict(),
  'explore:lab': z
    .object({
      kind: z.enum(TOY_KINDS),
      versus: z.enum(TOY_KINDS).nullable(),
      data: z.enum(TOY_DATASETS),
      count: labLimited('count'),
      dataNoise: labLimited('dataNoise'),
      seed: labLimited('seed'),
      steps: labLimited('steps'),
      frameEvery: labLimited('frameEvery'),
      views: z.array(z.enum(LAB_VIEWS)).min(1).max(LAB_VIEWS.length).nullable(),
    })
    .strict(),
  'explore:model': z
    .object({
      modelDir: path,
      view: z.enum(IMAGE_VIEWS),
      images: path.nullable(),
      image: path.nullable(),
      sigma: finite.min(0).max(255),
      seed: labLimited('seed'),
    })
    .strict(),
};

/** Parses a request for a channel; the message names the first problem in plain words. */
export function parseRequest<C extends Channel>(channel: C, raw: unknown): { ok: true; value: RequestOf<C> } | { ok: false; message: string } {
  const schema = REQUEST_SCHEMAS[channel] as z.ZodType<RequestOf<C>>;
  const parsed = schema.safeParse(raw === undefined ? null : raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `Invalid request for ${channel}: ${where}${issue?.message ?? 'malformed'}` };
}
