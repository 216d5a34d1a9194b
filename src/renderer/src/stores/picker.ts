import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { DirListing } from '../../../shared/contract';
import { call } from '../api';
import { humanize } from '../api/errors';
import { useAppStore } from './app';
import { useNoticeStore } from './notices';

export type PickMode = 'folder' | 'image';

/**
 * Choosing a file or folder: the native dialog on the desktop; in the web mode a browser over
 * the server's folders (inside its root), since a web page cannot see server paths.
 */
export const usePickerStore = defineStore('picker', () => {
  const open = ref(false);
  const mode = ref<PickMode>('folder');
  const title = ref('');
  const listing = shallowRef<DirListing | null>(null);
  const error = ref<string | null>(null);
  /** A listing is on its way; it will replace the path field's text when it arrives. */
  const loading = ref(false);
  let settle: ((path: string | null) => void) | null = null;

  let seq = 0;
  async function browse(path: string | null): Promise<void> {
    // Only the latest request counts: a slow first listing must not replace the folder typed since.
    const mine = ++seq;
    loading.value = true;
    try {
      const result = await call('listDir', { path });
      if (mine !== seq) return;
      listing.value = result;
      error.value = null;
    } catch (err) {
      if (mine !== seq) return;
      const h = humanize(err);
      error.value = `${h.title} ${h.detail}`;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  async function pick(what: PickMode, heading: string, start: string | null = null): Promise<string | null> {
    if (useAppStore().info?.nativeDialogs) {
      try {
        const picked = await call('openDialog', { what: what === 'folder' ? 'folder' : 'images' });
        return picked[0] ?? null;
      } catch (err) {
        useNoticeStore().error(err);
        return null;
      }
    }
    settle?.(null);
    mode.value = what;
    title.value = heading;
    open.value = true;
    await browse(start ?? listing.value?.path ?? null);
    return new Promise((resolve) => {
      settle = resolve;
    });
  }

  function finish(path: string | null): void {
    open.value = false;
    settle?.(path);
    settle = null;
  }

  return { open, mode, title, listing, error, loading, browse, pick, finish };
});
