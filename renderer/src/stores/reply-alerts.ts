import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { InboxFeedRow } from '../../../core/inbox';
import type { HostClient } from '../host/client';

/** A reply that just arrived, shown in the window when the system showed no notification. */
export interface ReplyAlert {
  contactId: string;
  /** The Live Feed's sentence: `Ana Lima replied to Spring launch: "Thursday works"; …`. */
  text: string;
}

/**
 * In-app notices of new replies (SPEC R15 "with a notification"), the TaskAlerts pattern: one
 * per person, kept until opened or dismissed.
 */
export const useReplyAlerts = defineStore('reply-alerts', () => {
  const alerts = ref<ReplyAlert[]>([]);

  /** Shows `alert` (once per person: a newer reply replaces the earlier one). */
  function add(alert: ReplyAlert): void {
    alerts.value = [...alerts.value.filter((a) => a.contactId !== alert.contactId), alert];
  }

  function dismiss(contactId: string): void {
    alerts.value = alerts.value.filter((a) => a.contactId !== contactId);
  }

  return { alerts, add, dismiss };
});

/** Where a reply opens: the person's conversation. */
export function conversationRoute(contactId: string): string {
  return `/contacts/${encodeURIComponent(contactId)}/conversation`;
}

/**
 * Tells the person about each new reply in a batch's Live Feed rows (`applyInboxBatch`'s
 * `feed`): the first `inbox.replied` row per person. The host's system notification
 * (`notify/show`) first; where it showed none (the web host, Electron without a notification
 * server), the page's Web Notification where allowed, else an alert inside the window.
 */
export async function notifyReplies(
  rows: readonly InboxFeedRow[],
  host: HostClient,
  add: (alert: ReplyAlert) => void,
  open: (path: string) => void,
): Promise<void> {
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.kind !== 'inbox.replied' || !row.contactId || seen.has(row.contactId)) continue;
    seen.add(row.contactId);
    const alert = { contactId: row.contactId, text: row.text };
    const shown = await host.tryCall('notify/show', {
      title: 'New reply',
      body: row.text.slice(0, 500),
      tag: `reply:${row.contactId}`,
    });
    if (shown.data?.shown) continue;
    const Web = (globalThis as { Notification?: typeof Notification }).Notification;
    if (Web?.permission === 'granted') {
      try {
        const note = new Web('New reply', { body: alert.text, tag: `reply:${alert.contactId}` });
        note.onclick = () => {
          globalThis.focus?.();
          open(conversationRoute(alert.contactId));
        };
        note.onerror = () => add(alert);
        continue;
      } catch {
        // Some browsers only allow notifications from a service worker: the app shows it itself.
      }
    }
    add(alert);
  }
}
