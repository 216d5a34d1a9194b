import { z } from 'zod';
import { PIXEL_SHUFFLE_STRIDE_LIMIT } from '../../shared/training';

/** meta.json of a model folder. Validated on every load: a foreign or damaged file is refused. */
const tensorIndex = z.object({
  file: z.string().regex(/^[\w.-]+$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() })),
});

const optionValue = z.union([z.number(), z.string(), z.boolean()]);

export const modelMetaSchema = z.object({
  format: z.literal('denoise-studio-model'),
  formatVersion: z.number().int().positive(),
  name: z.string(),
  spec: z.object({
    kind: z.string(),
    channels: z.union([z.literal(1), z.literal(3)]),
    options: z.record(z.string(), optionValue),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
  engineVersion: z.string(),
  backend: z.string(),
  training: z
    .object({
      noise: z.string(),
      patchSize: z.number(),
      batchSize: z.number(),
      learningRate: z.number(),
      seed: z.number(),
      steps: z.number(),
      epochs: z.number(),
      elapsedMs: z.number(),
      stopReason: z.string(),
      dataset: z.object({
        roots: z.array(z.string()),
        trainImages: z.number(),
        valImages: z.number(),
        skipped: z.number(),
        channels: z.number(),
      }),
      options: z.record(z.string(), optionValue).optional(),
      /** A fine-tuned model's starting point: that model's name and the steps it had (not a path). */
      initFrom: z.object({ name: z.string(), steps: z.number() }).optional(),
    })
    .nullable(),
  metrics: z.record(z.string(), z.number()),
  /**
   * How denoising must feed the net, beyond the spec. Written by self-supervised pixel-shuffle
   * runs: `pixelShuffleStride` S > 1 denoises through a split of stride S
   * (ml/infer/pixel-shuffle.ts), 1 feeds the whole photo. Absent (every other model, and every
   * model saved before it existed): feed it as is.
   */
  inference: z.object({ pixelShuffleStride: z.number().int().min(PIXEL_SHUFFLE_STRIDE_LIMIT.min).max(PIXEL_SHUFFLE_STRIDE_LIMIT.max) }).optional(),
  weights: tensorIndex,
  optimizer: tensorIndex.extend({ name: z.string(), step: z.number() }).optional(),
});

export type ModelMeta = z.infer<typeof modelMetaSchema>;
export type TrainingSummary = NonNullable<ModelMeta['training']>;
export type InferenceSettings = NonNullable<ModelMeta['inference']>;
