import type Dexie from 'dexie';

/**
 * Schema version 5 (issue 11, the Sent folder):
 * - `sentCopies`: sent emails waiting to be saved in their mailbox's Sent folder, by step run id,
 *   found by mailbox (Settings says how many wait) and by when they are tried next. Local only.
 * A new table only, so there is no upgrade function.
 */
export function v5(db: Dexie): void {
  db.version(5).stores({
    sentCopies: 'id, mailboxId, nextAt',
  });
}
