import Dexie, {
  type DBCore,
  type DBCoreMutateRequest,
  type DBCoreRangeType,
  type DBCoreTable,
  type DBCoreTransaction,
} from 'dexie';
import {
  applyCounters,
  enrollmentCounters,
  runChangeAlone,
  sameEnrollmentCounters,
  taskCounters,
  type Counters,
  type RunFacts,
} from '../../../core/results';
import { now } from './change';
import type { CampaignDeskDb } from './database';
import type { CampaignResultsRecord, EnrollmentRecord, StepRunRecord, TaskRecord } from './records';

/**
 * Keeps each campaign's results counters (core/results.ts) as its rows change: a Dexie DBCore
 * middleware sees every write to `enrollments`, `stepRuns` and `tasks`, in every transaction
 * (a person's change, the engine's claim and record, the inbox, rows pulled by sync), and in
 * the same transaction adds what the written rows count now and takes away what they counted
 * before. A campaign whose row is missing (created before schema 4, or written around Dexie, as
 * the browser tests' seeds do) has nothing kept; {@link campaignCounters} builds it from the rows
 * once, and from then on it is kept.
 *
 * Every read-write transaction over a watched table also takes `campaignResults` (and the
 * tables the counters read) into its scope, as Dexie Cloud's mutation log does.
 */

const WATCHED = new Set(['enrollments', 'stepRuns', 'tasks', 'campaigns']);
const SCOPE = ['campaignResults', 'enrollments', 'stepRuns', 'tasks'];
const RANGE = 2 as DBCoreRangeType;

/** Transactions applying rows pulled by sync ({@link countingPulledRows}). */
const pulling = new WeakSet<object>();

/**
 * Says the current transaction applies rows pulled by sync: a new enrollment written in it is
 * counted with the step runs already stored for it (another device's rows come in the order
 * they changed there, so its runs may arrive a page before it). Elsewhere a new enrollment has
 * no runs yet, and they are not looked for (a launch of 10,000 would read 10,000 ranges).
 */
export function countingPulledRows(): void {
  const trans = Dexie.currentTransaction?.idbtrans as object | undefined;
  if (trans) pulling.add(trans);
}

/** Installs the middleware on `db` (before it opens). */
export function maintainResults(db: Dexie): void {
  db.use({
    stack: 'dbcore',
    name: 'campaign-results',
    create: (down: DBCore): DBCore => ({
      ...down,
      transaction: (stores, mode, options) =>
        down.transaction(
          mode === 'readwrite' && stores.some((s) => WATCHED.has(s)) ? [...new Set([...stores, ...SCOPE])] : stores,
          mode,
          options,
        ),
      table: (name: string): DBCoreTable => {
        const table = down.table(name);
        if (!WATCHED.has(name)) return table;
        return { ...table, mutate: (req) => mutateKeeping(down, name, table, req) };
      },
    }),
  });
}

type Deltas = Map<string, { minus: string[]; plus: string[] }>;

function deltaOf(deltas: Deltas, campaignId: string) {
  let d = deltas.get(campaignId);
  if (!d) deltas.set(campaignId, (d = { minus: [], plus: [] }));
  return d;
}

function keysOf(req: Exclude<DBCoreMutateRequest, { type: 'deleteRange' }>): unknown[] {
  return req.type === 'delete' ? req.keys : req.values.map((v, i) => req.keys?.[i] ?? (v as { id: string }).id);
}

/** Dexie's zone (its current transaction), which the layers below need when they write. */
interface ZoneApi {
  PSD: unknown;
  usePSD<T>(psd: unknown, fn: () => T): T;
}
const zones = Dexie.Promise as unknown as ZoneApi;

async function mutateKeeping(down: DBCore, name: string, table: DBCoreTable, req: DBCoreMutateRequest) {
  const trans = req.trans;
  // Awaiting our own (native) promises loses Dexie's zone; every write below runs in the one it came in.
  const psd = zones.PSD;
  const inZone = <T>(fn: () => T): T => zones.usePSD(psd, fn);
  const results = down.table('campaignResults');
  if (req.type === 'deleteRange') {
    // A table cleared: every campaign is counted again from its rows when next read.
    runsKnown.delete(trans);
    const out = await inZone(() => table.mutate(req));
    await inZone(() =>
      results.mutate({ type: 'deleteRange', trans, range: { type: RANGE, lower: '', upper: '\uffff' } as never }),
    );
    return out;
  }
  const keys = keysOf(req);
  const before = (req.type === 'add' ? keys.map(() => undefined) : await table.getMany({ trans, keys })) as (
    Record<string, unknown> | undefined
  )[];
  const after = keys.map((_, i) => (req.type === 'delete' ? undefined : (req.values[i] as Record<string, unknown>)));

  const deltas: Deltas = new Map();
  const learned: [string, RunFacts[]][] = [];
  const invalid = new Set<string>();
  const created: string[] = [];
  if (name === 'tasks') {
    keys.forEach((_, i) => {
      const was = before[i] as TaskRecord | undefined;
      const now = after[i] as TaskRecord | undefined;
      if (was) deltaOf(deltas, was.campaignId).minus.push(...taskCounters(was));
      if (now) deltaOf(deltas, now.campaignId).plus.push(...taskCounters(now));
    });
  } else if (name === 'campaigns') {
    keys.forEach((key, i) => {
      if (!before[i] && after[i]) created.push(String(key));
      if (before[i] && !after[i]) invalid.add(String(key));
    });
  } else if (name === 'enrollments') {
    // A new enrollment has no runs yet; an existing one's runs are read once. One whose status,
    // zone and out-of-office state stay (the engine moving it to its next step) counts the same
    // whatever its runs: neither read nor counted again.
    const same = keys.map((_, i) => {
      const was = before[i] as EnrollmentRecord | undefined;
      const now = after[i] as EnrollmentRecord | undefined;
      return !!was && !!now && was.campaignId === now.campaignId && sameEnrollmentCounters(was, now);
    });
    // A new one pulled by sync may find its runs already here (a page of another device's rows
    // can bring runs before their enrollment): in a pull, its runs are read too.
    const pulledIn = pulling.has(trans);
    const read = keys.flatMap((key, i) => (!same[i] && (before[i] || (pulledIn && after[i])) ? [String(key)] : []));
    const runs = await runsOf(down, trans, read);
    keys.forEach((key, i) => {
      if (same[i]) return;
      const was = before[i] as EnrollmentRecord | undefined;
      const now = after[i] as EnrollmentRecord | undefined;
      const its = runs.get(String(key)) ?? [];
      if (was) deltaOf(deltas, was.campaignId).minus.push(...enrollmentCounters(was, its));
      if (now) deltaOf(deltas, now.campaignId).plus.push(...enrollmentCounters(now, its));
    });
  } else {
    // Step runs: an enrollment's outcome is counted at its last email, so when a sent run is among
    // its writes its other runs are read too. A run that neither was nor is sent (the engine's
    // claim, a launch's first run) changes only its step's `reached`, counted by itself.
    const runIds = new Set<string>();
    const alone = new Map<string, { minus: string[]; plus: string[] }[]>();
    const written = new Set<string>();
    keys.forEach((key, i) => {
      const r = (after[i] ?? before[i]) as StepRunRecord | undefined;
      if (!r) return;
      // The same run twice in one write: its `before` is the row as it was for both, so only the
      // full count from its enrollment's runs (the last value wins) is right.
      const repeated = written.has(String(key));
      written.add(String(key));
      const change = repeated
        ? undefined
        : runChangeAlone(before[i] as RunFacts | undefined, after[i] as RunFacts | undefined);
      if (change) alone.set(r.enrollmentId, [...(alone.get(r.enrollmentId) ?? []), change]);
      else runIds.add(r.enrollmentId);
    });
    for (const id of runIds) alone.delete(id);
    // The runs read for an enrollment earlier in this transaction no longer hold for these.
    for (const id of alone.keys()) runsKnown.get(trans)?.delete(id);
    const ids = [...runIds];
    const quick = [...alone.keys()];
    const enrollments = (await down.table('enrollments').getMany({ trans, keys: [...ids, ...quick] })) as (
      EnrollmentRecord | undefined
    )[];
    quick.forEach((id, j) => {
      const e = enrollments[ids.length + j];
      if (!e) return; // a run of an enrollment not (yet) here: counted when the enrollment comes
      const d = deltaOf(deltas, e.campaignId);
      for (const change of alone.get(id)!) {
        d.minus.push(...change.minus);
        d.plus.push(...change.plus);
      }
    });
    const runs = await runsOf(down, trans, ids);
    ids.forEach((id, j) => {
      const e = enrollments[j];
      if (!e) return; // a run of an enrollment not (yet) here: counted when the enrollment comes
      const old = runs.get(id) ?? [];
      const next = new Map(old.map((r) => [(r as StepRunRecord).id, r]));
      keys.forEach((key, i) => {
        const r = (after[i] ?? before[i]) as StepRunRecord | undefined;
        if (r?.enrollmentId !== id) return;
        if (after[i]) next.set(String(key), after[i] as unknown as RunFacts);
        else next.delete(String(key));
      });
      const d = deltaOf(deltas, e.campaignId);
      d.minus.push(...enrollmentCounters(e, old));
      d.plus.push(...enrollmentCounters(e, [...next.values()]));
      // The enrollment's runs once this write lands: its own write next in this transaction
      // (the engine records the send, then moves the enrollment on) need not read them again.
      // Copies of what the counters read, not the caller's objects (which it may change and put again).
      learned.push([id, [...next.values()].map(factsOf)]);
    });
  }

  const out = await inZone(() => table.mutate(req));
  if (out.numFailures > 0) {
    for (const id of deltas.keys()) invalid.add(id);
    runsKnown.delete(trans);
  } else if (learned.length > 0) {
    const known = knownRuns(trans);
    for (const [id, runs] of learned) known.set(id, runs);
  }
  const ids = [...new Set([...deltas.keys(), ...invalid, ...created])];
  if (ids.length === 0) return out;
  const rows = (await results.getMany({ trans, keys: ids })) as (CampaignResultsRecord | undefined)[];
  const puts: CampaignResultsRecord[] = [];
  const deletes: string[] = [];
  const at = now();
  for (const [i, id] of ids.entries()) {
    if (invalid.has(id)) {
      if (rows[i]) deletes.push(id);
      continue;
    }
    if (created.includes(id)) {
      // A new campaign starts from zero, unless rows of it came first (a sync pull in another order).
      if (!rows[i] && !(await hasEnrollments(down, trans, id))) puts.push({ id, counters: {}, updatedAt: at });
      continue;
    }
    const row = rows[i];
    if (!row) continue; // not kept yet: counted from the rows when first read
    const d = deltas.get(id)!;
    puts.push({ id, counters: applyCounters({ ...row.counters }, d.minus, d.plus), updatedAt: at });
  }
  if (deletes.length > 0) await inZone(() => results.mutate({ type: 'delete', trans, keys: deletes }));
  if (puts.length > 0)
    await inZone(() => results.mutate({ type: 'put', trans, values: puts, keys: puts.map((p) => p.id) }));
  return out;
}

/**
 * Per transaction, each enrollment's step runs as a step-run write in it left them (the write
 * goes down right after its counts are taken; a failed one forgets them all). Every write to
 * `stepRuns` passes this middleware, so they stay true for the transaction's life, provided its
 * writes are awaited one after another (as every write in this app is: two writes of one
 * enrollment's rows racing in one transaction are counted from what each read before the other).
 */
const runsKnown = new WeakMap<DBCoreTransaction, Map<string, RunFacts[]>>();

/** What the counters read of a step run (and its id), copied. */
function factsOf(run: RunFacts): RunFacts & { id: string } {
  const { stepId, state, sentAt, outside } = run;
  return { id: (run as StepRunRecord).id, stepId, state, sentAt, ...(outside === undefined ? {} : { outside }) };
}

function knownRuns(trans: DBCoreTransaction): Map<string, RunFacts[]> {
  let known = runsKnown.get(trans);
  if (!known) runsKnown.set(trans, (known = new Map()));
  return known;
}

/** Each enrollment's step runs (by the `[enrollmentId+stepId]` index), read in the transaction, or as known from a write in it. */
async function runsOf(down: DBCore, trans: DBCoreTransaction, enrollmentIds: readonly string[]) {
  const out = new Map<string, RunFacts[]>();
  if (enrollmentIds.length === 0) return out;
  const known = runsKnown.get(trans);
  const unread = enrollmentIds.filter((id) => {
    const runs = known?.get(id);
    if (runs) out.set(id, runs);
    return !runs;
  });
  const runs = down.table('stepRuns');
  const index = runs.schema.getIndexByKeyPath(['enrollmentId', 'stepId'])!;
  await Promise.all(
    unread.map(async (id) => {
      const res = await runs.query({
        trans,
        values: true,
        query: {
          index,
          range: { type: RANGE, lower: [id, ''], upper: [id, '\uffff'], lowerOpen: false, upperOpen: false },
        },
      });
      out.set(id, res.result as RunFacts[]);
    }),
  );
  return out;
}

async function hasEnrollments(down: DBCore, trans: DBCoreTransaction, campaignId: string): Promise<boolean> {
  const table = down.table('enrollments');
  // Every status of the campaign: statuses are words, so they lie between '' and '\uffff' (v7).
  const index = table.schema.getIndexByKeyPath(['campaignId', 'status', 'nextDueAt'])!;
  const res = await table.query({
    trans,
    values: false,
    limit: 1,
    query: {
      index,
      range: {
        type: RANGE,
        lower: [campaignId, ''],
        upper: [campaignId, '\uffff'],
        lowerOpen: false,
        upperOpen: false,
      },
    },
  });
  return res.result.length > 0;
}

/**
 * Campaigns' results counters (core/results.ts): the kept rows, or, for a campaign without
 * one yet, counted once from its enrollments, step runs and tasks and kept from then on (one
 * read-write transaction, so no change in between is lost).
 * @returns counters by campaign id, for every id asked.
 */
export async function campaignCountersMany(
  db: CampaignDeskDb,
  campaignIds: readonly string[],
): Promise<Map<string, Counters>> {
  const kept = await db.campaignResults.bulkGet([...campaignIds]);
  const out = new Map<string, Counters>();
  campaignIds.forEach((id, i) => kept[i] && out.set(id, kept[i].counters));
  if (out.size === campaignIds.length) return out;
  return db.transaction('rw', ['campaignResults', 'campaigns', 'enrollments', 'stepRuns', 'tasks'], async () => {
    const again = await db.campaignResults.bulkGet([...campaignIds]);
    const missing = campaignIds.filter((_, i) => !again[i]);
    campaignIds.forEach((id, i) => again[i] && out.set(id, again[i].counters));
    const counted = await countFromRows(db, missing);
    const at = now();
    await db.campaignResults.bulkPut(missing.map((id) => ({ id, counters: counted.get(id)!, updatedAt: at })));
    for (const id of missing) out.set(id, counted.get(id)!);
    return out;
  });
}

/** One campaign's counters ({@link campaignCountersMany}). */
export async function campaignCounters(db: CampaignDeskDb, campaignId: string): Promise<Counters> {
  return (await campaignCountersMany(db, [campaignId])).get(campaignId)!;
}

/**
 * Counts campaigns' results from every one of their rows (the slow way: once per campaign,
 * and in the tests that compare it with the kept row). Step runs are read in one pass over
 * the table when there are many people (one `getAll` is far quicker than 80,000 `get`s), else
 * by id.
 */
export async function countFromRows(db: Dexie, campaignIds: readonly string[]): Promise<Map<string, Counters>> {
  const out = new Map<string, Counters>(campaignIds.map((id) => [id, {}]));
  if (campaignIds.length === 0) return out;
  const enrollments = (
    await Promise.all(
      campaignIds.map((id) =>
        db.table('enrollments').where('[campaignId+status+nextDueAt]').between([id, ''], [id, '\uffff']).toArray(),
      ),
    )
  ).flat() as EnrollmentRecord[];
  const runs = new Map<string, RunFacts[]>(enrollments.map((e) => [e.id, []]));
  const campaigns = (await db.table('campaigns').bulkGet([...campaignIds])) as (
    { steps: { id: string }[] } | undefined
  )[];
  const byId = enrollments.length < 2_000 && campaigns.every((c) => !!c);
  const found = byId
    ? ((await db
        .table('stepRuns')
        .bulkGet(
          enrollments.flatMap((e) => campaigns[campaignIds.indexOf(e.campaignId)]!.steps.map((s) => `${e.id}:${s.id}`)),
        )) as (StepRunRecord | undefined)[])
    : ((await db.table('stepRuns').toArray()) as StepRunRecord[]);
  for (const run of found) if (run) runs.get(run.enrollmentId)?.push(run);
  for (const e of enrollments) applyCounters(out.get(e.campaignId)!, [], enrollmentCounters(e, runs.get(e.id)!));
  for (const id of campaignIds) {
    const tasks = (await db
      .table('tasks')
      .where('[campaignId+stepId+status+dueAt]')
      .between([id, '', '', -Infinity], [id, '\uffff', '\uffff', Infinity])
      .toArray()) as TaskRecord[];
    for (const task of tasks) applyCounters(out.get(id)!, [], taskCounters(task));
  }
  return out;
}
