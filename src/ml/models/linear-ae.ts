import { DenoiseError } from '../../shared/errors';
import { aeConfigOf, createAutoencoder, identityWarnings, resolveAeOptions } from './autoencoder';
import type { ModelDefinition } from './model';

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
export const linearDefinition: ModelDefinition = {
  kind: 'linear',
  title: 'Linear autoencoder',
  description: 'A dense autoencoder with no non-linearity, trained with MSE: it learns the same subspace as PCA.',
  resolveOptions(options) {
    if (options['arch'] !== undefined && options['arch'] !== 'dense') {
      throw new DenoiseError('E_INVALID_ARGUMENT', 'The linear autoencoder is dense (it is the PCA counterpart); drop --conv');
    }
    const base = resolveAeOptions({ ...options, arch: 'dense', activation: 'linear', loss: 'mse' }, { latent: 16, activations: ['linear'], activation: 'linear', tied: true });
    return base;
  },
  create: (spec, seed) => createAutoencoder(spec, seed, aeConfigOf(spec, 'linear')),
  patchMultiple: (options) => (options['input'] as number | undefined) ?? 16,
  warnings: identityWarnings,
};
