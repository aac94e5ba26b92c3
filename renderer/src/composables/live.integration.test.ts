import 'fake-indexeddb/auto';
import Dexie, { type Table } from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COALESCE_MS, coalescedLiveQuery, type CoalesceTimer } from './live';

/**
 * Issue 13: a live query coalesces its re-runs during a burst of writes and always ends on
 * the final state. The clock and the rest's timer are the test's own, so nothing here
 * depends on the machine's speed: a rest lasts until the test ends it.
 */
class Rows extends Dexie {
  rows!: Table<{ id: number; sent: 0 | 1 }, number>;
  constructor(name: string) {
    super(name);
    this.version(1).stores({ rows: 'id, sent' });
  }
}

let db: Rows;
beforeEach(async () => {
  db = new Rows(`live-${crypto.randomUUID()}`);
  await db.open();
});
afterEach(async () => {
  db.close();
  await db.delete();
});

/** A clock the test moves and a timer the test fires (the clock stands still otherwise). */
function testTimer(): CoalesceTimer & { at: number; pending: (() => void)[]; fire(): void } {
  const timer = {
    at: 0,
    pending: [] as (() => void)[],
    now: () => timer.at,
    after(_ms: number, run: () => void) {
      timer.pending.push(run);
      return () => (timer.pending = timer.pending.filter((r) => r !== run));
    },
    /** Ends the rests pending, as the real timer would: `COALESCE_MS` later. */
    fire() {
      timer.at += COALESCE_MS;
      const due = timer.pending;
      timer.pending = [];
      due.forEach((run) => run());
    },
  };
  return timer;
}

/** Resolves once `check()` holds (looked at on every tick of the event loop). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('a coalesced live query', () => {
  it('runs once per rest during a burst, and shows the state the last write left', async () => {
    const timer = testTimer();
    let runs = 0;
    const shown: number[] = [];
    const stop = coalescedLiveQuery(
      () => {
        runs += 1;
        return db.rows.where('sent').equals(1).count();
      },
      (value) => shown.push(value),
      { timer },
    );
    await until(() => shown.length === 1);
    expect(shown).toEqual([0]);

    // The burst begins: the first write's result comes at once, as the screen would show it...
    await db.rows.add({ id: 0, sent: 1 });
    await until(() => shown.length === 2);
    expect(shown[1]).toBe(1);
    // ...and, coming right after the last one, sends the query to rest.
    expect(timer.pending).toHaveLength(1);
    const runsAtRest = runs;

    // 50 more writes, one transaction each, while it rests: the query does not run.
    for (let i = 1; i <= 50; i++) await db.rows.add({ id: i, sent: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(runsAtRest);
    expect(shown.at(-1)).toBe(1);

    // The rest ends: one fresh read shows all 51, and since writes came during the rest, it rests again.
    timer.fire();
    await until(() => shown.length === 3);
    expect(shown[2]).toBe(51);
    expect(runs).toBe(runsAtRest + 1);
    expect(timer.pending).toHaveLength(1);

    // A rest with no write since that read: it ends without running the query...
    timer.fire();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(runsAtRest + 1);
    expect(timer.pending).toHaveLength(0);
    // ...and the next write, long after, shows at once; the query is Dexie's own live query again.
    timer.at = 10_000;
    await db.rows.put({ id: 0, sent: 0 });
    await until(() => shown.length === 4);
    expect(shown[3]).toBe(50);
    expect(timer.pending).toHaveLength(0);
    timer.at = 20_000;
    await db.rows.put({ id: 1, sent: 0 });
    await until(() => shown.length === 5);
    expect(shown[4]).toBe(49);
    expect(timer.pending).toHaveLength(0);
    stop();
  });

  it('misses no write that lands while it rests, however the writes and rests interleave', async () => {
    const timer = testTimer();
    const shown: number[] = [];
    const stop = coalescedLiveQuery(
      () => db.rows.count(),
      (value) => shown.push(value),
      { timer },
    );
    await until(() => shown.length === 1);
    for (let i = 0; i < 20; i++) {
      await db.rows.add({ id: i, sent: 0 });
      if (i % 3 === 0) timer.fire();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // However many rests are still pending, ending them shows all 20 rows.
    for (let i = 0; i < 5 && shown.at(-1) !== 20; i++) {
      timer.fire();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await until(() => shown.at(-1) === 20);
    expect(shown.at(-1)).toBe(20);
    stop();
  });

  it('stops running once stopped, even with a rest pending', async () => {
    const timer = testTimer();
    let runs = 0;
    const stop = coalescedLiveQuery(
      () => {
        runs += 1;
        return db.rows.count();
      },
      () => undefined,
      { timer },
    );
    await until(() => runs === 1);
    await db.rows.add({ id: 1, sent: 0 });
    await until(() => timer.pending.length === 1);
    stop();
    timer.fire();
    await db.rows.add({ id: 2, sent: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(2);
  });
});
