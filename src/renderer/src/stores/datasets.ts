import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DatasetInfo } from '../../../shared/contract';
import { call, droppedPaths } from '../api';
import { useNoticeStore } from './notices';

const STORAGE_KEY = 'denoise-studio.datasets';

function dirnameOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : path;
}

/** The folders of images the user added, scanned by the engine (counts, sizes, skipped files). */
export const useDatasetStore = defineStore('datasets', () => {
  const datasets = ref<DatasetInfo[]>([]);
  const selected = ref<string | null>(null);
  const busy = ref(0);
  const uploadProgress = ref<{ done: number; total: number } | null>(null);
  const lastFailure = ref<{ path: string; title: string; detail: string; skipped: DatasetInfo['skipped'] } | null>(null);

  const current = computed(() => datasets.value.find((d) => d.path === selected.value) ?? datasets.value[0] ?? null);
  const totalImages = computed(() => datasets.value.reduce((s, d) => s + d.images.length, 0));

  function persist(): void {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(datasets.value.map((d) => d.path)));
    } catch {
      // Storage may be unavailable; the list is then per session.
    }
  }

  async function addFolder(path: string, options: { quiet?: boolean } = {}): Promise<DatasetInfo | null> {
    busy.value++;
    try {
      const info = await call('scanDataset', { path, recursive: true });
      datasets.value = [...datasets.value.filter((d) => d.path !== info.path), info];
      selected.value = info.path;
      lastFailure.value = null;
      persist();
      return info;
    } catch (err) {
      if (options.quiet) return null;
      const human = useNoticeStore().error(err);
      const skipped = ((err as { details?: Record<string, unknown> }).details?.['skipped'] as DatasetInfo['skipped'] | undefined) ?? [];
      lastFailure.value = { path, title: human.title, detail: human.detail, skipped };
      return null;
    } finally {
      busy.value--;
    }
  }

  async function addDropped(transfer: DataTransfer): Promise<void> {
    try {
      const dropped = await droppedPaths(transfer, (done, total) => {
        uploadProgress.value = { done, total };
      });
      uploadProgress.value = null;
      const folders = [...dropped.folders];
      const looseDirs = new Set(dropped.files.map(dirnameOf));
      folders.push(...looseDirs);
      if (folders.length === 0) {
        useNoticeStore().error({ code: dropped.ignored.length ? 'E_UNSUPPORTED_FORMAT' : 'E_NO_IMAGES', message: dropped.ignored.length ? `Not images: ${dropped.ignored.slice(0, 5).join(', ')}` : 'Nothing was dropped' });
        return;
      }
      for (const folder of folders) await addFolder(folder);
    } catch (err) {
      uploadProgress.value = null;
      useNoticeStore().error(err instanceof Error && !('code' in err) ? { code: 'E_IO', message: err.message } : err);
    }
  }

  function remove(path: string): void {
    datasets.value = datasets.value.filter((d) => d.path !== path);
    if (selected.value === path) selected.value = datasets.value[0]?.path ?? null;
    persist();
  }

  async function restore(): Promise<void> {
    let paths: string[];
    try {
      paths = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as string[];
    } catch {
      paths = [];
    }
    for (const path of paths.filter((p) => typeof p === 'string')) await addFolder(path, { quiet: true });
    persist();
  }

  return { datasets, selected, current, busy, uploadProgress, lastFailure, totalImages, addFolder, addDropped, remove, restore };
});
