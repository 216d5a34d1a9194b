import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { BrokenModelInfo, CompareRow, ContinuableRun, JobUpdate, ModelInfo } from '../../../shared/contract';
import type { NoiseSpec } from '../../../shared/noise';
import { call, subscribe } from '../api';
import { useNoticeStore } from './notices';

/** The model library: list, rename, delete, import, export, and comparing several on a dataset. */
export const useModelStore = defineStore('models', () => {
  const models = ref<ModelInfo[]>([]);
  const broken = ref<BrokenModelInfo[]>([]);
  /** Runs that saved checkpoints but no model (stopped or killed): they can be continued. */
  const runs = ref<ContinuableRun[]>([]);
  const loading = ref(false);
  const compareJob = ref<{ jobId: string; done: number; total: number; current: string } | null>(null);
  const compareRows = ref<CompareRow[]>([]);
  const compareFailed = ref<{ dir: string; title: string }[]>([]);
  const lastExport = ref<string | null>(null);

  const generative = computed(() => models.value.filter((m) => m.generative));

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      const list = await call('listModels', null);
      models.value = list.models;
      broken.value = list.broken;
      runs.value = list.runs;
    } catch (err) {
      useNoticeStore().error(err);
    } finally {
      loading.value = false;
    }
  }

  async function rename(dir: string, name: string): Promise<boolean> {
    try {
      await call('renameModel', { dir, name });
      await refresh();
      return true;
    } catch (err) {
      useNoticeStore().error(err);
      return false;
    }
  }

  async function remove(dir: string): Promise<void> {
    try {
      await call('deleteModel', { dir });
      await refresh();
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  async function importFrom(path: string): Promise<void> {
    try {
      const info = await call('importModel', { path });
      useNoticeStore().info(`Imported ${info.name}`);
      await refresh();
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  async function exportTo(dir: string, dest: string | null): Promise<void> {
    try {
      const out = await call('exportModel', { dir, dest });
      lastExport.value = out.path;
      useNoticeStore().info('Model exported', out.path);
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  function onJob(update: JobUpdate): void {
    const job = compareJob.value;
    if (!job || update.jobId !== job.jobId) return;
    if (update.type === 'progress') compareJob.value = { ...job, done: update.done, total: update.total, current: update.file };
    else if (update.type === 'done') {
      if (update.result.kind === 'compare') {
        compareRows.value = [...update.result.rows].sort((a, b) => b.psnr - a.psnr);
        compareFailed.value = update.result.failed.map((f) => ({ dir: f.dir, title: f.error.message }));
      }
      compareJob.value = null;
    } else if (update.type === 'failed') {
      if (update.error.code !== 'E_CANCELLED') useNoticeStore().error(update.error);
      compareJob.value = null;
    }
  }

  async function compare(dirs: string[], dataset: string, noise: NoiseSpec, seed: number): Promise<void> {
    compareRows.value = [];
    compareFailed.value = [];
    try {
      const { jobId } = await call('compareModels', { dirs, dataset, noise, seed });
      compareJob.value = { jobId, done: 0, total: dirs.length, current: '' };
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  async function cancelCompare(): Promise<void> {
    if (compareJob.value) await call('cancelJob', { jobId: compareJob.value.jobId }).catch(() => undefined);
  }

  let unsubscribe: (() => void) | null = null;
  function listen(): void {
    unsubscribe ??= subscribe('onJob', onJob);
  }

  return { models, broken, runs, loading, generative, compareJob, compareRows, compareFailed, lastExport, refresh, rename, remove, importFrom, exportTo, compare, cancelCompare, listen };
});
