import { z } from 'zod';
import { BACKEND_CHOICES } from '../shared/backend';
import type { Channel, RequestOf } from '../shared/contract';
import type { NoiseSpec } from '../shared/noise';

/**
 * Run-time schemas for every request that enters a host (Electron main over IPC, the web
 * server over its socket). The renderer is treated as untrusted: each payload is parsed here
 * before a handler sees it, and each schema is checked against the contract's type at compile
 * time, so a contract change that is not reflected here fails the type check.
 */
const path = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');
const id = z.string().regex(/^[\w-]{1,64}$/);
const finite = z.number().finite();

export const noiseSchema: z.ZodType<NoiseSpec> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('gaussian'), sigma: finite.min(0).max(255), sigmaMax: finite.min(0).max(255).optional() }).strict(),
  z.object({ type: z.literal('salt-pepper'), amount: finite.min(0).max(1) }).strict(),
  z.object({ type: z.literal('masking'), fraction: finite.min(0).max(1) }).strict(),
  z.object({ type: z.literal('poisson-gaussian'), peak: finite.min(1e-3).max(1e6), sigma: finite.min(0).max(255) }).strict(),
]) as z.ZodType<NoiseSpec>;

const optionValue = z.union([finite, z.string().max(256), z.boolean()]);
const exportFormat = z.enum(['png', 'jpeg', 'webp', 'tiff']);
const bitDepth = z.union([z.literal(8), z.literal(16)]);
const modelName = z.string().regex(/^[\w][\w .()-]{0,63}$/, 'use letters, digits, spaces, dots, dashes and underscores (up to 64)');
const none = z.null();

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
      kind: z.string().regex(/^[\w-]{1,32}$/),
      modelOptions: z.record(z.string().regex(/^[\w-]{1,64}$/), optionValue),
      noise: noiseSchema,
      patchSize: z.number().int().min(16).max(512),
      batchSize: z.number().int().min(1).max(1024),
      epochs: finite.min(0.01).max(1e6).optional(),
      minutes: finite.min(0.01).max(1e6).optional(),
      maxSteps: z.number().int().min(1).max(1e9).optional(),
      learningRate: finite.min(1e-7).max(1),
      validateEvery: z.number().int().min(1).max(1e9),
      checkpointEvery: z.number().int().min(1).max(1e9),
      valFraction: finite.min(0).max(0.9),
      augment: z.boolean(),
      seed: z.number().int().min(0).max(2 ** 32 - 1),
      overwrite: z.boolean(),
    })
    .strict()
    .refine((r) => r.epochs !== undefined || r.minutes !== undefined || r.maxSteps !== undefined, 'give epochs, minutes or a step count') as z.ZodType<
    RequestOf<'train:start'>
  >,
  'train:continue': z
    .object({ modelDir: path, maxSteps: z.number().int().min(1).max(1e9).optional(), minutes: finite.min(0.01).max(1e6).optional() })
    .strict() as z.ZodType<RequestOf<'train:continue'>>,
  'train:pause': z.object({ runId: id }).strict(),
  'train:resume': z.object({ runId: id }).strict(),
  'train:cancel': z.object({ runId: id }).strict(),
  'denoise:preview': z.object({ modelDir: path, file: path }).strict(),
  'denoise:export': z
    .object({ modelDir: path, file: path, strength: finite.min(0).max(1), format: exportFormat, bitDepth, outDir: path.nullable() })
    .strict()
    .refine((r) => r.bitDepth === 8 || r.format === 'png' || r.format === 'tiff', '16-bit needs PNG or TIFF'),
  'denoise:batch': z
    .object({ modelDir: path, folder: path, strength: finite.min(0).max(1), format: exportFormat, bitDepth, outDir: path.nullable(), recursive: z.boolean() })
    .strict()
    .refine((r) => r.bitDepth === 8 || r.format === 'png' || r.format === 'tiff', '16-bit needs PNG or TIFF'),
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
