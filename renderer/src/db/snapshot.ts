import type { Table } from 'dexie';
import { MAX_ID_LENGTH, MAX_NESTING, textProblem, valueProblems } from '../../../core/storable';
import { SYNC_TABLES, type RowValue, type RowWrite } from '../../../core/sync/protocol';
import type { CampaignDeskDb } from './database';
import { useDb } from './database';
import { deviceIdOrCreate } from './device';
import type { OutboxRecord } from './records';

/**
 * Whether this device's changes record the rows they write (ARCHITECTURE.md "Sync"), and
 * the one-time snapshot that stands in for them when a sync server is first set.
 *
 * A device working alone writes the small outbox row: the change's name and arguments,
 * marked `alone` (a launch of 10,000 people: the launch once and the contact ids, a few
 * hundred KiB, where its 10,000 enrollments would be 4.8 MB). The sync server applies
 * rows only (it never re-runs arguments, server/sync.ts), so when a server is first set,
 * {@link startCapture} replaces those rows, in one transaction, with a snapshot of every
 * row of the synced tables, and from then on every change carries its rows (for good:
 * also after the server is cleared, so a device that has synced always has the right
 * `base` for the server's merge).
 */

/** `meta` key of the team server's address (written by the sync client). */
export const SYNC_URL_KEY = 'sync.url';
/** `meta` key set (to the UTC ms) when this device started recording its rows; never removed. */
export const CAPTURE_KEY = 'sync.capture';
/** Name of the outbox rows a snapshot writes. */
export const SNAPSHOT_CHANGE = 'sync/snapshot';
/** Most rows in one snapshot row (the sync server commits at most 5,000 row writes at once). */
export const SNAPSHOT_ROWS = 5_000;
/**
 * About how much JSON one snapshot part carries at most, in UTF-8 bytes: each part is one
 * mutation, and the sync client's push batches are cut at 4 MiB (a single mutation may be up to
 * the server's PUSH_MAX_BYTES, 64 MiB, but parts this size keep each push request small).
 */
const SNAPSHOT_BYTES = 4_000_000;
const utf8 = new TextEncoder();

/**
 * Whether changes record their rows: a sync server is set, or was set once. Dexie's
 * promise (no `async`), so it can be awaited inside a transaction over `db.meta`.
 */
export function capturesWrites(db: CampaignDeskDb = useDb()): Promise<boolean> {
  return db.meta.bulkGet([CAPTURE_KEY, SYNC_URL_KEY]).then((rows) => rows.some((row) => row?.value != null));
}

/**
 * Makes this device record its rows from now on (call when a sync server is set, before
 * its address is stored). The first time, in one read-write transaction: the outbox rows
 * made alone are replaced by snapshot rows ({@link SNAPSHOT_CHANGE}, `base: null`, at most
 * {@link SNAPSHOT_ROWS} writes and about 4 MB of JSON each) holding every row of the synced tables as it is now,
 * and {@link CAPTURE_KEY} is set, so the snapshot is taken once: a crash before the commit
 * leaves the outbox as it was, a crash after leaves the snapshot waiting to be pushed (the
 * server skips a mutation id it has applied, and a row it already holds equal is not
 * written again). A row the server would refuse (text it cannot store, core/storable.ts)
 * travels in a row of its own, so it alone becomes a sync problem.
 * A device already recording (or with a server set by an older version) only gets the key.
 * @param at when, UTC ms (the snapshot rows' `at`)
 * @returns how many rows the snapshot holds (0 when none was taken).
 */
export async function startCapture(db: CampaignDeskDb = useDb(), at: number = Date.now()): Promise<number> {
  const tables = SYNC_TABLES.map((name) => db.table(name) as Table<RowValue, string>);
  return db.transaction('rw', [...tables, db.outbox, db.meta], async () => {
    const [flag, url] = await db.meta.bulkGet([CAPTURE_KEY, SYNC_URL_KEY]);
    if (flag?.value != null) return 0;
    if (url?.value != null) {
      // A server was set before rows were captured only with one: every change carries them already.
      await db.meta.put({ key: CAPTURE_KEY, value: at });
      return 0;
    }
    const clientId = await deviceIdOrCreate(db);
    const alone = await db.outbox.filter((row) => row.alone === true).primaryKeys();
    const whole: RowWrite[] = [];
    const refused: RowWrite[] = [];
    for (const table of tables) {
      for (const value of await table.toArray()) {
        const write: RowWrite = { table: table.name as RowWrite['table'], id: value.id, op: 'put', base: null, value };
        (storable(write) ? whole : refused).push(write);
      }
    }
    // Parts of at most SNAPSHOT_ROWS rows and about SNAPSHOT_BYTES of JSON: sent emails carry their
    // text, and one part is one push request (well under the server's limit, which refuses for good).
    const parts: RowWrite[][] = [];
    let part: RowWrite[] = [];
    let bytes = 0;
    for (const write of whole) {
      const size = utf8.encode(JSON.stringify(write)).length;
      if (part.length > 0 && (part.length >= SNAPSHOT_ROWS || bytes + size > SNAPSHOT_BYTES)) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push(write);
      bytes += size;
    }
    if (part.length > 0) parts.push(part);
    for (const write of refused) parts.push([write]);
    const rows: OutboxRecord[] = parts.map((writes, i) => ({
      clientId,
      name: SNAPSHOT_CHANGE,
      args: { part: i + 1, parts: parts.length, rows: writes.length },
      at,
      writes,
    }));
    await db.outbox.bulkDelete(alone);
    await db.outbox.bulkAdd(rows);
    await db.meta.put({ key: CAPTURE_KEY, value: at });
    return whole.length + refused.length;
  });
}

/**
 * Keeps this device recording its rows after its server is cleared (call before removing
 * {@link SYNC_URL_KEY}): a device that has synced never goes back to the small rows.
 */
export async function keepCapturing(db: CampaignDeskDb = useDb(), at: number = Date.now()): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    const [flag, url] = await db.meta.bulkGet([CAPTURE_KEY, SYNC_URL_KEY]);
    if (flag?.value == null && url?.value != null) await db.meta.put({ key: CAPTURE_KEY, value: at });
  });
}

/** Whether the server would take `write` (core/sync/protocol.ts `RowWrite`: a storable id and value). */
function storable(write: RowWrite): boolean {
  if (write.id.length === 0 || write.id.length > MAX_ID_LENGTH || textProblem(write.id) !== undefined) return false;
  return valueProblems(write.value, [], MAX_NESTING, 1).length === 0;
}
