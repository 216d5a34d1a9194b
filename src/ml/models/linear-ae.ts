import { z } from 'zod';
import { aeConfigOf, aeFields, createAutoencoder, identityWarnings } from './autoencoder';
import { defineKind } from './options';

/**
 * The linear autoencoder: y = W' (W x + b) + b' trained with MSE. With k code units its best
 * reconstruction is the projection onto the top k principal components of the data (Baldi and
 * Hornik 1989), so it is the teaching bridge between autoencoders and PCA; pca.ts computes
 * that optimum independently and the tests check the trained model reaches it.
 *
 * Tied by default (W' = W^T): the optimum is the same (an orthonormal basis of the principal
 * subspace), but gradient descent gets there many times faster than with two free matrices,
 * whose scales drift apart along the small-eigenvalue directions.
 */
export const linearOptions = z
  .object({
    ...aeFields,
    arch: z.literal('dense').default('dense').meta({ label: 'Architecture', help: 'Dense only: the linear autoencoder is the PCA counterpart' }),
    latent: aeFields.latent.unwrap().default(16).meta({ label: 'Code size', help: 'Code units: the number of principal components it learns' }),
    activation: z.literal('linear').default('linear').meta({ label: 'Code activation', help: 'None: the code is linear' }),
    tied: aeFields.tied.unwrap().default(true).meta({ label: 'Tied decoder', help: "The decoder uses the encoder's weights transposed (W' = W^T): the same optimum, reached many times faster" }),
    loss: z.literal('mse').default('mse').meta({ label: 'Loss', help: 'Mean squared error, as PCA minimises' }),
  })
  .strict();

export const linearDefinition = defineKind({
  kind: 'linear',
  title: 'Linear autoencoder',
  description: 'A dense autoencoder with no non-linearity, trained with MSE: it learns the same subspace as PCA.',
  options: linearOptions,
  create: (spec, options, seed) => createAutoencoder(spec, seed, aeConfigOf(options, 'linear')),
  patchMultiple: (options) => options.input,
  warnings: identityWarnings,
});
