import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DenoiseError } from '../../shared/errors';
import { daeDefinition } from './dae-unet';
import { describeKind } from './kind-info';
import { defineKind, optionFields } from './options';
import { createModel, listModelKinds, resolveModelSpec } from './registry';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fake = defineKind({
  kind: 'fake',
  title: 'Fake',
  description: 'for tests',
  options: z
    .object({
      size: z.enum(['s', 'm']).default('s').meta({ label: 'Size', help: 's or m' }),
      depth: z.number().int().min(1).max(9).default(3).meta({ label: 'Depth' }),
      beta: z.number().min(0).max(10).default(0.5).meta({ label: 'Beta', help: 'KL weight' }),
      tied: z.boolean().default(false).meta({ label: 'Tied' }),
      width: z.number().int().min(2).max(64).optional().meta({ label: 'Width', help: 'twice the depth by default' }),
    })
    .strict()
    .transform(({ width, ...o }) => ({ ...o, width: width ?? 2 * o.depth })),
  create: () => {
    throw new DenoiseError('E_INTERNAL', 'not built in this test');
  },
});

describe('kind descriptors', () => {
  it('are read from the option schema: labels, help, choices, ranges, and defaults (a dependent one as resolved)', () => {
    expect(describeKind(fake)).toEqual({
      kind: 'fake',
      title: 'Fake',
      description: 'for tests',
      generative: false,
      // No recipe: the engine's defaults.
      trainDefaults: { batchSize: 16, learningRate: 1e-3 },
      options: [
        { key: 'size', label: 'Size', help: 's or m', type: 'choice', default: 's', choices: ['s', 'm'] },
        { key: 'depth', label: 'Depth', type: 'number', default: 3, min: 1, max: 9, integer: true },
        { key: 'beta', label: 'Beta', help: 'KL weight', type: 'number', default: 0.5, min: 0, max: 10, integer: false },
        { key: 'tied', label: 'Tied', type: 'boolean', default: false },
        { key: 'width', label: 'Width', help: 'twice the depth by default', type: 'number', default: 6, min: 2, max: 64, integer: true },
      ],
    });
  });

  it("carry a kind's measured recipe (the dae's batch 8 at rate 2e-3), which the CLI and the Train view use when none is set", () => {
    expect(describeKind(daeDefinition).trainDefaults).toEqual({ batchSize: 8, learningRate: 2e-3 });
  });

  it('mark the options a fine-tuning run may set anew (the dae loss), and only those', () => {
    const objective = describeKind(daeDefinition).options.filter((o) => o.objective).map((o) => o.key);
    expect(objective).toEqual(['loss']);
    // Every declared objective option names a real option of its kind.
    for (const def of listModelKinds()) {
      const keys = describeKind(def).options.map((o) => o.key);
      for (const key of def.objectiveOptions ?? []) expect(keys, `${def.kind}.${key}`).toContain(key);
    }
  });

  it('refuse a field with no label or no range, so every kind stays drawable', () => {
    const unlabelled = z.object({ a: z.boolean().default(true) }).strict();
    expect(() => optionFields('x', unlabelled)).toThrow(/"a" of the x model has no label/);
    const unbounded = z.object({ a: z.number().default(1).meta({ label: 'A' }) }).strict();
    expect(() => optionFields('x', unbounded)).toThrow(/needs .min\(\) and .max\(\)/);
  });

  it('match every registered kind: each descriptor is its schema field, and the defaults resolve to themselves', () => {
    for (const def of listModelKinds()) {
      const info = describeKind(def);
      const fields = optionFields(def.kind, def.options);
      expect(info.options.map((o) => o.key)).toEqual(fields.map((f) => f.key));
      for (const [i, o] of info.options.entries()) {
        const field = fields[i];
        expect(o.label.length, `${def.kind}.${o.key} label`).toBeGreaterThan(0);
        expect(o.help, `${def.kind}.${o.key} help`).toBeTruthy();
        if (o.type === 'number' && field?.type === 'number') {
          expect([o.min, o.max, o.integer]).toEqual([field.min, field.max, field.integer]);
          expect(o.default).toBeGreaterThanOrEqual(field.min);
          expect(o.default).toBeLessThanOrEqual(field.max);
        } else if (o.type === 'choice' && field?.type === 'choice') {
          expect(o.choices).toEqual(field.choices);
          expect(o.choices).toContain(o.default);
        } else expect(o.type).toBe(field?.type);
        if (field?.default !== undefined) expect(o.default).toBe(field.default);
      }
      // What the Train view sends when nothing is changed is a valid request.
      const sent = Object.fromEntries(info.options.map((o) => [o.key, o.default]));
      expect(() => def.resolveOptions(sent), def.kind).not.toThrow();
    }
  });

  it('mark the kinds that can sample images, as their models do', () => {
    for (const def of listModelKinds()) {
      const model = createModel(resolveModelSpec(def.kind, 1, {}), 0);
      expect(describeKind(def).generative, def.kind).toBe(model.generative !== undefined);
      model.dispose();
    }
    expect(describeKind(listModelKinds().find((d) => d.kind === 'vae') ?? fake).generative).toBe(true);
  });
});
