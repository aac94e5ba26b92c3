import type Dexie from 'dexie';

/**
 * Schema version 4 (the Command Center's folders and the conversation view read what they
 * show through an index, never a scan of a whole table):
 * - `enrollments` gains `[hold+nextDueAt]`: Overdue and Needs attention / Failed read the
 *   held ones only (an enrollment with no hold is not in this index at all).
 * - `stepRuns` gains `[state+sentAt]`: Sent reads its newest page, and counts, by index.
 * - `inboxMessages` gains `[kind+at]` (Replies, newest first) and `*contactIds` (a person's
 *   conversation: every message matched to them).
 * New indexes only, so there is no upgrade function: v3 data is read as it is.
 */
export function v4(db: Dexie): void {
  db.version(4).stores({
    enrollments: 'id, [status+nextDueAt], [campaignId+status], [contactId+status], [hold+nextDueAt]',
    stepRuns: 'id, [enrollmentId+stepId], state, messageId, deliveredMessageId, [state+sentAt]',
    inboxMessages: 'id, [mailboxId+messageId], at, [kind+at], *contactIds',
  });
}
