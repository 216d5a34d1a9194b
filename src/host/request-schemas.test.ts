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

  it('accept a self-supervised run and a fine-tuning run as the Train view builds them', () => {
    for (const request of [
      { ...train, noise: { type: 'gaussian', sigma: 0 }, selfSupervised: { fraction: 0.03, radius: 2, pixelShuffleStride: 4 } },
      { ...train, selfSupervised: { fraction: 0.5, radius: 2 } },
      { ...train, selfSupervised: { fraction: 0.03, radius: 2, pixelShuffleStride: 6, pixelShuffleInferenceStride: 2 } },
      { ...train, channels: 3, initFrom: '/models/dae-rgb' },
    ]) {
      expect(parseRequest('train:start', request)).toEqual({ ok: true, value: request });
    }
  });

  it('refuse self-supervised settings and starting models out of range', () => {
    const ss = { fraction: 0.03, radius: 2 };
    const cases: [unknown, RegExp][] = [
      [{ ...ss, pixelShuffleStride: 7 }, /selfSupervised\.pixelShuffleStride/],
      [{ ...ss, pixelShuffleStride: 0 }, /selfSupervised\.pixelShuffleStride/],
      [{ ...ss, pixelShuffleStride: 2.5 }, /selfSupervised\.pixelShuffleStride/],
      [{ ...ss, fraction: 0.6 }, /selfSupervised\.fraction/],
      [{ ...ss, fraction: 0 }, /selfSupervised\.fraction/],
      [{ ...ss, radius: 0 }, /selfSupervised\.radius/],
      [{ fraction: 0.03 }, /selfSupervised\.radius/],
      [{ ...ss, pixelShuffleStride: 2, pixelShuffleInferenceStride: 3 }, /inference stride cannot exceed/],
      [{ ...ss, pixelShuffleInferenceStride: 2 }, /inference stride cannot exceed/],
      [{ ...ss, extra: true }, /Unrecognized key|extra/i],
    ];
    for (const [selfSupervised, message] of cases) {
      const parsed = parseRequest('train:start', { ...train, selfSupervised });
      expect(parsed.ok, JSON.stringify(selfSupervised)).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(message);
    }
    for (const [initFrom, message] of [['/models/a\0b', /NUL/], ['', /initFrom/], [42, /initFrom/]] as const) {
      const parsed = parseRequest('train:start', { ...train, initFrom });
      expect(parsed.ok, JSON.stringify(initFrom)).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(message);
    }
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
