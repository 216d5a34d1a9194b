import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import { Rng } from '../data/rng';
import { LATENT_PRIORS, TOY_KINDS, type LatentPrior, type ToyKind } from '../../shared/explore';
import { drawPrior } from '../models/aae';
import { addDense, disposeVariables, type ConvParams, type VariableMap } from '../models/layers';
import { bceWithLogits, klToStandardNormal } from '../models/likelihood';

/**
 * Small dense autoencoders for 2-D points, one per kind of the family, so the Explore lab can
 * train them live in seconds on the CPU and draw what they learn. The image kinds work on
 * 4-D image batches and blocks; these share their ideas, not their code:
 *
 *   encoder  2 -> hidden (tanh) -> hidden (tanh) -> latent      (linear: 2 -> latent)
 *   decoder  latent -> hidden (tanh) -> hidden (tanh) -> 2      (linear: latent -> 2)
 *
 * - ae      plain reconstruction (MSE).
 * - dae     reconstruct the clean point from x + N(0, noise^2 I); `samples` corruptions per clean
 *           point, averaged (the Monte Carlo form of the expected denoising loss).
 * - cae     reconstruction + lambda ||dh/dx||_F^2. With a 2-D input the Jacobian is two columns,
 *           each taken by a central difference, so the penalty trains with ordinary backprop.
 * - sparse  an overcomplete ReLU code with an L1 activity penalty.
 * - vae     Gaussian encoder, Gaussian likelihood with a fixed sigma, closed-form KL.
 * - aae     deterministic encoder; a discriminator on the codes tells codes from prior samples
 *           and the encoder is trained to fool it (Makhzani et al. 2016). Two phases per step.
 * - linear  no non-linearity: the PCA counterpart.
 */
export { TOY_KINDS, type ToyKind } from '../../shared/explore';
export const TOY_PRIORS = LATENT_PRIORS;
export type ToyPrior = LatentPrior;

export interface ToyModelOptions {
  kind: ToyKind;
  /**
   * Code size; default 2 (1 for linear, 16 for sparse, 8 for dae: a denoiser needs no bottleneck,
   * and through a 2-unit one the field on the spiral was measured to point back only roughly,
   * mean cosine 0.58 against 0.79 with 8 units after 800 steps).
   */
  latent?: number;
  hidden?: number;
  /** dae: corruption standard deviation (default 0.1: well under the 0.7 between the spiral's arms). */
  noise?: number;
  /** dae: corruption samples per clean point (L). */
  samples?: number;
  /** cae, sparse: penalty weight; vae: beta; aae: weight of the generator loss. */
  lambda?: number;
  /** vae, aae: the prior on codes. The VAE's is always N(0, I). */
  prior?: ToyPrior;
  seed: number;
}

export interface ToyLoss {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

/** One objective and the variables it moves; every kind has one, the AAE two. */
export interface ToyPhase {
  name: string;
  variables: tf.Variable[];
  loss(x: tf.Tensor2D): ToyLoss;
}

export interface ToyModel {
  readonly kind: ToyKind;
  readonly latent: number;
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Trained in this order each step, each with its own optimizer. */
  readonly phases: readonly ToyPhase[];
  /** The code (the posterior mean for the VAE). */
  encode(x: tf.Tensor2D): tf.Tensor2D;
  decode(z: tf.Tensor2D): tf.Tensor2D;
  reconstruct(x: tf.Tensor2D): tf.Tensor2D;
  /** Generative kinds: `count` draws from the prior on codes. */
  samplePrior?(count: number, seed: number): tf.Tensor2D;
  dispose(): void;
}

export function isToyKind(kind: string): kind is ToyKind {
  return (TOY_KINDS as readonly string[]).includes(kind);
}

/** Options with every default filled; the one place the lab's defaults live. */
export function resolveToyOptions(options: ToyModelOptions): Required<ToyModelOptions> {
  if (!isToyKind(options.kind)) throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown kind "${String(options.kind)}" for the 2-D lab; known: ${TOY_KINDS.join(', ')}`);
  const kind = options.kind;
  const defaults: Record<ToyKind, number> = { ae: 2, dae: 8, cae: 2, sparse: 16, vae: 2, aae: 2, linear: 1 };
  const lambdaDefaults: Record<ToyKind, number> = { ae: 0, dae: 0, cae: 0.3, sparse: 0.01, vae: 1, aae: 1, linear: 0 };
  const resolved: Required<ToyModelOptions> = {
    kind,
    latent: options.latent ?? defaults[kind],
    // The dae gets twice the width: its field must bend with the spiral (measured: mean cosine to
    // the nearest data 0.79 at width 32, 0.91 at 64, after 800 steps).
    hidden: options.hidden ?? (kind === 'dae' ? 64 : 32),
    noise: options.noise ?? 0.1,
    samples: options.samples ?? 1,
    lambda: options.lambda ?? lambdaDefaults[kind],
    prior: options.prior ?? 'gaussian',
    seed: options.seed,
  };
  const check = (ok: boolean, message: string): void => {
    if (!ok) throw new DenoiseError('E_INVALID_ARGUMENT', message);
  };
  check(Number.isInteger(resolved.latent) && resolved.latent >= 1 && resolved.latent <= 64, `latent must be an integer in [1, 64], got ${resolved.latent}`);
  check(Number.isInteger(resolved.hidden) && resolved.hidden >= 4 && resolved.hidden <= 512, `hidden must be an integer in [4, 512], got ${resolved.hidden}`);
  check(Number.isFinite(resolved.noise) && resolved.noise >= 0 && resolved.noise <= 2, `noise must be in [0, 2], got ${resolved.noise}`);
  check(Number.isInteger(resolved.samples) && resolved.samples >= 1 && resolved.samples <= 64, `samples must be an integer in [1, 64], got ${resolved.samples}`);
  check(Number.isFinite(resolved.lambda) && resolved.lambda >= 0 && resolved.lambda <= 1e4, `lambda must be in [0, 10000], got ${resolved.lambda}`);
  check((TOY_PRIORS as readonly string[]).includes(resolved.prior), `prior must be one of ${TOY_PRIORS.join(', ')}, got ${resolved.prior}`);
  return resolved;
}

/** A dense layer stack; `acts[i]` applies after layer i. */
function mlp(vars: VariableMap, prefix: string, sizes: number[], rng: Rng): ConvParams[] {
  const layers: ConvParams[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) layers.push(addDense(vars, `${prefix}${i}`, sizes[i] as number, sizes[i + 1] as number, rng, 1));
  return layers;
}

function applyMlp(layers: ConvParams[], x: tf.Tensor2D, hiddenAct: (t: tf.Tensor) => tf.Tensor, lastAct: (t: tf.Tensor) => tf.Tensor = (t) => t): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  layers.forEach((layer, i) => {
    const z = tf.add(tf.matMul(h, layer.w as tf.Tensor2D), layer.b);
    h = (i === layers.length - 1 ? lastAct(z) : hiddenAct(z)) as tf.Tensor2D;
  });
  return h;
}

const mse = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(tf.sum(tf.square(tf.sub(a, b)), 1)) as tf.Scalar;

/** Draws from the prior on codes (the image AAE's priors, models/aae.ts), from a seeded generator. */
export function priorDraws(prior: ToyPrior, count: number, latent: number, rng: Rng): Float32Array {
  return drawPrior(prior, count, latent, rng);
}

export function createToyModel(options: ToyModelOptions): ToyModel {
  const o = resolveToyOptions(options);
  const rng = new Rng(o.seed);
  const noiseRng = new Rng(o.seed ^ 0x5bd1e995);
  const vars: VariableMap = new Map();
  const k = o.latent;
  const h = o.hidden;
  const linear = o.kind === 'linear';
  const encOut = o.kind === 'vae' ? 2 * k : k;
  const enc = mlp(vars, 'enc', linear ? [2, encOut] : [2, h, h, encOut], rng);
  const dec = mlp(vars, 'dec', linear ? [k, 2] : [k, h, h, 2], rng);
  const codeAct = o.kind === 'sparse' ? tf.relu : (t: tf.Tensor) => t;
  const encodeRaw = (x: tf.Tensor2D): tf.Tensor2D => applyMlp(enc, x, tf.tanh, codeAct);
  const mean = (x: tf.Tensor2D): tf.Tensor2D => (o.kind === 'vae' ? (tf.slice(encodeRaw(x), [0, 0], [-1, k]) as tf.Tensor2D) : encodeRaw(x));
  const decode = (z: tf.Tensor2D): tf.Tensor2D => applyMlp(dec, z, tf.tanh);
  const encVars = (): tf.Variable[] => [...vars.entries()].filter(([n]) => n.startsWith('enc')).map(([, v]) => v);
  const decVars = (): tf.Variable[] => [...vars.entries()].filter(([n]) => n.startsWith('dec')).map(([, v]) => v);

  let phases: ToyPhase[];
  let samplePrior: ToyModel['samplePrior'];
  const aeVars = [...encVars(), ...decVars()];

  switch (o.kind) {
    case 'ae':
    case 'linear':
      phases = [{ name: 'autoencoder', variables: aeVars, loss: (x) => { const reconstruction = mse(decode(encodeRaw(x)), x); return { total: reconstruction, parts: { reconstruction } }; } }];
      break;
    case 'dae':
      phases = [
        {
          name: 'autoencoder',
          variables: aeVars,
          loss: (x) => {
            // L corrupted copies of each clean point, one mean over all of them.
            const clean = o.samples > 1 ? (tf.tile(x, [o.samples, 1]) as tf.Tensor2D) : x;
            const noisy = tf.add(clean, tf.randomNormal(clean.shape, 0, o.noise, 'float32', noiseRng.nextUint32())) as tf.Tensor2D;
            const reconstruction = mse(decode(encodeRaw(noisy)), clean);
            return { total: reconstruction, parts: { reconstruction } };
          },
        },
      ];
      break;
    case 'cae':
      phases = [
        {
          name: 'autoencoder',
          variables: aeVars,
          loss: (x) => {
            const reconstruction = mse(decode(encodeRaw(x)), x);
            const jac = jacobianNormSqByDifferences(encodeRaw, x);
            const contractive = tf.mul(tf.mean(jac), o.lambda) as tf.Scalar;
            return { total: tf.add(reconstruction, contractive) as tf.Scalar, parts: { reconstruction, contractive } };
          },
        },
      ];
      break;
    case 'sparse':
      phases = [
        {
          name: 'autoencoder',
          variables: aeVars,
          loss: (x) => {
            const code = encodeRaw(x);
            const reconstruction = mse(decode(code), x);
            const sparsity = tf.mul(tf.mean(tf.sum(tf.abs(code), 1)), o.lambda) as tf.Scalar;
            return { total: tf.add(reconstruction, sparsity) as tf.Scalar, parts: { reconstruction, sparsity } };
          },
        },
      ];
      break;
    case 'vae': {
      // Likelihood std in data units: about the noise of the toy sets, so the KL is used.
      const sigma = 0.1;
      phases = [
        {
          name: 'autoencoder',
          variables: aeVars,
          loss: (x) => {
            const raw = encodeRaw(x);
            const mu = tf.slice(raw, [0, 0], [-1, k]) as tf.Tensor2D;
            const logVar = tf.slice(raw, [0, k], [-1, k]) as tf.Tensor2D;
            const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mu.shape, 0, 1, 'float32', noiseRng.nextUint32()))) as tf.Tensor2D;
            const reconstruction = tf.div(mse(decode(z), x), 2 * sigma * sigma) as tf.Scalar;
            const kl = tf.mean(klToStandardNormal(mu, logVar)) as tf.Scalar;
            return { total: tf.add(reconstruction, tf.mul(kl, o.lambda)) as tf.Scalar, parts: { reconstruction, kl } };
          },
        },
      ];
      samplePrior = (count, seed) => tf.tensor2d(priorDraws('gaussian', count, k, new Rng(seed)), [count, k]);
      break;
    }
    case 'aae': {
      const disc = mlp(vars, 'disc', [k, h, h, 1], rng);
      const discVars = [...vars.entries()].filter(([n]) => n.startsWith('disc')).map(([, v]) => v);
      const logitsOf = (z: tf.Tensor2D): tf.Tensor2D => applyMlp(disc, z, tf.relu);
      const priorBatch = (n: number): tf.Tensor2D => tf.tensor2d(priorDraws(o.prior, n, k, noiseRng), [n, k]);
      /** The discriminator's loss: prior draws are "real" (1), codes are "fake" (0). */
      const discriminatorLoss = (codes: tf.Tensor2D): tf.Scalar => {
        const n = codes.shape[0];
        return tf.add(tf.mul(bceWithLogits(logitsOf(priorBatch(n)), tf.ones([n, 1])), 0.5), tf.mul(bceWithLogits(logitsOf(codes), tf.zeros([n, 1])), 0.5)) as tf.Scalar;
      };
      phases = [
        // The discriminator first, on codes it cannot move (its variables only are updated).
        { name: 'discriminator', variables: discVars, loss: (x) => { const discriminator = discriminatorLoss(encodeRaw(x)); return { total: discriminator, parts: { discriminator } }; } },
        {
          name: 'autoencoder',
          variables: aeVars,
          loss: (x) => {
            const code = encodeRaw(x);
            const reconstruction = mse(decode(code), x);
            // The encoder as generator: make the discriminator call its codes prior draws.
            const generator = bceWithLogits(logitsOf(code), tf.onesLike(tf.slice(code, [0, 0], [-1, 1])));
            return { total: tf.add(reconstruction, tf.mul(generator, o.lambda)) as tf.Scalar, parts: { reconstruction, generator } };
          },
        },
      ];
      samplePrior = (count, seed) => tf.tensor2d(priorDraws(o.prior, count, k, new Rng(seed)), [count, k]);
      break;
    }
  }

  return {
    kind: o.kind,
    latent: k,
    variables: vars,
    phases,
    encode: (x) => tf.tidy(() => mean(x)),
    decode: (z) => tf.tidy(() => decode(z)),
    reconstruct: (x) => tf.tidy(() => decode(mean(x))),
    ...(samplePrior ? { samplePrior } : {}),
    dispose: () => disposeVariables(vars),
  };
}

/**
 * ||dh/dx||_F^2 per point for a 2-D input by central differences along both axes: [n]. The
 * step is small against the data's scale (about 1), so the truncation error is negligible.
 */
export function jacobianNormSqByDifferences(encode: (x: tf.Tensor2D) => tf.Tensor2D, x: tf.Tensor2D, eps = 1e-2): tf.Tensor1D {
  return tf.tidy(() => {
    const columns = [tf.tensor2d([[eps, 0]]), tf.tensor2d([[0, eps]])].map((step) => {
      const diff = tf.sub(encode(tf.add(x, step) as tf.Tensor2D), encode(tf.sub(x, step) as tf.Tensor2D));
      return tf.sum(tf.square(diff), 1);
    });
    return tf.div(tf.add(columns[0] as tf.Tensor, columns[1] as tf.Tensor), 4 * eps * eps) as tf.Tensor1D;
  });
}
