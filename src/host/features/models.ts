import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { writeFileAtomic } from '../../ml/store/atomic-write';
import { newJobId, startJob, type Handlers, type HostContext } from '../host-context';

type ModelHandlers = Pick<Handlers, 'models:list' | 'models:rename' | 'models:delete' | 'models:import' | 'models:export' | 'models:compare'>;

/** The model library in Settings.modelsDir; `isTraining(dir)` tells which folder a run is writing. */
export function setupModels(ctx: HostContext, isTraining: (dir: string) => boolean): ModelHandlers {
  const { engine, guard, settings } = ctx;
  const root = (): string => settings.get().modelsDir;
  const checkModel = (dir: string): Promise<string> => guard.checkWithin(dir, [root()], 'Model');
  let starters: Promise<void> | null = null;
  return {
    'models:list': async () => {
      await fs.mkdir(root(), { recursive: true });
      starters ??= installStarters(ctx).catch(() => undefined);
      await starters;
      const list = await engine.request('models', { root: root() });
      // The run being trained has checkpoints and no model yet: it is not "continuable" while it runs.
      return { ...list, runs: list.runs.filter((r) => !isTraining(r.dir)) };
    },

    'models:rename': async ({ dir, name }) => {
      const real = await checkModel(dir);
      if (real === (await guard.checkWithin(root(), [root()], 'Models folder'))) throw new DenoiseError('E_INVALID_ARGUMENT', 'That is the models folder itself');
      if (isTraining(real)) throw new DenoiseError('E_INVALID_ARGUMENT', 'This model is being trained; cancel the run before renaming it');
      return engine.request('modelRename', { dir: real, name });
    },

    'models:delete': async ({ dir }) => {
      const real = await checkModel(dir);
      // Deleting the folder a run is writing would make its next checkpoint fail confusingly.
      if (isTraining(real)) throw new DenoiseError('E_INVALID_ARGUMENT', 'This model is being trained; cancel the run before deleting it');
      await engine.request('modelDelete', { dir: real });
      return null;
    },

    'models:import': async ({ path }) => {
      const real = await guard.check(path, 'Model folder');
      await fs.mkdir(root(), { recursive: true });
      return engine.request('modelImport', { src: real, root: root() });
    },

    'models:export': async ({ dir, dest }) => {
      const real = await checkModel(dir);
      const target = await guard.check(dest ?? settings.get().outputDir, 'Export folder');
      return engine.request('modelExport', { dir: real, dest: target });
    },

    'models:compare': async ({ dirs, dataset, noise, seed }) => {
      const models: string[] = [];
      for (const d of dirs) models.push(await checkModel(d));
      const data = await guard.check(dataset, 'Dataset');
      const jobId = newJobId();
      startJob(ctx, jobId, engine.request('compare', { jobId, dirs: models, dataset: data, noise, seed }), (report) => ({
        jobId,
        type: 'done',
        result: { kind: 'compare', ...report },
      }));
      return { jobId };
    },
  };
}

/**
 * Copies each starter model shipped with the app into the library the first time the library is
 * listed, and records it in the data folder, so a starter the user deleted or renamed is not
 * brought back. Folders without meta.json (a training run in progress) are not models yet.
 */
async function installStarters(ctx: HostContext): Promise<void> {
  const source = ctx.options.starterModelsDir;
  if (!source) return;
  const record = join(ctx.options.dataHome, 'starter-models.json');
  const installed = new Set<string>(JSON.parse(await fs.readFile(record, 'utf8').catch(() => '[]')) as string[]);
  const entries = await fs.readdir(source, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || installed.has(entry.name)) continue;
    if (!(await fs.stat(join(source, entry.name, 'meta.json')).catch(() => undefined))) continue;
    await ctx.engine.request('modelImport', { src: join(source, entry.name), root: ctx.settings.get().modelsDir });
    installed.add(entry.name);
    await fs.mkdir(ctx.options.dataHome, { recursive: true });
    await writeFileAtomic(record, JSON.stringify([...installed].sort(), null, 2));
  }
}
