import type { Table } from 'dexie';
import { ignoreWrites, takeWrites } from './capture';
import { useDb } from './database';
import { deviceIdOrCreate } from './device';
import type { FeedEventRecord, OutboxRecord } from './records';
import { capturesWrites } from './snapshot';

/** What one change a person makes records besides itself: its outbox mutation and, usually, a Live Feed row. */
export interface Change {
  /** Mutation name for the sync server, `domain/verb` (e.g. `campaign/rename`). */
  name: string;
  args: unknown;
  feed?: Omit<FeedEventRecord, 'id' | 'at'> & {
    /**
     * Update the last row of the same kind about the same campaign and person if it is younger
     * than this many ms, instead of adding one.
     */
    coalesceMs?: number;
  };
}

let clock: () => number = Date.now;

/** The current time, UTC ms. One place, so tests (and the host's test clock) can move it. */
export function now(): number {
  return clock();
}

/** Replaces the clock (tests); `setClock(Date.now)` restores it. */
export function setClock(next: () => number): void {
  clock = next;
}

const committed = new Set<(tables: readonly string[]) => void>();

/**
 * Calls `listener` with the names of the tables a change wrote, after its transaction has
 * committed (in this window only). The engine re-arms from it: Dexie's liveQuery was seen to
 * miss an update committed while its query was being (re)started.
 * @returns a function that stops the calls.
 */
export function onCommitted(listener: (tables: readonly string[]) => void): () => void {
  committed.add(listener);
  return () => committed.delete(listener);
}

const pulled = new Set<(tables: readonly string[]) => void>();

/**
 * Calls `listener` with the names of the tables a sync pull wrote (rows of other devices, or the
 * server's merge of this one's), after that pull's transaction has committed (in this window
 * only). Such writes are not changes of this device, so {@link onCommitted} never hears them; the
 * engine re-tells the host what the mailboxes' days hold from it (SPEC R11 across devices).
 * @returns a function that stops the calls.
 */
export function onPulled(listener: (tables: readonly string[]) => void): () => void {
  pulled.add(listener);
  return () => pulled.delete(listener);
}

/**
 * Tells the {@link onPulled} listeners that a pull's transaction committed writes to `tables`
 * (the sync client calls it after each applied page; nothing is called for an empty list).
 * A listener that throws is logged and does not keep the others from hearing it.
 */
export function announcePulled(tables: readonly string[]): void {
  if (tables.length === 0) return;
  for (const listener of pulled) {
    try {
      listener(tables);
    } catch (error) {
      console.error('a listener of pulled changes failed', error);
    }
  }
}

/**
 * Runs `work` and records its change in one read-write transaction over `tables`,
 * the Live Feed, the outbox and `meta`: either all of it is stored or none of it.
 * The outbox row carries the rows `work` wrote only on a device with a sync server set
 * (or set once, db/snapshot.ts); a device working alone writes the small row, marked
 * `alone` (name and arguments), which the snapshot replaces when a server is first set.
 * `work` may return several changes (a batch of sends recorded together): each gets its
 * own outbox row, in order. `work` must await nothing but Dexie (STYLE.md: no I/O inside
 * a transaction).
 * @returns what `work` returns. @throws whatever `work` throws; nothing is then written.
 */
export async function inChange<T>(
  tables: Table[],
  work: () => Promise<{ result: T; change: Change | readonly Change[] }>,
  at: number = now(),
): Promise<T> {
  const db = useDb();
  const result = await db.transaction('rw', [...tables, db.feed, db.outbox, db.meta], async () => {
    takeWrites(); // a retried transaction starts clean
    const capture = await capturesWrites(db);
    if (!capture) ignoreWrites(); // nothing to read before each put, nothing kept
    const { result, change: changed } = await work();
    const clientId = await deviceIdOrCreate(db);
    await db.meta.put({ key: 'hadData', value: true });
    // The rows written go with the first change (a batch is applied by the server as one mutation's rows).
    const changes = Array.isArray(changed) ? (changed as readonly Change[]) : [changed as Change];
    const writes = capture ? takeWrites() : [];
    // What the first change's row carries besides itself; the others carry nothing.
    const carried = (i: number): Pick<OutboxRecord, 'writes' | 'alone'> =>
      capture ? { writes: i === 0 ? writes : [] } : { alone: true };
    if (changes.length > 1 && changes.every((change) => !change.feed?.coalesceMs)) {
      // A batch (the engine recording many sends): two bulk writes instead of two per change.
      await db.outbox.bulkAdd(
        changes.map((change, i) => ({
          clientId,
          name: change.name,
          args: change.args,
          at,
          ...carried(i),
        })),
      );
      await db.feed.bulkAdd(changes.flatMap((change) => (change.feed ? [{ ...change.feed, at }] : [])));
    } else {
      for (const [i, change] of changes.entries()) await record(clientId!, change, at, carried(i));
    }
    return result;
  });
  const names = tables.map((table) => table.name);
  for (const listener of committed) listener(names);
  return result;
}

/** Writes one change's outbox row and Live Feed row (inside the caller's transaction). */
async function record(
  clientId: string,
  change: Change,
  at: number,
  carried: Pick<OutboxRecord, 'writes' | 'alone'>,
): Promise<void> {
  const db = useDb();
  await db.outbox.add({ clientId, name: change.name, args: change.args, at, ...carried });
  if (!change.feed) return;
  const { coalesceMs, ...row } = change.feed;
  const last = coalesceMs ? await lastAbout(row, at - coalesceMs, at) : undefined;
  if (last?.id !== undefined && last.kind === row.kind) await db.feed.update(last.id, { at, text: row.text });
  else await db.feed.add({ ...row, at });
}

/**
 * The newest Live Feed row in [`from`, `to`] (UTC ms) about the same campaign and person as `row`;
 * the caller coalesces only when it is of the same kind, so history keeps its order. A row about
 * one person is never reworded into another's (a "Waiting to send … to Grace" filed under Kenji);
 * a campaign-wide row (no person) is matched with campaign-wide rows only.
 */
async function lastAbout(
  row: Omit<FeedEventRecord, 'id' | 'at'>,
  from: number,
  to: number,
): Promise<FeedEventRecord | undefined> {
  const db = useDb();
  const same = (other: FeedEventRecord) => other.campaignId === row.campaignId && other.contactId === row.contactId;
  if (row.contactId)
    return db.feed
      .where('[contactId+at]')
      .between([row.contactId, from], [row.contactId, to], true, true)
      .filter(same)
      .last();
  if (row.campaignId)
    return db.feed
      .where('[campaignId+at]')
      .between([row.campaignId, from], [row.campaignId, to], true, true)
      .filter(same)
      .last();
  return undefined;
}
