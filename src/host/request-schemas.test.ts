import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../shared/contract';
import { parseRequest, REQUEST_SCHEMAS } from './request-schemas';

const train = {
  name: 'my-model',
  datasetPaths: ['/data/photos'],
  kind: 'dae',
  modelOptions: { size: 'tiny', residual: true },
  noise: { type: 'gaussian', sigma: 25 },
  patchSize: 32,
  batchSize: 4,
  maxSteps: 10,
  learningRate: 0.001,
  validateEvery: 5,
  checkpointEvery: 5,
  valFraction: 0.1,
  augment: true,
  seed: 0,
  overwrite: false,
};

describe('request schemas', () => {
  it('cover every channel of the contract', () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual([...CHANNELS].sort());
  });

  it('accept a well-formed training request', () => {
    expect(parseRequest('train:start', train)).toEqual({ ok: true, value: train });
  });

  it('refuse malformed payloads with a message naming the field', () => {
    const cases: [Parameters<typeof parseRequest>[0], unknown, RegExp][] = [
      ['train:start', { ...train, name: '../escape' }, /name/],
      ['train:start', { ...train, maxSteps: undefined }, /epochs, minutes or a step count/],
      ['train:start', { ...train, noise: { type: 'gaussian', sigma: -1 } }, /noise/],
      ['train:start', { ...train, extra: 1 }, /Unrecognized key|extra/i],
      ['train:start', { ...train, modelOptions: { size: { nested: true } } }, /modelOptions/],
      ['datasets:scan', { path: 'a\0b', recursive: true }, /NUL/],
      ['datasets:scan', { path: 42, recursive: true }, /path/],
      ['denoise:export', { modelDir: '/m', file: '/f.png', strength: 1, sigma: null, format: 'jpeg', bitDepth: 16, outDir: null }, /16-bit/],
      ['denoise:export', { modelDir: '/m', file: '/f.png', strength: 2, sigma: null, format: 'png', bitDepth: 8, outDir: null }, /strength/],
      ['train:cancel', { jobId: '../../x' }, /jobId/],
      ['settings:set', { backend: 'quantum' }, /backend/],
      ['app:info', { sneaky: true }, /app:info/],
    ];
    for (const [channel, raw, message] of cases) {
      const parsed = parseRequest(channel, raw);
      expect(parsed.ok, `${channel} ${JSON.stringify(raw)}`).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(message);
    }
  });

  it('accept an export at the source bit depth (null) in any format', () => {
    const request = { modelDir: '/m', file: '/f.png', strength: 1, sigma: null, format: 'jpeg', bitDepth: null, outDir: null };
    expect(parseRequest('denoise:export', request)).toEqual({ ok: true, value: request });
  });

  it('treat a missing payload as null for channels without one', () => {
    expect(parseRequest('models:list', undefined)).toEqual({ ok: true, value: null });
  });
});
