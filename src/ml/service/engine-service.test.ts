import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineJobEvent, EngineMessage, EngineMethod, EngineParams, EngineResult } from '../../shared/engine-protocol';
import type { ErrorInfo } from '../../shared/errors';
import { withTrainDefaults } from '../../shared/training';
import { makeTempDir, removeTempDir, writeGrayPng } from '../../test-support/fixtures';
import { createEngineService } from './engine-service';

/**
 * The engine process's protocol end to end in process: requests in, replies and job events
 * out, over the real jobs layer on the wasm backend, with tiny models and images.
 */
let dir: string;
const events: { jobId: string; event: EngineJobEvent }[] = [];
const pending = new Map<number, (r: { ok: boolean; value?: unknown; error?: ErrorInfo }) => void>();
let nextId = 1;
let onEvent: ((jobId: string, event: EngineJobEvent) => void) | null = null;

const service = createEngineService((message: EngineMessage) => {
  if (message.type === 'reply') pending.get(message.id)?.(message.result as never);
  if (message.type === 'event') {
    events.push({ jobId: message.jobId, event: message.event });
    onEvent?.(message.jobId, message.event);
  }
});

function request<M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<EngineResult<M>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (r) => (r.ok ? resolve(r.value as EngineResult<M>) : reject(Object.assign(new Error(r.error?.message), r.error))));
    service.handle({ type: 'request', id, method, params });
  });
}

const tiny = (outDir: string, maxSteps: number) =>
  withTrainDefaults(
    { kind: 'dae', modelOptions: { size: 'tiny' }, noise: { type: 'gaussian', sigma: 25 }, patchSize: 16, batchSize: 2, maxSteps, validateEvery: 1000, checkpointEvery: 2 },
    { dataDirs: [join(dir, 'data')], outDir },
  );

beforeAll(async () => {
  process.env['DENOISE_BACKEND'] = 'wasm';
  dir = await makeTempDir('engine-service-');
  await fs.mkdir(join(dir, 'data'));
  for (let i = 0; i < 4; i++) await writeGrayPng(join(dir, 'data'), `g${i}.png`, { width: 40 + i * 8, height: 40 });
});

afterAll(async () => {
  delete process.env['DENOISE_BACKEND'];
  await removeTempDir(dir);
});

describe('engine service', () => {
  it('reports the whole backend report, as the engine chose it', async () => {
    const report = await request('backend', { refresh: false });
    expect(report).toMatchObject({ active: 'wasm', forced: true, isGpu: false });
    expect(Array.isArray(report.skipped)).toBe(true);
  });

  it('trains a new run with events and samples, lists it, then continues it for more steps', async () => {
    const out = join(dir, 'models', 'run');
    const sample = join(dir, 'data', 'g0.png');
    const result = await request('train', { jobId: 't1', run: { type: 'new', config: tiny(out, 4), overwrite: false }, samplesFrom: sample });
    expect(result).toMatchObject({ reason: 'max-steps', step: 4 });
    const kinds = events.filter((e) => e.jobId === 't1').map((e) => (e.event.kind === 'train' ? e.event.event.type : e.event.kind));
    expect(kinds[0]).toBe('started');
    expect(kinds).toContain('checkpoint');
    expect(kinds).toContain('samples');
    expect(kinds.at(-1)).toBe('samples');

    const list = await request('models', { root: join(dir, 'models') });
    expect(list.models.map((m) => m.name)).toEqual(['run']);
    const more = await request('train', { jobId: 't2', run: { type: 'continue', outDir: out, more: { maxSteps: 2 } }, samplesFrom: null });
    expect(more).toMatchObject({ step: 6 });
    const settings = await request('runSettings', { outDir: out });
    expect(settings.dataDirs).toEqual([join(dir, 'data')]);
  });

  it('pauses and resumes a running job between steps, and cancels it keeping a model', async () => {
    const out = join(dir, 'models', 'long');
    let paused = false;
    onEvent = (jobId, event) => {
      if (jobId !== 'long' || event.kind !== 'train' || event.event.type !== 'started' || paused) return;
      paused = true;
      void request('pause', { jobId: 'long' }).then(async () => {
        const before = events.filter((e) => e.jobId === 'long').length;
        await new Promise((r) => setTimeout(r, 300));
        // Nothing happens while paused: no progress events arrive.
        expect(events.filter((e) => e.jobId === 'long' && e.event.kind === 'train').length).toBe(before - 1);
        await request('resume', { jobId: 'long' });
        await request('cancel', { jobId: 'long' });
      });
    };
    const result = await request('train', { jobId: 'long', run: { type: 'new', config: tiny(out, 100000), overwrite: false }, samplesFrom: null });
    onEvent = null;
    expect(result.reason).toBe('cancelled');
    const states = events.filter((e) => e.jobId === 'long' && e.event.kind === 'state').map((e) => (e.event as { state: string }).state);
    expect(states).toEqual(['paused', 'running', 'cancelling']);
    await expect(fs.stat(join(out, 'meta.json'))).resolves.toBeTruthy();
  });

  it('answers a request for a method it does not have, so the host never waits forever', async () => {
    await expect(request('noSuchMethod' as EngineMethod, null as never)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('noSuchMethod') });
  });

  it('refuses a new run over a model unless asked, and a job id in use', async () => {
    const out = join(dir, 'models', 'run');
    await expect(request('train', { jobId: 't3', run: { type: 'new', config: tiny(out, 2), overwrite: false }, samplesFrom: null })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(request('pause', { jobId: 'nope' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('denoises a preview and compares models through the same jobs as the CLI', async () => {
    const model = join(dir, 'models', 'run');
    const preview = await request('denoisePreview', { modelDir: model, file: join(dir, 'data', 'g1.png'), maxSide: 4096 });
    expect(preview.after).toMatchObject({ mime: 'image/png', width: 48, height: 40 });
    const exportOnce = () => request('denoiseExport', { modelDir: model, file: join(dir, 'data', 'g1.png'), strength: 1, format: 'png', outDir: join(dir, 'out') });
    // A second export of the same photo gets a new name: nothing is overwritten.
    expect(await exportOnce()).toEqual({ output: join(dir, 'out', 'g1-denoised.png') });
    expect(await exportOnce()).toEqual({ output: join(dir, 'out', 'g1-denoised-2.png') });
    const report = await request('compare', { jobId: 'c1', dirs: [model, join(dir, 'data')], dataset: join(dir, 'data'), noise: { type: 'gaussian', sigma: 25 }, seed: 0 });
    expect(report.rows.map((r) => r.name)).toEqual(['run']);
    expect(report.failed).toEqual([expect.objectContaining({ dir: join(dir, 'data') })]);
  });
});
