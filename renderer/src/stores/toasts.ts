import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  /** A cheap undo, offered for a few seconds. */
  action?: { label: string; run: () => Promise<void> | void };
}

/** Short messages at the bottom of the window, with undo where it is cheap. */
export const useToasts = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  let next = 1;

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }

  function show(text: string, options: { kind?: Toast['kind']; action?: Toast['action']; ms?: number } = {}): void {
    const toast: Toast = { id: next++, text, kind: options.kind ?? 'info', action: options.action };
    toasts.value = [...toasts.value.slice(-3), toast];
    setTimeout(() => dismiss(toast.id), options.ms ?? (options.action ? 8000 : 4000));
  }

  async function runAction(toast: Toast): Promise<void> {
    dismiss(toast.id);
    try {
      await toast.action?.run();
    } catch (error) {
      show((error as Error).message, { kind: 'error' });
    }
  }

  return { toasts, show, dismiss, runAction };
});
