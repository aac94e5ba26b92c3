import type Dexie from 'dexie';

/**
 * Schema version 3 (the inbox, SPEC §11–§12):
 * - `suppressions`: addresses never to be mailed again, by lower-cased address (synced).
 * - `inboxMessages`: messages the inbox has read, so reading one again changes nothing; found
 *   by UID (the id) and by Message-ID within a mailbox (a UIDVALIDITY change renumbers UIDs).
 * - `stepRuns` gains indexes on `messageId` and `deliveredMessageId`: R14 matches a reply
 *   by the Message-ID it names, ours or the one the provider delivered.
 * New tables and indexes only, so there is no upgrade function: v2 data is read as it is.
 */
export function v3(db: Dexie): void {
  db.version(3).stores({
    stepRuns: 'id, [enrollmentId+stepId], state, messageId, deliveredMessageId',
    suppressions: 'id, at',
    inboxMessages: 'id, [mailboxId+messageId], at',
  });
}
