import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { LATENT_PRIORS, type LatentPrior } from '../../shared/explore';
import { Rng } from '../data/rng';
import { blockwise, toBlocks } from './blocks';
import { addBlockDecoder, addBlockEncoder, blockCoderFields, denseHead } from './block-coder';
import { addDense, disposeVariables, type VariableMap } from './layers';
import { bceWithLogits } from './likelihood';
import type { GenerativeModel, LossTerms, Model, ModelSpec, TrainBatch, TrainingPhase } from './model';
import { defineKind } from './options';

/**
 * The adversarial autoencoder (Makhzani et al. 2016) on square blocks of `input` pixels: the
 * VAE's convolutional encoder and decoder (vae.ts), but a deterministic code z = E(x), and
 * instead of a KL term a discriminator D on codes that learns to tell codes from draws of a
 * chosen prior. The encoder plays the generator: it is trained to make D call its codes prior
 * draws, which pushes the aggregate posterior q(z) = E_x[delta(z - E(x))] toward the prior.
 *
 *   discriminator phase   D only:        BCE(D(z_prior), 1) + BCE(D(E(x)), 0), halved
 *   generator phase       E only:        weight * BCE(D(E(x)), 1), through a frozen D
 *   reconstruction        E and decoder: mean squared error (the main loss)
 *
 * As in the paper, each is its own optimizer step (Model.extraPhases, stepped by the training
 * loop before the main loss, each with its own Adam). Separate steps matter: Adam scales each
 * step's update by its own gradient's size, so the adversarial pull on the encoder does not
 * depend on how small a per-pixel error is. Folded into one loss, the pull was swamped or, with
 * a large weight, collapsed every code to one point (measured on 16 x 16 texture patches). All
 * three losses are reported apart. The phases' Adam state is not part of a checkpoint: a
 * resumed AAE run restores weights and data order but restarts those optimizers' moments.
 *
 * Priors: `gaussian` is N(0, I); `mixture` puts `components` Gaussians (std 0.25) on a ring of
 * radius 2 in the first two code axes, N(0, 1) in the others, so the codes should split into
 * clusters (the paper's 2-D mixture experiment).
 *
 * Reconstruction: mean squared error per pixel, like the other autoencoders. `predict` decodes
 * each block's code, so the model also works as a (blurry) denoiser and in `compare`.
 */
export const AAE_PRIORS = LATENT_PRIORS;
export type AaePrior = LatentPrior;

export const aaeOptions = z
  .object({
    input: blockCoderFields.input,
    latent: z.number().int().min(1).max(4096).default(8).meta({ label: 'Latent size', help: 'Length of the code z' }),
    width: blockCoderFields.width,
    prior: z.enum(AAE_PRIORS).default('gaussian').meta({ label: 'Prior', help: 'gaussian: N(0, I); mixture: a ring of Gaussians in the first two code axes' }),
    components: z.number().int().min(2).max(64).default(8).meta({ label: 'Mixture components', help: 'mixture only: Gaussians on the ring' }),
    adversarial: z.number().min(0).max(100).default(1).meta({ label: 'Adversarial weight', help: 'Weight of the generator loss in its own phase (0 turns the pull toward the prior off)' }),
    discWidth: z.number().int().min(8).max(2048).default(256).meta({ label: 'Discriminator width', help: 'Units in each of the discriminator\'s two hidden layers' }),
  })
  .strict()
  .transform(({ components, ...o }) => (o.prior === 'mixture' ? { ...o, prior: o.prior, components } : { ...o, prior: o.prior }));
export type AaeOptions = z.output<typeof aaeOptions>;

/** The mixture prior's ring: radius 2, each component with std 0.25 along the first two axes. */
export const MIXTURE_RING = { radius: 2, std: 0.25 } as const;

/**
 * `count` draws of the prior, [count * latent], from a seeded generator. Shared with the 2-D lab
 * (explore/toy-models.ts), whose AAE uses the same priors.
 */
export function drawPrior(prior: AaePrior, count: number, latent: number, rng: Rng, components = 8, temperature = 1): Float32Array {
  const out = new Float32Array(count * latent);
  for (let i = 0; i < count; i++) {
    const angle = prior === 'mixture' ? (2 * Math.PI * rng.int(components)) / components : 0;
    for (let j = 0; j < latent; j++) {
      let v = rng.normal();
      if (prior === 'mixture' && j < 2) v = (j === 0 ? Math.cos(angle) : Math.sin(angle)) * MIXTURE_RING.radius + MIXTURE_RING.std * v;
      out[i * latent + j] = v * temperature;
    }
  }
  return out;
}

export interface AaeModel extends Model {
  readonly generative: GenerativeModel;
  readonly extraPhases: readonly TrainingPhase[];
  /** Codes of blocks of imageSize x imageSize: [n, latent]. */
  encodeCodes(x: tf.Tensor4D): tf.Tensor2D;
}

export function createAae(spec: ModelSpec, options: AaeOptions, seed: number): AaeModel {
  const { input: size, latent, width, adversarial, discWidth, prior } = options;
  const components = options.prior === 'mixture' ? options.components : 8;
  const c = spec.channels;
  const rng = new Rng(seed);
  const priorRng = new Rng(seed ^ 0x3c6ef372);
  const vars: VariableMap = new Map();
  const encoder = addBlockEncoder(vars, size, c, width, rng);
  const code = addDense(vars, 'code', encoder.flat, latent, rng);
  const decodeLogits = addBlockDecoder(vars, size, c, width, latent, rng);
  const disc = [addDense(vars, 'disc1', latent, discWidth, rng, Math.SQRT2), addDense(vars, 'disc2', discWidth, discWidth, rng, Math.SQRT2), addDense(vars, 'disc3', discWidth, 1, rng)];
  const discVariables = disc.flatMap((layer) => [layer.w, layer.b]);
  const encoderVariables = [...encoder.variables, code.w, code.b];

  const encodeBlocks = (x: tf.Tensor4D): tf.Tensor2D => denseHead(code, encoder.features(x));
  const decodeBlocks = (z: tf.Tensor2D): tf.Tensor4D => tf.sigmoid(decodeLogits(z)) as tf.Tensor4D;
  const discLogits = (z: tf.Tensor2D): tf.Tensor2D =>
    disc.reduce((acc, layer, i) => {
      const y = denseHead(layer, acc);
      return i < disc.length - 1 ? (tf.relu(y) as tf.Tensor2D) : y;
    }, z);
  const priorBatch = (n: number): tf.Tensor2D => tf.tensor2d(drawPrior(prior, n, latent, priorRng, components), [n, latent]);
  const checkBlock = (x: tf.Tensor4D): void => encoder.check(x, 'AAE');
  /** D's loss on codes it cannot move: prior draws are "real", codes "fake". */
  const discriminatorLoss = (codes: tf.Tensor2D): tf.Scalar => {
    const n = codes.shape[0];
    const real = bceWithLogits(discLogits(priorBatch(n)), tf.ones([n, 1]));
    const fake = bceWithLogits(discLogits(codes), tf.zeros([n, 1]));
    return tf.mul(tf.add(real, fake), 0.5) as tf.Scalar;
  };

  const generative: GenerativeModel = {
    latentSize: latent,
    imageSize: size,
    sample(count, sampleSeed, temperature) {
      const z = drawPrior(prior, count, latent, new Rng(sampleSeed), components, temperature);
      return tf.tidy(() => decodeBlocks(tf.tensor2d(z, [count, latent])));
    },
    encode(x) {
      checkBlock(x);
      // A deterministic encoder: the "posterior" is a point, reported as a tiny variance.
      return tf.tidy(() => {
        const mean = encodeBlocks(x);
        return { mean, logVar: tf.fill(mean.shape, -30) as tf.Tensor2D };
      });
    },
    decode: (z) => tf.tidy(() => decodeBlocks(z)),
  };

  const discriminatorPhase: TrainingPhase = {
    name: 'discriminator',
    variables: discVariables,
    loss: (batch: TrainBatch) => discriminatorLoss(encodeBlocks(toBlocks(batch.input, size))),
  };
  const generatorLoss = (codes: tf.Tensor2D): tf.Scalar => bceWithLogits(discLogits(codes), tf.ones([codes.shape[0], 1]));
  const generatorPhase: TrainingPhase = {
    name: 'generator',
    variables: encoderVariables,
    sharesVariables: true,
    loss: (batch: TrainBatch) => tf.mul(generatorLoss(encodeBlocks(toBlocks(batch.input, size))), adversarial) as tf.Scalar,
  };

  return {
    spec,
    variables: vars,
    sizeMultiple: size,
    receptiveRadius: size,
    fixedInputSize: size,
    generative,
    extraPhases: adversarial > 0 ? [discriminatorPhase, generatorPhase] : [discriminatorPhase],
    encodeCodes: (x) => {
      checkBlock(x);
      return tf.tidy(() => encodeBlocks(x));
    },
    predict: (input) => tf.tidy(() => blockwise(input, size, (blocks) => decodeBlocks(encodeBlocks(blocks)))),
    loss: (batch: TrainBatch): LossTerms => {
      const x = toBlocks(batch.input, size);
      const target = toBlocks(batch.target, size);
      const codes = encodeBlocks(x);
      const err = tf.square(tf.sub(decodeBlocks(codes), target));
      const reconstruction = (batch.mask
        ? tf.div(tf.sum(tf.mul(err, toBlocks(batch.mask, size))), tf.maximum(tf.sum(toBlocks(batch.mask, size)), 1))
        : tf.mean(err)) as tf.Scalar;
      // Reported only: the two adversarial losses train in their own phases.
      const generator = generatorLoss(codes);
      const discriminator = discriminatorLoss(codes);
      return { total: reconstruction, parts: { reconstruction, generator, discriminator } };
    },
    dispose: () => disposeVariables(vars),
  };
}

export const aaeDefinition = defineKind({
  kind: 'aae',
  title: 'Adversarial autoencoder',
  description: 'A convolutional autoencoder on square blocks whose codes a discriminator pushes toward a prior (Gaussian or a ring of Gaussians): generates and interpolates like the VAE.',
  options: aaeOptions,
  generative: true,
  create: createAae,
  patchMultiple: (options) => options.input,
});
