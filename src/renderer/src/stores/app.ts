import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { BackendReport } from '../../../shared/backend';
import type { AppInfo, KindInfo, Settings } from '../../../shared/contract';
import { call, subscribe } from '../api';
import { humanize, type HumanError } from '../api/errors';
import { useNoticeStore } from './notices';

export const VIEWS = ['datasets', 'train', 'denoise', 'generate', 'explore', 'models', 'settings'] as const;
export type ViewName = (typeof VIEWS)[number];

export const VIEW_TITLES: Record<ViewName, string> = {
  datasets: 'Datasets',
  train: 'Train',
  denoise: 'Denoise',
  generate: 'Generate',
  explore: 'Explore',
  models: 'Models',
  settings: 'Settings',
};

function viewFromHash(): ViewName {
  const name = location.hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as ViewName) : 'datasets';
}

/** App-wide state: which view is open, host info, settings, the compute backend and the model kinds. */
export const useAppStore = defineStore('app', () => {
  const view = ref<ViewName>(viewFromHash());
  const info = ref<AppInfo | null>(null);
  const settings = ref<Settings | null>(null);
  const backend = ref<BackendReport | null>(null);
  const backendError = ref<HumanError | null>(null);
  const backendLoading = ref(false);
  const kinds = ref<KindInfo[]>([]);
  const engineCrash = ref<string | null>(null);
  const systemDark = ref(window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false);

  const theme = computed(() => {
    const choice = settings.value?.theme ?? 'system';
    return choice === 'system' ? (systemDark.value ? 'dark' : 'light') : choice;
  });

  function go(name: ViewName): void {
    view.value = name;
    if (location.hash !== `#/${name}`) history.replaceState(null, '', `#/${name}`);
  }

  async function loadBackend(refresh = false): Promise<void> {
    backendLoading.value = true;
    backendError.value = null;
    try {
      backend.value = await call('backendReport', { refresh });
    } catch (err) {
      backend.value = null;
      backendError.value = humanize(err);
    } finally {
      backendLoading.value = false;
    }
  }

  async function loadKinds(): Promise<void> {
    kinds.value = await call('listKinds', null);
  }

  async function init(): Promise<void> {
    const notices = useNoticeStore();
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
      systemDark.value = e.matches;
    });
    window.addEventListener('hashchange', () => {
      view.value = viewFromHash();
    });
    subscribe('onEngine', (update) => {
      if (update.type === 'crashed') {
        engineCrash.value = update.message;
        notices.error({ code: 'E_INTERNAL', message: update.message, details: { reason: 'engine-crashed' } });
        backend.value = null;
      } else {
        engineCrash.value = null;
        // A fresh engine after a crash: show which backend it runs on.
        if (!backend.value && !backendLoading.value) void loadBackend();
      }
    });
    try {
      [info.value, settings.value] = await Promise.all([call('appInfo', null), call('getSettings', null)]);
    } catch (err) {
      notices.error(err);
    }
    await loadBackend();
    try {
      await loadKinds();
    } catch (err) {
      notices.error(err);
    }
  }

  async function updateSettings(patch: Partial<Settings>): Promise<boolean> {
    try {
      const before = settings.value?.backend;
      settings.value = await call('setSettings', patch);
      if (patch.backend !== undefined && patch.backend !== before) {
        await loadBackend(true);
        await loadKinds().catch(() => undefined);
      }
      return true;
    } catch (err) {
      useNoticeStore().error(err);
      return false;
    }
  }

  return { view, info, settings, backend, backendError, backendLoading, kinds, engineCrash, theme, go, init, loadBackend, loadKinds, updateSettings };
});
