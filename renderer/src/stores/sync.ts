import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { useLiveQuery } from '../composables/live';
import { useDb } from '../db/database';
import { useHost } from '../host/client';
import { SyncClient, type SyncStatus } from '../sync/client';
import { discardProblem, readProblems, retryProblem } from '../sync/problems';

/** The sync client of this window and what the header and Settings show of it. */
export const useSync = defineStore('sync', () => {
  const db = useDb();
  const client = shallowRef<SyncClient>();
  const status = ref<SyncStatus>({ phase: 'off', url: null, lastSyncAt: null, lastError: null });
  const pending = useLiveQuery(() => db.outbox.count());
  const conflicts = useLiveQuery(() => db.conflicts.filter((c) => !c.resolved).toArray());
  const conflictCount = computed(() => conflicts.value?.length ?? 0);
  /** Changes the server refused for good, set aside on this device (sync/problems.ts). */
  const problems = useLiveQuery(() => readProblems(db));

  /** Forgets a set-aside change: the team never gets it. */
  async function discard(id: string): Promise<void> {
    await discardProblem(db, id);
  }

  /** Puts a set-aside change back in the outbox and syncs. */
  async function retry(id: string): Promise<void> {
    await retryProblem(db, id);
    await client.value?.syncNow();
  }

  /** Starts the window's sync client (once). */
  async function start(): Promise<void> {
    if (client.value) return;
    const created = new SyncClient(useHost(), db);
    client.value = created;
    created.onStatus((next) => (status.value = next));
    await created.start();
  }

  return { client, status, pending, conflicts, conflictCount, problems, discard, retry, start };
});
