import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ImageRef, JobUpdate } from '../../../shared/contract';
import { TOY_KINDS, type ExploreFrame, type ImageView, type LabView, type ToyDatasetName, type ToyKind } from '../../../shared/explore';
import { call, subscribe } from '../api';
import { useNoticeStore } from './notices';

/**
 * The Explore view's 2-D lab: settings, the running job and its latest frame. The engine trains
 * and draws; frames arrive as `job` events and replace the pictures, so the plots redraw live.
 */
export const useExploreStore = defineStore('explore', () => {
  const kind = ref<ToyKind>('dae');
  const versus = ref<ToyKind | null>(null);
  const data = ref<ToyDatasetName>('spiral');
  const count = ref(1000);
  const dataNoise = ref(0.03);
  const seed = ref(0);
  const steps = ref(1500);
  const frameEvery = ref(100);
  const frame = shallowRef<ExploreFrame | null>(null);
  const jobId = ref<string | null>(null);
  const running = ref(false);

  async function start(): Promise<void> {
    if (running.value) return;
    running.value = true;
    frame.value = null;
    try {
      const answer = await call('exploreLab', {
        kind: kind.value,
        versus: versus.value,
        data: data.value,
        count: count.value,
        dataNoise: dataNoise.value,
        seed: seed.value,
        steps: steps.value,
        frameEvery: frameEvery.value,
        views: null,
      });
      jobId.value = answer.jobId;
    } catch (err) {
      running.value = false;
      useNoticeStore().error(err);
    }
  }

  async function stop(): Promise<void> {
    if (!jobId.value) return;
    try {
      await call('cancelJob', { jobId: jobId.value });
    } catch (err) {
      useNoticeStore().error(err);
    }
  }

  function onJob(update: JobUpdate): void {
    if (update.jobId !== jobId.value) return;
    if (update.type === 'explore') frame.value = update.frame;
    else if (update.type === 'done') {
      if (update.result.kind === 'explore') frame.value = update.result.frame;
      running.value = false;
      jobId.value = null;
    } else if (update.type === 'failed') {
      running.value = false;
      jobId.value = null;
      // A cancelled lab ends quietly; anything else is worth a notice.
      if (update.error.code !== 'E_CANCELLED') useNoticeStore().error(update.error);
    }
  }

  /** The frame's pictures as rows, one per kind. */
  function rows(): { kind: ToyKind; views: { view: LabView; svg: string }[] }[] {
    const f = frame.value;
    if (!f) return [];
    const kinds = [...new Set(f.views.map((v) => v.kind))];
    return kinds.map((k) => ({ kind: k, views: f.views.filter((v) => v.kind === k) }));
  }

  // Inside a trained image model: one view at a time, drawn by the engine as a picture.
  const modelDir = ref('');
  const modelView = ref<ImageView>('noise-map');
  const images = ref<string | null>(null);
  const image = ref<string | null>(null);
  const sigma = ref(25);
  const modelImage = shallowRef<ImageRef | null>(null);
  const modelSummary = shallowRef<Record<string, unknown> | null>(null);
  const modelBusy = ref(false);

  async function showModelView(): Promise<void> {
    if (!modelDir.value || modelBusy.value) return;
    modelBusy.value = true;
    try {
      const answer = await call('exploreModel', { modelDir: modelDir.value, view: modelView.value, images: images.value, image: image.value, sigma: sigma.value, seed: seed.value });
      modelImage.value = answer.image;
      modelSummary.value = answer.summary;
    } catch (err) {
      useNoticeStore().error(err);
    } finally {
      modelBusy.value = false;
    }
  }

  let unsubscribe: (() => void) | null = null;
  function listen(): void {
    unsubscribe ??= subscribe('onJob', onJob);
  }

  return {
    kinds: TOY_KINDS,
    kind,
    versus,
    data,
    count,
    dataNoise,
    seed,
    steps,
    frameEvery,
    frame,
    running,
    start,
    stop,
    rows,
    listen,
    modelDir,
    modelView,
    images,
    image,
    sigma,
    modelImage,
    modelSummary,
    modelBusy,
    showModelView,
  };
});
