import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../core/host/contract';
import { useHost } from '../host/client';

/** What the app knows of its host: who serves it, and whether it answers. */
export const useHostStore = defineStore('host', () => {
  const info = ref<AppInfo>();
  const error = ref<string>();

  async function load(): Promise<void> {
    const result = await useHost().tryCall('app/get-info', {});
    info.value = result.data;
    error.value = result.error;
  }

  return { info, error, load };
});
