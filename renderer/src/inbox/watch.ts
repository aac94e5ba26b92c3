import { liveQuery } from 'dexie';
import { DEFAULT_INBOX_POLL_MS } from '../../../core/imap-settings';
import type { HostEventPayload, InboxCursor } from '../../../core/host/contract';
import { now } from '../db/change';
import { useDb } from '../db/database';
import { formatWhen } from '../format';
import type { MailboxRecord } from '../db/records';
import type { HostClient } from '../host/client';
import { useInboxStatus } from '../stores/inbox-status';

/** One `inbox/messages` batch: raw RFC 5322 messages in UID order, and the cursor to store once applied. */
export type InboxBatch = HostEventPayload<'inbox/messages'>;

/** What the caller does with the inbox: where each mailbox's cursor is stored, and how a batch is applied. */
export interface InboxWatchHandlers {
  /** The cursor stored for `mailboxId` by the last applied batch, or undefined (the whole INBOX is read). */
  cursor(mailboxId: string): Promise<{ uidValidity: number; lastUid: number } | undefined>;
  /**
   * Applies one batch and stores its `{ uidValidity, lastUid }` as the mailbox's cursor, in one
   * transaction. Batches of one mailbox come one at a time, in order. If it throws, the inbox
   * is read again from the stored cursor, so nothing is lost.
   */
  apply(batch: InboxBatch): Promise<void>;
  /**
   * Waits before reading the inbox again after a batch failed to apply, ms, one per failure in a
   * row (the last repeats); a batch applied starts again from the first. Default 5 s, 30 s,
   * 2 min, 5 min: a batch that keeps failing is not read again and again in a tight loop.
   */
  retryBackoffMs?: readonly number[];
}

/** After a batch failed to apply: 5 s, 30 s, 2 minutes, then every 5 minutes. */
export const APPLY_RETRY_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000, 300_000];

/**
 * Watches the INBOX of every mailbox with IMAP settings (SPEC §11): asks the host to watch
 * each (`inbox/watch`, from `handlers.cursor`), again when a mailbox's IMAP settings change or
 * the host comes back after a restart, and stops one whose IMAP settings were removed or that
 * was deleted (`inbox/unwatch`). Each `inbox/messages` batch goes to `handlers.apply`, one at a
 * time per mailbox; each `inbox/status` is kept in the `useInboxStatus` store (Pinia must be
 * active) for Settings.
 *
 * @returns stop: unsubscribes and asks the host to stop every watcher it started.
 */
export function startInboxWatching(host: HostClient, handlers: InboxWatchHandlers): () => void {
  const statuses = useInboxStatus();
  /** Mailbox id → the settings it is watched with (JSON), as last asked of the host. */
  const watched = new Map<string, { key: string; mailbox: MailboxRecord }>();
  /** Per mailbox, the end of its chain of applies and watch calls: each waits for the one before. */
  const chains = new Map<string, Promise<void>>();
  let stopped = false;
  /**
   * Per mailbox, which run of the host's watcher batches belong to: moved on when an apply
   * fails and again once the host's watcher was stopped, so no batch of the old run is applied.
   */
  const epochs = new Map<string, number>();
  const epochOf = (mailboxId: string): number => epochs.get(mailboxId) ?? 0;
  /** Per mailbox, failed applies in a row, and the timer that reads its inbox again. */
  const failures = new Map<string, number>();
  const retries = new Map<string, ReturnType<typeof setTimeout>>();
  const backoff = handlers.retryBackoffMs ?? APPLY_RETRY_BACKOFF_MS;
  const bump = (mailboxId: string): void => void epochs.set(mailboxId, epochOf(mailboxId) + 1);

  const serial = (mailboxId: string, job: () => Promise<void>): Promise<void> => {
    const next = (chains.get(mailboxId) ?? Promise.resolve()).then(job, job);
    chains.set(
      mailboxId,
      next.catch(() => undefined),
    );
    return next;
  };

  const watch = (mailbox: MailboxRecord, restart: boolean): Promise<void> =>
    serial(mailbox.id, async () => {
      if (stopped || !mailbox.imap) return;
      const stored = await handlers.cursor(mailbox.id);
      if (restart) {
        // The host sends nothing of the stopped watcher after answering; what came before is dropped.
        await host.tryCall('inbox/unwatch', { mailboxId: mailbox.id });
        bump(mailbox.id);
      }
      const cursor: InboxCursor | undefined = stored
        ? { uidValidity: stored.uidValidity, lastUid: stored.lastUid }
        : undefined;
      const { error } = await host.tryCall('inbox/watch', {
        mailboxId: mailbox.id,
        imap: mailbox.imap,
        ...(cursor ? { cursor } : {}),
        pollIntervalMs: mailbox.inboxPollMs ?? DEFAULT_INBOX_POLL_MS,
      });
      if (error) statuses.set(mailbox.id, { state: 'error', message: `The inbox cannot be watched: ${error}` });
    });

  const sync = (mailboxes: MailboxRecord[]): void => {
    if (stopped) return;
    const present = new Set<string>();
    for (const mailbox of mailboxes) {
      if (!mailbox.imap) continue;
      present.add(mailbox.id);
      const key = JSON.stringify([mailbox.imap, mailbox.inboxPollMs ?? DEFAULT_INBOX_POLL_MS]);
      if (watched.get(mailbox.id)?.key === key) continue;
      watched.set(mailbox.id, { key, mailbox });
      void watch(mailbox, false);
    }
    for (const id of [...watched.keys()]) {
      if (present.has(id)) continue;
      watched.delete(id);
      statuses.clear(id);
      void serial(id, async () => void (await host.tryCall('inbox/unwatch', { mailboxId: id })));
    }
  };

  const offMessages = host.on('inbox/messages', (batch) => {
    const current = watched.get(batch.mailboxId);
    if (!current) return;
    const epoch = epochOf(batch.mailboxId);
    void serial(batch.mailboxId, async () => {
      // A batch after one that failed would store a cursor past the failed one's messages.
      if (stopped || epochOf(batch.mailboxId) !== epoch) return;
      await handlers.apply(batch);
      failures.delete(batch.mailboxId);
    }).catch((error: unknown) => {
      if (epochOf(batch.mailboxId) !== epoch) return;
      bump(batch.mailboxId);
      const failed = (failures.get(batch.mailboxId) ?? 0) + 1;
      failures.set(batch.mailboxId, failed);
      const wait = backoff[Math.min(failed, backoff.length) - 1] ?? 300_000;
      const retryAt = now() + wait;
      statuses.set(batch.mailboxId, {
        state: 'error',
        message: `New mail could not be recorded (${(error as Error).message}); Campaign Desk reads the inbox again ${formatWhen(retryAt, current.mailbox.timeZone)}.`,
        retryAt,
      });
      // The host's watcher has moved past this batch: it stops now (nothing it read since is
      // applied: the epoch moved), and once the wait is over starts again from the cursor stored.
      void serial(
        batch.mailboxId,
        async () => void (await host.tryCall('inbox/unwatch', { mailboxId: batch.mailboxId })),
      );
      clearTimeout(retries.get(batch.mailboxId));
      retries.set(
        batch.mailboxId,
        setTimeout(() => {
          retries.delete(batch.mailboxId);
          const latest = watched.get(batch.mailboxId);
          if (latest && !stopped) void watch(latest.mailbox, false);
        }, wait),
      );
    });
  });
  const offStatus = host.on('inbox/status', (status) => {
    // While a failed batch waits to be read again, the mailbox says that (the host's watcher is stopped).
    if (!watched.has(status.mailboxId) || retries.has(status.mailboxId)) return;
    statuses.set(status.mailboxId, {
      state: status.state,
      message: status.message,
      ...(status.retryAt !== undefined ? { retryAt: status.retryAt } : {}),
    });
  });
  // A restarted web host knows nothing of this window's watchers.
  const offReconnect = host.onReconnect(() => {
    for (const { mailbox } of watched.values()) void watch(mailbox, false);
  });
  const subscription = liveQuery(() => useDb().mailboxes.toArray()).subscribe({
    next: sync,
    error: (error: unknown) => console.error('inbox: reading the mailboxes failed', error),
  });

  return () => {
    stopped = true;
    for (const timer of retries.values()) clearTimeout(timer);
    retries.clear();
    subscription.unsubscribe();
    offMessages();
    offStatus();
    offReconnect();
    for (const id of watched.keys()) void host.tryCall('inbox/unwatch', { mailboxId: id });
    watched.clear();
  };
}
