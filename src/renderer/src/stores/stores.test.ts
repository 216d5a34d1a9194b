import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContractApi, EventMap, KindInfo, ModelInfo, ModelList } from '../../../shared/contract';
import { fineTuneSettings, selfSupervisedSettings, TRAIN_DEFAULTS } from '../../../shared/training';
import { setApi } from '../api';
import { useAppStore } from './app';
import { useDenoiseStore } from './denoise';
import { useModelStore } from './models';
import { useTrainingStore } from './training';

/**
 * The stores through the api layer, with a fake window.api: what each action sends, and how the
 * events that come back change the state the views draw.
 */
type Listener<E extends keyof EventMap> = (payload: EventMap[E]) => void;

function fakeApi(answers: Record<string, unknown>): { api: ContractApi; calls: { method: string; request: unknown }[]; emit<E extends keyof EventMap>(event: E, payload: EventMap[E]): void } {
  const calls: { method: string; request: unknown }[] = [];
  const listeners: { [E in keyof EventMap]: Listener<E>[] } = { train: [], job: [], engine: [] };
  const events = { onTrain: 'train', onJob: 'job', onEngine: 'engine' } as const;
  const api = new Proxy({} as ContractApi, {
    get(_target, method: string) {
      if (method in events) {
        const name = events[method as keyof typeof events];
        return (listener: never) => {
          (listeners[name] as unknown[]).push(listener);
          return () => undefined;
        };
      }
      if (method === 'then' || method === 'grantDropped') return undefined;
      return async (request: unknown) => {
        calls.push({ method, request });
        return method in answers ? { ok: true, value: answers[method] } : { ok: false, error: { code: 'E_INTERNAL', message: `${method} not scripted` } };
      };
    },
  });
  return {
    api,
    calls,
    emit: (event, payload) => {
      for (const l of listeners[event]) (l as (p: typeof payload) => void)(payload);
    },
  };
}

beforeEach(() => {
  vi.stubGlobal('location', { hash: '' });
  vi.stubGlobal('history', { replaceState: () => undefined });
  vi.stubGlobal('window', { matchMedia: undefined });
  setActivePinia(createPinia());
});

afterEach(() => {
  setApi(null);
  vi.unstubAllGlobals();
});

describe('training store', () => {
  it("starts a run with the engine's defaults and follows only that run's events", async () => {
    const fake = fakeApi({ startTraining: { jobId: 'j1', outDir: '/m/run' } });
    setApi(fake.api);
    const training = useTrainingStore();
    training.listen();
    training.form.datasetPaths = ['/data'];
    training.form.kind = 'dae';
    await training.start();
    const sent = fake.calls.find((c) => c.method === 'startTraining')?.request as Record<string, unknown>;
    expect(sent).toMatchObject({
      datasetPaths: ['/data'],
      kind: 'dae',
      batchSize: TRAIN_DEFAULTS.batchSize,
      validateEvery: TRAIN_DEFAULTS.validateEvery,
      checkpointEvery: TRAIN_DEFAULTS.checkpointEvery,
      patchSize: TRAIN_DEFAULTS.patchSize,
    });
    expect(training.jobId).toBe('j1');

    fake.emit('train', { jobId: 'other', type: 'state', state: 'running' });
    expect(training.state).toBe('starting');
    fake.emit('train', { jobId: 'j1', type: 'state', state: 'running' });
    fake.emit('train', {
      jobId: 'j1',
      type: 'event',
      event: { type: 'progress', step: 10, epoch: 0.5, loss: 0.02, parts: {}, learningRate: 1e-3, patchesPerSecond: 40, elapsedMs: 1000, etaMs: 5000, fraction: 0.1 },
    });
    fake.emit('train', { jobId: 'j1', type: 'event', event: { type: 'checkpoint', step: 10, dir: '/m/run/checkpoints/ckpt-10' } });
    expect(training.state).toBe('running');
    expect(training.progress.step).toBe(10);
    expect(training.series.loss).toEqual([0.02]);
    expect(training.checkpoints).toEqual([10]);

    await training.control('pauseTraining');
    await training.control('resumeTraining');
    expect(fake.calls.filter((c) => c.method.endsWith('Training') && c.method !== 'startTraining')).toEqual([
      { method: 'pauseTraining', request: { jobId: 'j1' } },
      { method: 'resumeTraining', request: { jobId: 'j1' } },
    ]);
  });

  it('continues a saved run for more steps, and shows why a start failed', async () => {
    const fake = fakeApi({ continueTraining: { jobId: 'j2', outDir: '/m/old' } });
    setApi(fake.api);
    const training = useTrainingStore();
    await training.continueRun('/m/old', 50);
    expect(fake.calls.find((c) => c.method === 'continueTraining')?.request).toEqual({ modelDir: '/m/old', more: { maxSteps: 50 } });
    expect(training.jobId).toBe('j2');

    training.form.datasetPaths = ['/data'];
    await training.start();
    expect(training.state).toBe('idle');
    expect(training.error?.code).toBe('E_INTERNAL');
  });
});

describe('training store: self-supervised and fine-tuning runs', () => {
  const sentRequests = (fake: ReturnType<typeof fakeApi>): Record<string, unknown>[] =>
    fake.calls.filter((c) => c.method === 'startTraining').map((c) => c.request as Record<string, unknown>);

  it('sends selfSupervised as `train --self-supervised --noise gaussian:0 [--blind-spot F] [--pd-stride S]` builds it', async () => {
    const fake = fakeApi({});
    setApi(fake.api);
    const training = useTrainingStore();
    training.form.datasetPaths = ['/data'];
    training.form.kind = 'dae';
    training.form.noise.level = 30;
    training.setSelfSupervised(true);
    // Nothing added by default: the photos are already noisy (the CLI's --noise gaussian:0).
    expect(training.form.noise).toMatchObject({ type: 'gaussian', level: 0, levelMax: null, camera: false });
    await training.start();
    // The suggested stride for camera photos; --pd-stride 4 with the default blind spots.
    training.form.pdStride = 1;
    training.form.blindSpot = 0.05;
    await training.start();
    const [camera, plain] = sentRequests(fake);
    expect(camera).toMatchObject({ noise: { type: 'gaussian', sigma: 0 }, selfSupervised: { fraction: 0.03, radius: 2, pixelShuffleStride: 4 } });
    expect(camera?.['selfSupervised']).toEqual(selfSupervisedSettings({ pixelShuffleStride: 4 }));
    // Stride 1 is left out, as the CLI leaves it out (the run's settings hash stays what it was).
    expect(plain?.['selfSupervised']).toEqual({ fraction: 0.05, radius: 2 });
    expect(plain?.['selfSupervised']).toEqual(selfSupervisedSettings({ fraction: 0.05, pixelShuffleStride: 1 }));

    // Off again: the corruption chosen before comes back, and no selfSupervised is sent.
    training.setSelfSupervised(false);
    expect(training.form.noise.level).toBe(30);
    await training.start();
    expect(sentRequests(fake)[2]).not.toHaveProperty('selfSupervised');
  });

  it('sends a chosen library model as `train --init DIR` does: its folder, kind, channels and options', async () => {
    const model: ModelInfo = {
      dir: '/m/dae-gray',
      name: 'dae-gray',
      kind: 'dae',
      channels: 1,
      options: { size: 'small', loss: 'mse', residual: true, noiseMap: false },
      createdAt: '2026-12-01T00:00:00Z',
      updatedAt: '2026-12-01T00:00:00Z',
      backend: 'wasm',
      generative: false,
      training: null,
      metrics: {},
      checkpoints: [],
    };
    const fake = fakeApi({ listModels: { models: [model], runs: [], broken: [] } });
    setApi(fake.api);
    await useModelStore().refresh();
    const training = useTrainingStore();
    training.form.datasetPaths = ['/data'];
    training.pickKind('ae');
    training.form.options = { latent: 8 };
    training.pickStart(model.dir);
    expect(training.startModel?.name).toBe('dae-gray');
    expect(training.form.kind).toBe('dae');
    await training.start();
    const [tuned] = sentRequests(fake);
    expect(tuned).toMatchObject({ kind: 'dae', channels: 1, modelOptions: model.options, initFrom: '/m/dae-gray' });
    expect(tuned).toMatchObject(fineTuneSettings(model.dir, model));

    // The loss shapes only the objective: the Train view leaves it open and sends it, as `--init DIR --loss l1` does.
    const daeInfo: KindInfo = {
      kind: 'dae',
      title: 'Denoising autoencoder',
      description: '',
      generative: false,
      trainDefaults: { batchSize: 8, learningRate: 2e-3 },
      options: [
        { key: 'size', label: 'Size', type: 'choice', default: 'small', choices: ['tiny', 'small', 'medium'] },
        { key: 'loss', label: 'Loss', type: 'choice', default: 'mse', choices: ['mse', 'l1'], objective: true },
      ],
    };
    useAppStore().kinds = [daeInfo];
    training.form.options = { ...training.form.options, loss: 'l1', size: 'medium' };
    await training.start();
    expect(sentRequests(fake)[1]).toMatchObject({ modelOptions: { ...model.options, loss: 'l1' } });
    expect(sentRequests(fake)[1]).toMatchObject(fineTuneSettings(model.dir, model, { loss: 'l1' }));

    // Fresh weights again: no initFrom, and the kind is the person's to choose.
    training.pickStart('');
    await training.start();
    expect(sentRequests(fake)[2]).not.toHaveProperty('initFrom');
    expect(sentRequests(fake)[2]).not.toHaveProperty('channels');
  });
});

describe('models store', () => {
  it('lists models, continuable runs and damaged folders, and shows a comparison when it is done', async () => {
    const list: ModelList = {
      models: [],
      runs: [{ dir: '/m/stopped', name: 'stopped', kind: 'dae', step: 40, savedAt: '2026-12-01T00:00:00Z' }],
      broken: [{ dir: '/m/bad', error: { code: 'E_MODEL_CORRUPT', message: 'damaged' } }],
    };
    const fake = fakeApi({ listModels: list, compareModels: { jobId: 'c1' } });
    setApi(fake.api);
    const models = useModelStore();
    models.listen();
    await models.refresh();
    expect(models.runs.map((r) => r.step)).toEqual([40]);
    expect(models.broken).toHaveLength(1);

    await models.compare(['/m/a', '/m/b'], '/data', { type: 'gaussian', sigma: 25 }, 0);
    expect(models.compareJob?.jobId).toBe('c1');
    const row = (name: string, psnr: number) => ({ dir: `/m/${name}`, name, kind: 'dae', channels: 1 as const, images: 2, psnr, ssim: 0.8, noisyPsnr: 20, noisySsim: 0.3, seconds: 1 });
    fake.emit('job', {
      jobId: 'c1',
      type: 'done',
      result: { kind: 'compare', noise: 'gaussian:25', seed: 0, data: '/data', rows: [row('a', 27), row('b', 29)], failed: [{ dir: '/m/c', error: { code: 'E_MODEL_CORRUPT', message: 'no meta' } }], skipped: [] },
    });
    expect(models.compareJob).toBeNull();
    expect(models.compareRows.map((r) => r.name)).toEqual(['b', 'a']);
    expect(models.compareFailed).toEqual([{ dir: '/m/c', title: 'no meta' }]);
  });
});

describe('denoise store', () => {
  it('asks for the automatic noise level unless one is set', async () => {
    const image = { url: 'media://blob/x', width: 8, height: 8 };
    const fake = fakeApi({ previewDenoise: { before: image, after: image } });
    setApi(fake.api);
    const denoise = useDenoiseStore();
    denoise.modelDir = '/m/a';
    denoise.file = '/p/photo.png';
    await denoise.preview();
    denoise.sigma = 15;
    await denoise.preview();
    expect(fake.calls.map((c) => (c.request as { sigma: number | null }).sigma)).toEqual([null, 15]);
    expect(denoise.after).toEqual(image);
  });
});
