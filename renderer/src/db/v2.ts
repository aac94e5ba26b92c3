import type Dexie from 'dexie';

/**
 * Schema version 2 (sync): `conflicts` holds the conflict copies the sync server reports
 * (a person compares the two versions and keeps one, or both). Nothing else changes, so
 * there is no upgrade function: v1 data is read as it is.
 */
export function v2(db: Dexie): void {
  db.version(2).stores({
    conflicts: 'id, at',
  });
}
