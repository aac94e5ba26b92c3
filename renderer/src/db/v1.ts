import type Dexie from 'dexie';

/**
 * Schema version 1. Shipped versions are never edited: a change is a new module
 * (`v2.ts`) with its own `stores()` and, for data changes, an `upgrade()`.
 * Compound indexes put the equality part first (`[status+nextDueAt]`).
 */
export function v1(db: Dexie): void {
  db.version(1).stores({
    mailboxes: 'id, email',
    contacts: 'id, &emailKey, lastName, company, updatedAt',
    templates: 'id, name',
    campaigns: 'id, name, [archived+updatedAt], status',
    enrollments: 'id, [status+nextDueAt], [campaignId+status], [contactId+status]',
    stepRuns: 'id, [enrollmentId+stepId], state',
    tasks: 'id, [status+dueAt], enrollmentId',
    feed: '++id, at, [campaignId+at], [contactId+at], [kind+at]',
    outbox: '++mutationId',
    meta: 'key',
  });
}
