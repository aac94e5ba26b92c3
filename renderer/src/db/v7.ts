import type Dexie from 'dexie';

/**
 * Schema version 7 (issue 13, the launch's write time): `enrollments` keeps one index by
 * campaign, `[campaignId+status+nextDueAt]`, instead of `[campaignId+status]` (v1) and
 * `[campaignId+nextDueAt]` (v6). Each index is one more IndexedDB entry for every enrollment
 * written, and a launch of 10,000 people wrote four; it now writes three.
 * Reads are unchanged: Dexie answers `where('[campaignId+status]')` and `where('campaignId')`
 * from the new index's prefixes (its virtual indexes), and a campaign's next days are the range
 * `[campaignId, 'active', from]`–`[campaignId, 'active', to]`. `nextDueAt` is always a number
 * (records.ts), so every enrollment has an entry, as it had in both indexes before.
 * An index change only, so there is no upgrade function (IndexedDB fills the new index from
 * the rows when the database opens under version 7).
 */
export function v7(db: Dexie): void {
  db.version(7).stores({
    enrollments: 'id, [status+nextDueAt], [campaignId+status+nextDueAt], [contactId+status], [hold+nextDueAt]',
  });
}
