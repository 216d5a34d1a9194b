import type { KindInfo, OptionDescriptor } from '../../shared/contract';
import { TRAIN_DEFAULTS } from '../../shared/training';
import type { ModelDefinition } from './model';
import { optionFields, type OptionField } from './options';

/**
 * What the UI draws for a kind, read from its option schema (options.ts), so the Train view never
 * hard-codes a kind or an option. An option whose default depends on others (declared optional)
 * shows the value it takes when every other option keeps its default.
 */
function describeField(field: OptionField, resolvedDefaults: Record<string, unknown>, objective: readonly string[]): OptionDescriptor {
  const fallback = field.default ?? resolvedDefaults[field.key];
  const base = {
    key: field.key,
    label: field.label,
    ...(field.help === undefined ? {} : { help: field.help }),
    ...(objective.includes(field.key) ? { objective: true } : {}),
  };
  switch (field.type) {
    case 'number':
      return { ...base, type: 'number', default: typeof fallback === 'number' ? fallback : field.min, min: field.min, max: field.max, integer: field.integer };
    case 'choice':
      return { ...base, type: 'choice', default: typeof fallback === 'string' ? fallback : (field.choices[0] ?? ''), choices: field.choices };
    case 'boolean':
      return { ...base, type: 'boolean', default: fallback === true };
  }
}

export function describeKind(def: ModelDefinition): KindInfo {
  const defaults = def.resolveOptions({});
  return {
    kind: def.kind,
    title: def.title,
    description: def.description,
    options: optionFields(def.kind, def.options).map((field) => describeField(field, defaults, def.objectiveOptions ?? [])),
    generative: def.generative,
    trainDefaults: {
      batchSize: def.recipe?.batchSize ?? TRAIN_DEFAULTS.batchSize,
      learningRate: def.recipe?.learningRate ?? TRAIN_DEFAULTS.learningRate,
    },
  };
}
