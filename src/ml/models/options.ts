import { z } from 'zod';
import { DenoiseError } from '../../shared/errors';
import type { OptionValue, TrainRecipe } from '../../shared/training';
import type { Model, ModelDefinition, ModelSpec } from './model';

/**
 * Model options: each kind declares its options once, as a zod object schema next to its model,
 * and everything else is derived from that one declaration:
 *
 * - `resolveOptions` (validation and defaults, one error wording for every kind, below);
 * - the typed options the kind's `create`, `patchMultiple` and `warnings` receive (z.output of the
 *   schema, through `defineKind`): no casts in the model files;
 * - the option fields the Train view draws, with label, help, range and choices (kind-info.ts);
 * - the CLI's `--opt KEY=VALUE` and named flags, coerced per option type (`coerceOptionStrings`);
 * - the check of a model folder's meta.json on load (registry.ts `resolveStoredSpec`).
 *
 * How to declare a kind's options (see dae-unet.ts for the plain case, autoencoder.ts and
 * sparse.ts for rules between options):
 *
 *   export const fooOptions = z.object({
 *     size: z.enum(['s', 'm']).default('s').meta({ label: 'Size', help: 's trains fastest' }),
 *     depth: z.number().int().min(1).max(9).default(3).meta({ label: 'Depth', help: 'Levels' }),
 *     tied: z.boolean().default(false).meta({ label: 'Tied decoder', help: 'W\' = W^T' }),
 *   }).strict();
 *   export const fooDefinition = defineKind({ kind: 'foo', ..., options: fooOptions,
 *     create: (spec, options, seed) => createFoo(spec, options.depth, seed) });
 *
 * Each field is a number with .min() and .max() (.int() for counts), an enum (or a literal for a
 * value the kind fixes), or a boolean; it ends with .meta({ label, help }) and has a .default(),
 * unless its default depends on another option. Rules between options go after .strict():
 * `.superRefine((o, ctx) => ...)` refuses contradictions with `reject(ctx, key, message)`, then
 * `.transform(o => ...)` (which runs only when nothing was refused) fills the defaults that depend
 * on other options (declared .optional()) and drops options that do not apply, so meta.json holds
 * only what the model uses. The transform must be idempotent: resolved options stored in a model
 * folder resolve to themselves when the model is loaded again (tested for every kind).
 */

/** A kind's option declaration: a strict object of option fields, optionally followed by a transform. */
export type OptionsSchema = z.ZodType<Record<string, OptionValue | undefined>, Record<string, unknown>>;

/** What one option field declares, read back from its zod schema. */
export type OptionField =
  | { key: string; label: string; help?: string; type: 'number'; default?: number; min: number; max: number; integer: boolean; multipleOf?: number }
  | { key: string; label: string; help?: string; type: 'choice'; default?: string; choices: string[] }
  | { key: string; label: string; help?: string; type: 'boolean'; default?: boolean };

/** The strict object under an options schema (the schema itself, or the input of its transform). */
function objectOf(kind: string, schema: OptionsSchema): z.ZodObject {
  const inner = schema instanceof z.ZodPipe ? schema.in : schema;
  if (!(inner instanceof z.ZodObject)) throw new DenoiseError('E_INTERNAL', `The options of the ${kind} model are not declared as a zod object`);
  return inner;
}

/** Reads one field: its label and help, default, and the type underneath .default()/.optional(). */
function describeField(kind: string, key: string, schema: z.ZodType): OptionField {
  let node: z.ZodType = schema;
  let label: string | undefined;
  let help: string | undefined;
  let fallback: unknown;
  for (;;) {
    const meta = node.meta();
    if (typeof meta?.['label'] === 'string') label ??= meta['label'];
    if (typeof meta?.['help'] === 'string') help ??= meta['help'];
    if (node instanceof z.ZodDefault) {
      fallback = node.def.defaultValue;
      node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodOptional) {
      node = node.unwrap() as z.ZodType;
    } else break;
  }
  if (label === undefined) throw new DenoiseError('E_INTERNAL', `Option "${key}" of the ${kind} model has no label (.meta({ label }))`);
  const base = { key, label, ...(help === undefined ? {} : { help }) };
  if (node instanceof z.ZodNumber) {
    // An unbounded z.number() reads as +-Infinity, a bare .int() as +-MAX_SAFE_INTEGER: neither is a range.
    const bounded = (v: number | null): v is number => v !== null && Math.abs(v) < Number.MAX_SAFE_INTEGER;
    if (!bounded(node.minValue) || !bounded(node.maxValue)) throw new DenoiseError('E_INTERNAL', `Option "${key}" of the ${kind} model needs .min() and .max()`);
    const step = node.def.checks?.map((c) => c._zod.def).find((d) => d.check === 'multiple_of');
    return {
      ...base,
      type: 'number',
      ...(typeof fallback === 'number' ? { default: fallback } : {}),
      min: node.minValue,
      max: node.maxValue,
      integer: node.isInt,
      ...(step && 'value' in step && typeof step.value === 'number' ? { multipleOf: step.value } : {}),
    };
  }
  if (node instanceof z.ZodEnum || node instanceof z.ZodLiteral) {
    const choices = (node instanceof z.ZodEnum ? node.options : [...node.values]).map(String);
    return { ...base, type: 'choice', ...(typeof fallback === 'string' ? { default: fallback } : {}), choices };
  }
  if (node instanceof z.ZodBoolean) return { ...base, type: 'boolean', ...(typeof fallback === 'boolean' ? { default: fallback } : {}) };
  throw new DenoiseError('E_INTERNAL', `Option "${key}" of the ${kind} model is not a number, enum, literal or boolean`);
}

/** Every option a kind declares, in declaration order. */
export function optionFields(kind: string, schema: OptionsSchema): OptionField[] {
  return Object.entries(objectOf(kind, schema).shape).map(([key, field]) => describeField(kind, key, field as z.ZodType));
}

/** What an option accepts, in words: "an integer in [1, 64]", "one of mse, l1", "true or false". */
export function allowedText(field: OptionField): string {
  switch (field.type) {
    case 'number': {
      const what = `${field.integer ? 'an integer' : 'a number'} in [${field.min}, ${field.max}]`;
      return field.multipleOf === undefined ? what : `${what} and a multiple of ${field.multipleOf}`;
    }
    case 'choice':
      return field.choices.length === 1 ? (field.choices[0] as string) : `one of ${field.choices.join(', ')}`;
    case 'boolean':
      return 'true or false';
  }
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/** One sentence per problem, naming the option, what it accepts and the value given. */
function explain(kind: string, fields: OptionField[], raw: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): string {
  const sentences = new Set<string>();
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = fields.map((f) => f.key).join(', ');
      for (const key of issue.keys) sentences.add(`The ${kind} model has no option "${key}"; its options are ${known}`);
      continue;
    }
    const key = String(issue.path[0] ?? '');
    const field = fields.find((f) => f.key === key);
    if (issue.code === 'custom' || !field) sentences.add(issue.message);
    else sentences.add(`Option "${key}" must be ${allowedText(field)}, got ${shown(raw[key])}`);
  }
  return [...sentences].join('; ');
}

/** Inside a schema's .superRefine(): refuse a combination of options, naming the option at fault. */
export function reject(ctx: z.core.$RefinementCtx, key: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [key], message });
}

/**
 * Validates a kind's options and fills in its defaults; throws E_INVALID_ARGUMENT with every
 * problem in words. A key given as undefined counts as not given (zod then leaves an optional
 * option out of the result instead of keeping an undefined key).
 */
export function resolveOptions<S extends OptionsSchema>(kind: string, schema: S, raw: Record<string, unknown>): z.output<S> {
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw new DenoiseError('E_INVALID_ARGUMENT', explain(kind, optionFields(kind, schema), given, parsed.error.issues));
  return parsed.data;
}

/**
 * Option values typed as text (the CLI's `--opt KEY=VALUE` and named flags) turned into the
 * types the schema declares: numbers for number options, true/false for booleans. Values that
 * are not strings, and unknown keys, are passed on for `resolveOptions` to judge.
 */
export function coerceOptionStrings(kind: string, schema: OptionsSchema, values: Record<string, string | OptionValue>): Record<string, OptionValue> {
  const fields = optionFields(kind, schema);
  const out: Record<string, OptionValue> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = fields.find((f) => f.key === key);
    if (typeof value !== 'string' || !field || field.type === 'choice') {
      out[key] = value;
      continue;
    }
    const text = value.trim();
    if (field.type === 'boolean') {
      if (text !== 'true' && text !== 'false') throw new DenoiseError('E_INVALID_ARGUMENT', `Option "${key}" must be true or false, got ${value}`);
      out[key] = text === 'true';
      continue;
    }
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) throw new DenoiseError('E_INVALID_ARGUMENT', `Option "${key}" must be ${allowedText(field)}, got ${value}`);
    out[key] = n;
  }
  return out;
}

/** A kind as its file writes it: every function gets the options already resolved and typed. */
export interface KindDeclaration<S extends OptionsSchema> {
  kind: string;
  title: string;
  description: string;
  options: S;
  /** The models can sample images (they set `Model.generative`). */
  generative?: boolean;
  /** Training settings measured best for this kind, used when the person sets none. */
  recipe?: TrainRecipe;
  /** Options a fine-tuning run may change: they shape the training objective, not the weights. */
  objectiveOptions?: readonly (keyof z.output<S> & string)[];
  /** `spec.options` are the resolved options, as stored in meta.json. */
  create(spec: ModelSpec, options: z.output<S>, seed: number): Model;
  patchMultiple?(options: z.output<S>): number;
  warnings?(spec: ModelSpec, options: z.output<S>): string[];
}

/**
 * The registry's untyped face of a kind. Every entry point resolves the options it is given
 * against the schema first, so a model is only ever built from options that passed it.
 */
export function defineKind<S extends OptionsSchema>(declared: KindDeclaration<S>): ModelDefinition {
  const resolve = (options: Record<string, unknown>): z.output<S> => resolveOptions(declared.kind, declared.options, options);
  // The same parse seen through the untyped schema, as the plain record that meta.json stores.
  const resolveRecord = (options: Record<string, unknown>): Record<string, OptionValue> => {
    const out: Record<string, OptionValue> = {};
    for (const [key, value] of Object.entries(resolveOptions<OptionsSchema>(declared.kind, declared.options, options))) if (value !== undefined) out[key] = value;
    return out;
  };
  const { patchMultiple, warnings } = declared;
  return {
    kind: declared.kind,
    title: declared.title,
    description: declared.description,
    options: declared.options,
    generative: declared.generative ?? false,
    ...(declared.recipe ? { recipe: declared.recipe } : {}),
    ...(declared.objectiveOptions ? { objectiveOptions: declared.objectiveOptions } : {}),
    resolveOptions: resolveRecord,
    create: (spec, seed) => declared.create({ ...spec, options: resolveRecord(spec.options) }, resolve(spec.options), seed),
    ...(patchMultiple ? { patchMultiple: (options: Record<string, OptionValue>) => patchMultiple(resolve(options)) } : {}),
    ...(warnings ? { warnings: (spec: ModelSpec) => warnings(spec, resolve(spec.options)) } : {}),
  };
}
