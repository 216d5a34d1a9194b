import type { KindInfo, OptionDescriptor } from '../../shared/contract';
import type { ModelDefinition, OptionValue } from '../models/model';
import { resolveModelSpec } from '../models/registry';

/**
 * Turns the registry's model definitions into what the UI draws, so the Train view never
 * hard-codes a kind or an option. A definition may list its options itself (`optionSchema`);
 * otherwise they are derived from `resolveOptions`: its defaults give the keys and types, and
 * one deliberately wrong value per key makes the shared option readers (models/options.ts)
 * state the allowed choices or range in their one error wording.
 */
interface WithSchema {
  optionSchema?: readonly OptionDescriptor[];
  generative?: boolean;
}

const PROBE = '\u0000probe';

function probeMessage(def: ModelDefinition, key: string): string {
  try {
    def.resolveOptions({ [key]: PROBE });
    return '';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function describeOption(def: ModelDefinition, key: string, value: OptionValue): OptionDescriptor {
  if (typeof value === 'boolean') return { key, type: 'boolean', default: value };
  const message = probeMessage(def, key);
  if (typeof value === 'number') {
    const range = /in \[(-?[\d.e+-]+|-?Infinity), (-?[\d.e+-]+|Infinity)\]/.exec(message);
    const descriptor: OptionDescriptor = { key, type: 'number', default: value };
    if (range) {
      const min = Number(range[1]);
      const max = Number(range[2]);
      if (Number.isFinite(min)) descriptor.min = min;
      if (Number.isFinite(max)) descriptor.max = max;
    }
    if (/an integer/.test(message) || (!range && Number.isInteger(value))) descriptor.integer = /an integer/.test(message);
    return descriptor;
  }
  const choices = /must be one of (.+?), got/.exec(message);
  if (choices?.[1]) {
    const list = choices[1].split(', ').map((c) => c.trim()).filter(Boolean);
    if (list.includes(value)) return { key, type: 'choice', default: value, choices: list };
  }
  return { key, type: 'text', default: value };
}

/** Whether models of this kind can sample images; built once at the smallest preset to find out. */
function isGenerative(def: ModelDefinition, defaults: Record<string, OptionValue>): boolean {
  const declared = (def as ModelDefinition & WithSchema).generative;
  if (typeof declared === 'boolean') return declared;
  try {
    const spec = resolveModelSpec(def.kind, 1, defaults);
    const model = def.create(spec, 0);
    const generative = model.generative !== undefined;
    model.dispose();
    return generative;
  } catch {
    return false;
  }
}

export function describeKind(def: ModelDefinition): KindInfo {
  const schema = (def as ModelDefinition & WithSchema).optionSchema;
  const defaults = def.resolveOptions({});
  const options = schema ? [...schema] : Object.entries(defaults).map(([key, value]) => describeOption(def, key, value));
  return { kind: def.kind, title: def.title, description: def.description, options, generative: isGenerative(def, defaults) };
}
