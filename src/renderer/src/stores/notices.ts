import { defineStore } from 'pinia';
import { ref } from 'vue';
import { humanize, type HumanError } from '../api/errors';

/** Messages shown to the user (errors mapped from contract codes, and confirmations). */
export interface Notice {
  id: number;
  tone: 'error' | 'info';
  title: string;
  detail: string;
  code?: string;
}

export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  function push(tone: Notice['tone'], title: string, detail = '', code?: string): void {
    notices.value = [...notices.value.slice(-2), { id: nextId++, tone, title, detail, ...(code ? { code } : {}) }];
    // Errors stay longer than confirmations, but neither piles up forever.
    const id = nextId - 1;
    setTimeout(() => dismiss(id), tone === 'info' ? 6000 : 20000);
  }

  function error(err: unknown): HumanError {
    const human = humanize(err);
    push('error', human.title, human.detail, human.code);
    return human;
  }

  function info(title: string, detail = ''): void {
    push('info', title, detail);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  return { notices, error, info, dismiss };
});
