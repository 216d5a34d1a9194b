import { DenoiseError } from '../../shared/errors';
import { aeDefinition } from './autoencoder';
import { caeDefinition } from './contractive';
import { daeDefinition } from './dae-unet';
import { linearDefinition } from './linear-ae';
import type { Model, ModelDefinition, ModelSpec, OptionValue } from './model';
import { sparseDefinition } from './sparse';
import { vaeDefinition } from './vae';

/** The one place that maps a `kind` to its definition; the CLI and the UI list kinds from here. */
const DEFINITIONS: ModelDefinition[] = [daeDefinition, aeDefinition, linearDefinition, caeDefinition, sparseDefinition, vaeDefinition];

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

export function createModel(spec: ModelSpec, seed: number): Model {
  return getModelDefinition(spec.kind).create(spec, seed);
}
