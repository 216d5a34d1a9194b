import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import type { ModelDefinition } from '../models/model';
import { optionBoolean, optionChoice, optionNumber } from '../models/options';
import { listModelKinds } from '../models/registry';
import { describeKind } from './kind-descriptors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fake: ModelDefinition = {
  kind: 'fake',
  title: 'Fake',
  description: 'for tests',
  resolveOptions: (o) => ({
    size: optionChoice(o, 'size', ['s', 'm'] as const, 's'),
    depth: optionNumber(o, 'depth', 3, { min: 1, max: 9, integer: true }),
    beta: optionNumber(o, 'beta', 0.5, { min: 0, max: 10 }),
    tied: optionBoolean(o, 'tied', false),
    note: typeof o['note'] === 'string' ? o['note'] : 'x',
  }),
  create: () => {
    throw new DenoiseError('E_INTERNAL', 'not built in this test');
  },
};

describe('kind descriptors', () => {
  it('derives choices, ranges and types from resolveOptions', () => {
    expect(describeKind(fake)).toEqual({
      kind: 'fake',
      title: 'Fake',
      description: 'for tests',
      generative: false,
      options: [
        { key: 'size', type: 'choice', default: 's', choices: ['s', 'm'] },
        { key: 'depth', type: 'number', default: 3, min: 1, max: 9, integer: true },
        { key: 'beta', type: 'number', default: 0.5, min: 0, max: 10 },
        { key: 'tied', type: 'boolean', default: false },
        { key: 'note', type: 'text', default: 'x' },
      ],
    });
  });

  it('describes every registered kind, and its defaults validate', () => {
    for (const def of listModelKinds()) {
      const info = describeKind(def);
      expect(info.kind).toBe(def.kind);
      const defaults = Object.fromEntries(info.options.map((o) => [o.key, o.default]));
      expect(() => def.resolveOptions(defaults)).not.toThrow();
      for (const o of info.options) if (o.type === 'choice') expect(o.choices).toContain(o.default);
    }
  });

  it('marks the kinds that can sample images', () => {
    const kinds = listModelKinds().map(describeKind);
    expect(kinds.find((k) => k.kind === 'dae')?.generative).toBe(false);
    const vae = kinds.find((k) => k.kind === 'vae');
    if (vae) expect(vae.generative).toBe(true);
  });
});
