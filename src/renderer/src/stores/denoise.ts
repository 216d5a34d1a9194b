import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ImageRef, JobUpdate, SkippedInfo } from '../../../shared/contract';
import type { OutputFormat } from '../../../shared/image-formats';
import { call, droppedPaths, subscribe } from '../api';
import { useNoticeStore } from './notices';

/** One image through a model (before/after, strength, export) and whole folders as batch jobs. */
export const useDenoiseStore = defineStore('denoise', () => {
  const modelDir = ref<string>('');
  const file = ref<string | null>(null);
  const before = shallowRef<ImageRef | null>(null);
  const after = shallowRef<ImageRef | null>(null);
  const running = ref(false);
  const strength = ref(1);
  /** Noise level (0-255) for level-aware models; null: the engine estimates it per image. */
  const sigma = ref<number | null>(null);
  /** The level a level-aware model was given on "auto" (the image's estimate), for the view. */
  const estimatedSigma = ref<number | null>(null);
  const format = ref<OutputFormat>('png');
  /** null: as the photo (16-bit stays 16-bit where the format holds it). */
  const bitDepth = ref<8 | 16 | null>(null);
  const exported = ref<{ output: string; download: string } | null>(null);
  const batch = ref<{ jobId: string; outDir: string; done: number; total: number; current: string } | null>(null);
  const batchResult = ref<{ outDir: string; written: number; failed: SkippedInfo[] } | null>(null);

  async function preview(): Promise<void> {
    if (!modelDir.value || !file.value) return;
    running.value = true;
    after.value = null;
    try {
      const out = await call('previewDenoise', { modelDir: modelDir.value, file: file.value, sigma: sigma.value });
      before.value = out.before;
      after.value = out.after;
      estimatedSigma.value = out.estimatedSigma ?? null;
    } catch (err) {
      useNoticeStore().error(err);
    } finally {
      running.value = false;
    }
  }

  async function open(path: string): Promise<void> {
    file.value = path;
    exported.value = null;
    after.value = null;
    try {
      before.value = (await call('openImage', { path })).image;
    } catch (err) {
      before.value = null;
      useNoticeStore().error(err);
      return;
    }
    await preview();
  }

  async function openDropped(transfer: DataTransfer): Promise<void> {
    try {
      const dropped = await droppedPaths(transfer);
      const first = dropped.files[0];
      if (first) await open(first);
      else if (dropped.folders[0]) useNoticeStore().info('That is a folder', 'Use "Denoise a folder" below to process every image in it.');
      else useNoticeStore().error({ code: 'E_UNSUPPORTED_FORMAT', message: `Not an image: ${dropped.ignored.join(', ')}` });
    } catch (err) {
      useNoticeStore().error(err instanceof Error && !('code' in err) ? { code: 'E_IO', message: err.message } : err);
    }
  }

  async function exportImage(outDir: string | null): Promise<void> {
    if (!modelDir.value || !file.value) return;
    running.value = true;
    try {
      exported.value = await call('exportDenoised', { modelDir: modelDir.value, file: file.value, strength: strength.value, sigma: sigma.value, format: format.value, bitDepth: bitDepth.value, outDir });
      useNoticeStore().info('Saved', exported.value.output);
    } catch (err) {
      useNoticeStore().error(err);
    } finally {
      running.value = false;
    }
  }

  async function denoiseFolder(folder: string, outDir: string | null): Promise<void> {
    if (!modelDir.value) return;
    batchResult.value = null;
    try {
      const job = await call('denoiseFolder', { modelDir: modelDir.value, folder, strength: strength.value, sigma: sigma.value, format: format.value, bitDepth: bitDepth.value, outDir, recursive: false });
      batch.value = { jobId: job.jobId, outDir: job.outDir, done: 0, total: 0, current: '' };
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  async function cancelBatch(): Promise<void> {
    if (batch.value) await call('cancelJob', { jobId: batch.value.jobId }).catch((err: unknown) => useNoticeStore().error(err));
  }

  function onJob(update: JobUpdate): void {
    const job = batch.value;
    if (!job || update.jobId !== job.jobId) return;
    if (update.type === 'progress') batch.value = { ...job, done: update.done, total: update.total, current: update.file };
    else if (update.type === 'done') {
      if (update.result.kind === 'denoise') batchResult.value = { outDir: update.result.outDir, written: update.result.written, failed: update.result.failed };
      batch.value = null;
    } else if (update.type === 'failed') {
      if (update.error.code === 'E_CANCELLED') useNoticeStore().info('Batch cancelled', 'Images finished before the cancel are kept.');
      else useNoticeStore().error(update.error);
      batch.value = null;
    }
  }

  let unsubscribe: (() => void) | null = null;
  function listen(): void {
    unsubscribe ??= subscribe('onJob', onJob);
  }

  return { modelDir, file, before, after, running, strength, sigma, estimatedSigma, format, bitDepth, exported, batch, batchResult, preview, open, openDropped, exportImage, denoiseFolder, cancelBatch, listen };
});
