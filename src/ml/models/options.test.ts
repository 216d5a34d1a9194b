import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import type { OptionValue } from './model';
import { getModelDefinition, listModelKinds, parseOptionStrings, resolveStoredSpec } from './registry';

/** The one option declaration per kind: defaults, errors, stored options and the CLI's text values. */
function errorOf(fn: () => unknown): DenoiseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DenoiseError) return err;
    throw err;
  }
  throw new Error('expected a DenoiseError');
}

const resolve = (kind: string, options: Record<string, OptionValue>) => getModelDefinition(kind).resolveOptions(options);

describe('model options', () => {
  it('round-trip: every kind resolves its defaults to themselves, and so its stored options (each form)', () => {
    const variants: Record<string, Record<string, OptionValue>[]> = {
      ae: [{ arch: 'conv' }, { tied: true, input: 8 }],
      cae: [{ arch: 'conv', projections: 3 }, { jacobian: 'estimate' }],
      sparse: [{ penalty: 'l1', activation: 'relu' }, { arch: 'conv', rho: 0.2 }],
      vae: [{ loss: 'bce' }, { input: 64, sigma: 0.3 }],
      dae: [{ size: 'tiny', residual: false, loss: 'l1' }],
      linear: [{ latent: 3 }],
    };
    for (const def of listModelKinds()) {
      for (const given of [{}, ...(variants[def.kind] ?? [])]) {
        const resolved = def.resolveOptions(given);
        expect(resolved, `${def.kind} ${JSON.stringify(given)}`).toMatchObject(given);
        expect(def.resolveOptions(resolved)).toEqual(resolved);
      }
    }
  });

  it('fill defaults that depend on other options, and keep only what applies', () => {
    expect(resolve('ae', {})).toEqual({ arch: 'dense', input: 16, latent: 64, activation: 'sigmoid', tied: false, loss: 'mse' });
    expect(resolve('ae', { arch: 'conv', input: 8 })).toEqual({ arch: 'conv', latent: 8, activation: 'sigmoid', loss: 'mse' });
    expect(resolve('cae', {})).toMatchObject({ jacobian: 'exact' });
    expect(resolve('cae', {})).not.toHaveProperty('projections');
    expect(resolve('cae', { arch: 'conv', jacobian: 'auto' })).toMatchObject({ jacobian: 'estimate', projections: 1 });
    expect(resolve('sparse', { penalty: 'l1' })).toMatchObject({ lambda: 0.1 });
    expect(resolve('sparse', { penalty: 'l1' })).not.toHaveProperty('rho');
    expect(resolve('sparse', {})).toMatchObject({ lambda: 1, rho: 0.05 });
    expect(resolve('vae', { loss: 'bce', sigma: 0.5 })).not.toHaveProperty('sigma');
    expect(resolve('linear', {})).toEqual({ arch: 'dense', input: 16, latent: 16, activation: 'linear', tied: true, loss: 'mse' });
    // An option given as undefined counts as not given.
    expect(resolve('dae', { size: undefined as unknown as string })).toMatchObject({ size: 'small', residual: true, loss: 'mse' });
  });

  it('refuse bad values with E_INVALID_ARGUMENT naming the option, what it accepts and the value given', () => {
    const cases: [string, Record<string, OptionValue>, string][] = [
      ['sparse', { rho: 2 }, 'Option "rho" must be a number in [0.0001, 0.9999], got 2'],
      ['ae', { latent: 2.5 }, 'Option "latent" must be an integer in [1, 65536], got 2.5'],
      ['ae', { latent: '12' }, 'Option "latent" must be an integer in [1, 65536], got 12'],
      ['dae', { size: 'huge' }, 'Option "size" must be one of tiny, small, medium, got huge'],
      ['dae', { residual: 'yes' }, 'Option "residual" must be true or false, got yes'],
      ['vae', { input: 20 }, 'Option "input" must be an integer in [8, 256] and a multiple of 8, got 20'],
      ['linear', { arch: 'conv' }, 'Option "arch" must be dense, got conv'],
      ['vae', { widht: 8 }, 'The vae model has no option "widht"; its options are input, latent, width, beta, loss, sigma'],
      ['ae', { arch: 'conv', tied: true }, 'A tied decoder needs the dense form (--dense)'],
      ['cae', { arch: 'conv', jacobian: 'exact' }, 'The exact Jacobian penalty needs the dense one-layer encoder; a convolutional encoder uses jacobian=estimate'],
      ['sparse', { activation: 'relu' }, 'The KL sparsity penalty needs a sigmoid code (activations in (0, 1)); use penalty=l1 for tanh or ReLU'],
    ];
    for (const [kind, options, message] of cases) {
      const err = errorOf(() => resolve(kind, options));
      expect(err.code).toBe('E_INVALID_ARGUMENT');
      expect(err.message).toBe(message);
    }
    // Several problems are all named.
    expect(errorOf(() => resolve('vae', { latent: 0, beta: -1 })).message).toBe(
      'Option "latent" must be an integer in [1, 4096], got 0; Option "beta" must be a number in [0, 10000], got -1',
    );
  });

  it('turn the CLI text values into the option types, refusing text that is not one', () => {
    expect(parseOptionStrings('ae', { latent: '12', tied: 'true', activation: 'tanh', arch: 'dense' })).toEqual({ latent: 12, tied: true, activation: 'tanh', arch: 'dense' });
    expect(parseOptionStrings('sparse', { lambda: ' 0.5 ', rho: '1e-2', penalty: 'kl' })).toEqual({ lambda: 0.5, rho: 0.01, penalty: 'kl' });
    expect(parseOptionStrings('dae', { residual: 'false', size: '1' })).toEqual({ residual: false, size: '1' });
    // Values already typed (a boolean flag) pass; unknown keys are left for resolveOptions to name.
    expect(parseOptionStrings('ae', { tied: true, nope: '3' })).toEqual({ tied: true, nope: '3' });
    expect(errorOf(() => parseOptionStrings('ae', { latent: 'many' })).message).toBe('Option "latent" must be an integer in [1, 65536], got many');
    expect(errorOf(() => parseOptionStrings('ae', { latent: '' })).message).toMatch(/"latent" must be an integer/);
    expect(errorOf(() => parseOptionStrings('ae', { tied: 'yes' })).message).toBe('Option "tied" must be true or false, got yes');
    expect(() => parseOptionStrings('nope', {})).toThrow(/Unknown model kind "nope"/);
    // Parsed text then resolves like any other options.
    expect(resolve('vae', parseOptionStrings('vae', { input: '16', width: '8', beta: '0.5' }))).toMatchObject({ input: 16, width: 8, beta: 0.5 });
  });

  it('check options read from a model folder: a bad one is E_MODEL_CORRUPT with the reason', () => {
    const where = '/m/meta.json';
    // The shipped starter model's options, as its meta.json has them.
    expect(resolveStoredSpec({ kind: 'dae', channels: 1, options: { size: 'small', residual: true, loss: 'mse' } }, where)).toMatchObject({
      kind: 'dae',
      channels: 1,
      options: { size: 'small', residual: true, loss: 'mse' },
    });
    const err = errorOf(() => resolveStoredSpec({ kind: 'vae', channels: 1, options: { input: 20 } }, where));
    expect(err.code).toBe('E_MODEL_CORRUPT');
    expect(err.message).toBe('/m/meta.json holds options its model cannot use: Option "input" must be an integer in [8, 256] and a multiple of 8, got 20');
    expect(errorOf(() => resolveStoredSpec({ kind: 'gan', channels: 1, options: {} }, where)).message).toMatch(/Unknown model kind "gan"/);
  });
});
