import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ImageRef } from '../../../shared/contract';
import { call } from '../api';
import { useNoticeStore } from './notices';

/** Sampling a VAE: a grid from a seed and temperature, and interpolation between two images. */
export const useGenerateStore = defineStore('generate', () => {
  const modelDir = ref('');
  const count = ref(16);
  const seed = ref(0);
  const temperature = ref(1);
  const images = shallowRef<ImageRef[]>([]);
  const running = ref(false);
  const a = ref<string | null>(null);
  const b = ref<string | null>(null);
  const steps = ref(8);
  const frames = shallowRef<ImageRef[]>([]);

  async function generate(): Promise<void> {
    if (!modelDir.value) return;
    running.value = true;
    try {
      images.value = (await call('generateSamples', { modelDir: modelDir.value, count: count.value, seed: seed.value, temperature: temperature.value })).images;
    } catch (err) {
      useNoticeStore().error(err);
    } finally {
      running.value = false;
    }
  }

  async function interpolate(): Promise<void> {
    if (!modelDir.value || !a.value || !b.value) return;
    running.value = true;
    try {
      frames.value = (await call('interpolate', { modelDir: modelDir.value, a: a.value, b: b.value, steps: steps.value })).images;
    } catch (err) {
      useNoticeStore().error(err);
    } finally {
      running.value = false;
    }
  }

  return { modelDir, count, seed, temperature, images, running, a, b, steps, frames, generate, interpolate };
});
