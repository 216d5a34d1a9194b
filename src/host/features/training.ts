import { resolve } from 'node:path';
import type { EventMap } from '../../shared/contract';
import { DenoiseError, toErrorInfo } from '../../shared/errors';
import type { TrainRun } from '../../shared/engine-protocol';
import { withTrainDefaults } from '../../shared/training';
import { newJobId, type Handlers, type HostContext } from '../host-context';

type TrainingHandlers = Pick<Handlers, 'train:start' | 'train:continue' | 'train:pause' | 'train:resume' | 'train:cancel'>;

/** The UI redraws at most this often; the engine reports every 10 steps. */
const PROGRESS_MIN_INTERVAL_MS = 100;

/**
 * Training runs, one at a time: the host names the output folder (inside the models folder),
 * checks every data folder against the granted roots (a continued run's saved folders too:
 * nothing is granted from a file) and a fine-tuning run's starting model against the models
 * folder and the grants, starts the engine's run and re-publishes its events as
 * `train` events, throttled. Pause/resume hold the run between steps; continue starts a new
 * run from a saved one's checkpoint.
 */
export function setupTraining(ctx: HostContext): TrainingHandlers & { activeOutDir(): string | null } {
  const { engine, guard, settings } = ctx;
  let active: { jobId: string; outDir: string } | null = null;
  const modelsRoot = (): string => settings.get().modelsDir;
  const emit = (payload: EventMap['train']): void => ctx.emit('train', payload);

  const firstImageOf = (dataDirs: string[]): string | null =>
    dataDirs.map((d) => ctx.datasets.get(d)?.images[0]?.path).find((p) => p !== undefined) ?? null;

  const start = (run: TrainRun, outDir: string, dataDirs: string[]): { jobId: string; outDir: string } => {
    if (active) throw new DenoiseError('E_INVALID_ARGUMENT', 'A training run is already going; cancel it or wait for it to finish first');
    const jobId = newJobId();
    active = { jobId, outDir: resolve(outDir) };
    let lastProgress = 0;
    ctx.jobEvents.set(jobId, (id, event) => {
      switch (event.kind) {
        case 'train':
          if (event.event.type === 'progress') {
            const now = Date.now();
            if (now - lastProgress < PROGRESS_MIN_INTERVAL_MS) return;
            lastProgress = now;
          }
          if (event.event.type === 'started') emit({ jobId: id, type: 'state', state: 'running' });
          emit({ jobId: id, type: 'event', event: event.event });
          return;
        case 'samples':
          emit({
            jobId: id,
            type: 'samples',
            samples: { step: event.step, clean: ctx.media.addBlob(event.clean), noisy: ctx.media.addBlob(event.noisy), output: ctx.media.addBlob(event.output) },
          });
          return;
        case 'state':
          emit({ jobId: id, type: 'state', state: event.state });
          return;
        case 'progress':
          return;
      }
    });
    emit({ jobId, type: 'state', state: 'starting' });
    engine
      .request('train', { jobId, run, samplesFrom: firstImageOf(dataDirs) })
      .then(
        (result) => emit({ jobId, type: 'state', state: result.reason === 'cancelled' ? 'cancelled' : 'finished' }),
        (err: unknown) => {
          const error = toErrorInfo(err);
          const state = error.code === 'E_CANCELLED' ? 'cancelled' : error.details?.['reason'] === 'engine-crashed' ? 'crashed' : 'failed';
          emit({ jobId, type: 'state', state, error });
        },
      )
      .finally(() => {
        if (active?.jobId === jobId) active = null;
        ctx.jobEvents.delete(jobId);
      });
    return { jobId, outDir };
  };

  return {
    activeOutDir: () => active?.outDir ?? null,

    'train:start': async (request) => {
      const { name, datasetPaths, overwrite, initFrom, ...chosen } = request;
      const outDir = await guard.checkWithin(resolve(modelsRoot(), name), [modelsRoot()], 'Model');
      const dataDirs: string[] = [];
      for (const p of datasetPaths) dataDirs.push(await guard.check(p, 'Dataset'));
      // A model to fine-tune from is read like any path the page names: from the library or a
      // granted folder only. The engine then refuses one that is not the run's model.
      const init = initFrom === undefined ? {} : { initFrom: await guard.checkWithin(initFrom, [modelsRoot(), ...guard.roots()], 'Starting model') };
      const config = withTrainDefaults({ ...chosen, ...init }, { dataDirs, outDir });
      return start({ type: 'new', config, overwrite }, outDir, dataDirs);
    },

    'train:continue': async ({ modelDir, more }) => {
      const outDir = await guard.checkWithin(modelDir, [modelsRoot()], 'Model');
      const saved = await engine.request('runSettings', { outDir });
      // The run's data folders come from a file in the models folder: each must still be one
      // the user granted (a root, the dialog, a drop), never granted because the file says so.
      const dataDirs: string[] = [];
      for (const d of saved.pairs ? [saved.pairs.noisyDir, saved.pairs.cleanDir] : saved.dataDirs) {
        dataDirs.push(
          await guard.check(d, 'Dataset').catch(() => {
            throw new DenoiseError('E_PATH_OUTSIDE_ROOT', `This run trained on ${d}, which this app may not open now; choose that folder (open it or drop it) and continue again`, { path: d });
          }),
        );
      }
      return start({ type: 'continue', outDir, more }, outDir, dataDirs);
    },

    'train:pause': async ({ jobId }) => {
      await engine.request('pause', { jobId });
      return null;
    },
    'train:resume': async ({ jobId }) => {
      await engine.request('resume', { jobId });
      return null;
    },
    'train:cancel': async ({ jobId }) => {
      emit({ jobId, type: 'state', state: 'cancelling' });
      await engine.cancel(jobId);
      return null;
    },
  };
}
