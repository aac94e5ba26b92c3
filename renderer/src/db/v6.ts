import type Dexie from 'dexie';

/**
 * Schema version 6 (the results screen, issue 12):
 * - `campaignResults`: one row per campaign with its counters (core/results.ts), kept up to date
 *   as enrollments, step runs and tasks change (renderer/src/db/results.ts), so the screen's
 *   first paint reads one row, not every run. Derived and local: never synced, rebuilt from the
 *   rows when missing.
 * - `tasks` gains `[campaignId+stepId+status+dueAt]`: a step's overdue tasks are an indexed count.
 * - `enrollments` gains `[campaignId+nextDueAt]`: the next 14 days of one campaign are a range.
 * New tables and indexes only, so there is no upgrade function.
 */
export function v6(db: Dexie): void {
  db.version(6).stores({
    campaignResults: 'id',
    tasks: 'id, [status+dueAt], enrollmentId, [campaignId+stepId+status+dueAt]',
    enrollments:
      'id, [status+nextDueAt], [campaignId+status], [contactId+status], [hold+nextDueAt], [campaignId+nextDueAt]',
  });
}
