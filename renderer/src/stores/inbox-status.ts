import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { InboxState } from '../../../core/host/contract';

/** A mailbox's INBOX watcher as the host last reported it (`inbox/status`). */
export interface InboxStatusEntry {
  state: InboxState;
  /** The sentence to show: "Watching the inbox", or the problem in a salesperson's words. */
  message: string;
  /** When it tries again by itself, UTC ms. */
  retryAt?: number;
}

/**
 * The latest `inbox/status` per mailbox id, kept by `startInboxWatching` and shown on the
 * mailbox's row in Settings. Empty for a mailbox whose inbox is not watched.
 */
export const useInboxStatus = defineStore('inbox-status', () => {
  const byMailbox = ref<Record<string, InboxStatusEntry>>({});

  function set(mailboxId: string, entry: InboxStatusEntry): void {
    byMailbox.value = { ...byMailbox.value, [mailboxId]: entry };
  }

  function clear(mailboxId: string): void {
    if (!(mailboxId in byMailbox.value)) return;
    byMailbox.value = Object.fromEntries(Object.entries(byMailbox.value).filter(([id]) => id !== mailboxId));
  }

  /** True when the state is a problem the person should see (not watching, connecting or a rescan). */
  function isProblem(mailboxId: string): boolean {
    const state = byMailbox.value[mailboxId]?.state;
    return state === 'auth-failed' || state === 'unreachable' || state === 'error';
  }

  return { byMailbox, set, clear, isProblem };
});
