import { DenoiseError } from '../../shared/errors';
import { aaeDefinition } from './aae';
import { aeDefinition } from './autoencoder';
import { caeDefinition } from './contractive';
import { daeDefinition } from './dae-unet';
import { linearDefinition } from './linear-ae';
import type { Model, ModelDefinition, ModelSpec, OptionValue } from './model';
import { coerceOptionStrings } from './options';
import { sparseDefinition } from './sparse';
import { vaeDefinition } from './vae';

/** The one place that maps a `kind` to its definition; the CLI and the UI list kinds from here. */
const DEFINITIONS: ModelDefinition[] = [daeDefinition, aeDefinition, linearDefinition, caeDefinition, sparseDefinition, vaeDefinition, aaeDefinition];

export function listModelKinds(): readonly ModelDefinition[] {
  return DEFINITIONS;
}

export function getModelDefinition(kind: string): ModelDefinition {
  const def = DEFINITIONS.find((d) => d.kind === kind);
  if (!def) {
    const known = DEFINITIONS.map((d) => d.kind).join(', ');
    throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown model kind "${kind}"; known kinds: ${known}`);
  }
  return def;
}

export function resolveModelSpec(kind: string, channels: 1 | 3, options: Record<string, OptionValue>): ModelSpec {
  return { kind, channels, options: getModelDefinition(kind).resolveOptions(options) };
}

/**
 * A kind's options typed as text (the CLI's `--opt KEY=VALUE` and named flags) with each value
 * turned into its option's type. Validation and defaults come after, from `resolveOptions`.
 */
export function parseOptionStrings(kind: string, values: Record<string, string | OptionValue>): Record<string, OptionValue> {
  return coerceOptionStrings(kind, getModelDefinition(kind).options, values);
}

/**
 * A spec read from a model folder, its options checked against the kind's schema (and any
 * option a newer version added filled in with its default): a hand-edited bad option makes a
 * damaged model folder, with the reason.
 */
export function resolveStoredSpec(spec: ModelSpec, where: string): ModelSpec {
  const definition = getModelDefinition(spec.kind); // unknown kinds fail here with the list of known ones
  try {
    return { ...spec, options: definition.resolveOptions(spec.options) };
  } catch (err) {
    if (err instanceof DenoiseError && err.code === 'E_INVALID_ARGUMENT') throw new DenoiseError('E_MODEL_CORRUPT', `${where} holds options its model cannot use: ${err.message}`);
    throw err;
  }
}

export function createModel(spec: ModelSpec, seed: number): Model {
  return getModelDefinition(spec.kind).create(spec, seed);
}
