import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMap, EventName } from '../shared/contract';
import type { TrainConfig } from '../shared/training';
import { fakeEngine, type FakeEngine } from '../test-support/fake-engine';
import { createAppHost, type AppHost } from './app-host';

/**
 * Grants come only from what the user chose (issue 8, findings 3 and 4). Each case is one the
 * host used to get wrong: a scan, open or import granted any path the desktop page sent, a
 * continued run granted the data folders its checkpoint named, and settings.json's folders
 * (even "/") were granted at start-up.
 */
let dir: string;
let home: string;
let outside: string;
let hosts: AppHost[] = [];

const scanOf = (path: string): unknown => ({ root: path, images: [{ path: join(path, 'a.png'), name: 'a.png', width: 8, height: 8, channels: 3, bytes: 10 }], skipped: [], subfoldersNotScanned: 0 });

async function host(mode: 'desktop' | 'web', engine: FakeEngine = fakeEngine({ scan: (p: { path: string }) => scanOf(p.path) }), starterModelsDir?: string): Promise<AppHost> {
  const events: { event: EventName; payload: unknown }[] = [];
  const h = await createAppHost({
    mode,
    version: 'test',
    dataHome: join(home, '.denoise-studio'),
    browseRoot: home,
    spawnEngine: engine.spawn,
    mediaUrl: (kind, id) => `media://${kind}/${id}`,
    emit: <E extends EventName>(event: E, payload: EventMap[E]) => void events.push({ event, payload }),
    ...(mode === 'desktop' ? { openDialog: async () => [outside] } : {}),
    ...(starterModelsDir ? { starterModelsDir } : {}),
  });
  hosts.push(h);
  return h;
}

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'ds-host-')));
  home = join(dir, 'home');
  outside = join(dir, 'elsewhere');
  mkdirSync(join(home, 'photos'), { recursive: true });
  mkdirSync(outside, { recursive: true });
});

afterEach(() => {
  for (const h of hosts) h.dispose();
  hosts = [];
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['desktop', 'web'] as const)('%s host grants', (mode) => {
  it('scans a folder inside the roots, and refuses one the page names outside them', async () => {
    const h = await host(mode);
    expect(await h.dispatch('datasets:scan', { path: join(home, 'photos'), recursive: false })).toMatchObject({ ok: true });
    expect(await h.dispatch('datasets:scan', { path: outside, recursive: false })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    expect(await h.dispatch('image:open', { path: join(outside, 'a.png') })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    expect(await h.dispatch('models:import', { path: outside })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    // Still refused afterwards: a refused request grants nothing.
    expect(await h.dispatch('datasets:scan', { path: outside, recursive: false })).toMatchObject({ ok: false });
  });

  it('refuses a settings folder outside the roots', async () => {
    const h = await host(mode);
    expect(await h.dispatch('settings:set', { modelsDir: outside })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    expect(h.settings().modelsDir).toBe(join(home, '.denoise-studio', 'models'));
  });

  it('does not grant a file-system root saved in settings.json', async () => {
    mkdirSync(join(home, '.denoise-studio'), { recursive: true });
    writeFileSync(join(home, '.denoise-studio', 'settings.json'), JSON.stringify({ modelsDir: '/', outputDir: '/' }));
    const h = await host(mode);
    expect(h.settings().modelsDir).toBe(join(home, '.denoise-studio', 'models'));
    expect(await h.dispatch('datasets:scan', { path: outside, recursive: false })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    expect(await h.dispatch('fs:list', { path: '/' })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
  });

  it('continuing a run whose saved data lies outside the grants is refused and grants nothing', async () => {
    const saved = { dataDirs: [outside], kind: 'dae' } as unknown as TrainConfig;
    const engine = fakeEngine({ scan: (p: { path: string }) => scanOf(p.path), runSettings: () => saved });
    const h = await host(mode, engine);
    const run = join(home, '.denoise-studio', 'models', 'run');
    mkdirSync(run, { recursive: true });
    expect(await h.dispatch('train:continue', { modelDir: run, more: {} })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    expect(engine.requests.map((r) => r.method)).not.toContain('train');
    expect(await h.dispatch('datasets:scan', { path: outside, recursive: false })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
  });

  it('fine-tunes only from a model in the library or a granted folder, never one the page names elsewhere', async () => {
    const engine = fakeEngine({ scan: (p: { path: string }) => scanOf(p.path), train: () => new Promise(() => undefined) });
    const h = await host(mode, engine);
    const start = {
      name: 'tuned',
      datasetPaths: [join(home, 'photos')],
      overwrite: false,
      kind: 'dae',
      modelOptions: { size: 'tiny' },
      channels: 3 as const,
      noise: { type: 'gaussian' as const, sigma: 0 },
      maxSteps: 5,
      selfSupervised: { fraction: 0.03, radius: 2, pixelShuffleStride: 4 },
    };
    mkdirSync(join(outside, 'model'));
    expect(await h.dispatch('train:start', { ...start, initFrom: join(outside, 'model') })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    // A path that climbs out of the models folder is the same folder outside.
    const models = h.settings().modelsDir;
    expect(await h.dispatch('train:start', { ...start, initFrom: join(models, '..', '..', '..', 'elsewhere', 'model') })).toMatchObject({ ok: false, error: { code: 'E_PATH_OUTSIDE_ROOT' } });
    expect(engine.requests.map((r) => r.method)).not.toContain('train');

    const library = join(models, 'dae-start');
    mkdirSync(library, { recursive: true });
    expect(await h.dispatch('train:start', { ...start, initFrom: library })).toMatchObject({ ok: true });
    const sent = engine.requests.find((r) => r.method === 'train')?.params as { run: { type: string; config: TrainConfig } };
    expect(sent.run.config).toMatchObject({ initFrom: library, kind: 'dae', channels: 3, selfSupervised: { fraction: 0.03, radius: 2, pixelShuffleStride: 4 }, outDir: join(models, 'tuned') });
  });
});

describe('desktop grants from the user', () => {
  it('grants what the native dialog returns, and what was dropped', async () => {
    const h = await host('desktop');
    expect(await h.dispatch('dialog:open', { what: 'folder' })).toEqual({ ok: true, value: [outside] });
    expect(await h.dispatch('datasets:scan', { path: outside, recursive: false })).toMatchObject({ ok: true });
    const dropped = join(dir, 'dropped');
    mkdirSync(dropped);
    expect(await h.dispatch('datasets:scan', { path: dropped, recursive: false })).toMatchObject({ ok: false });
    expect(await h.grantDropped(dropped)).toBe(dropped);
    expect(await h.dispatch('datasets:scan', { path: dropped, recursive: false })).toMatchObject({ ok: true });
  });

  it('the web mode has no drops to grant', async () => {
    const h = await host('web');
    await expect(h.grantDropped(outside)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});

describe('starter models', () => {
  it('are copied into the library once; one the user removed is not brought back', async () => {
    const starters = join(dir, 'starters');
    mkdirSync(join(starters, 'dae-gray'), { recursive: true });
    writeFileSync(join(starters, 'dae-gray', 'meta.json'), '{}');
    mkdirSync(join(starters, 'still-training', 'checkpoints'), { recursive: true });
    const script = { models: () => ({ models: [], runs: [], broken: [] }), modelImport: () => ({}) };
    const first = fakeEngine(script);
    const h = await host('web', first, starters);
    expect(await h.dispatch('models:list', null)).toMatchObject({ ok: true });
    expect(await h.dispatch('models:list', null)).toMatchObject({ ok: true });
    const imports = first.requests.filter((r) => r.method === 'modelImport');
    expect(imports.map((r) => r.params)).toEqual([{ src: join(starters, 'dae-gray'), root: join(home, '.denoise-studio', 'models') }]);

    const again = fakeEngine(script);
    const h2 = await host('web', again, starters);
    expect(await h2.dispatch('models:list', null)).toMatchObject({ ok: true });
    expect(again.requests.filter((r) => r.method === 'modelImport')).toEqual([]);
  });
});
