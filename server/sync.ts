/**
 * The server side of push and pull (docs/SYNC.md): applies a client's mutations to
 * the workspace's rows under the sync rules, and pages changed rows by sequence.
 */
import { deepEqual, threeWayMerge } from '../core/sync/merge';
import {
  PULL_MAX_LIMIT,
  isFinalStepRunState,
  type ConflictRow,
  type Mutation,
  type PullRequest,
  type PullResponse,
  type PullRow,
  type PushRequest,
  type PushResponse,
  type RowValue,
  type RowWrite,
  type SyncTable,
  type Table,
} from '../core/sync/protocol';
import type { Db, Queryable, SeriesStep, Statement } from './db';
import type { Caller } from './tokens';

/** Most mutations of a push committed in one transaction (one round trip, one lock turn, one WAL flush). */
const BATCH_MUTATIONS = 100;
/** Most row writes in one transaction; a larger mutation travels alone. */
const BATCH_WRITES = 5000;

/**
 * The first statement of every push transaction: wait in line for the workspace's
 * turn, an advisory lock held to COMMIT. PostgreSQL hands such a lock to the next
 * waiter alone, where transactions waiting on the workspace row itself are all woken
 * at every COMMIT to fight for it again (20 pushers, pg_stat_activity: waits on
 * `LockManager`, `tuple`, `transactionid`; 190–270 mutations/s without this line
 * against 720–980 with it, docs/DECISIONS.md). The row lock that follows
 * ({@link LOCK_WORKSPACE}, or the one inside `sync_expect`) is then free whenever every
 * writer queues here first, and stays the guarantee (a server of an older version
 * takes only the row lock). Two workspaces sharing a key (ids equal modulo 2^31 - 1)
 * only wait for each other.
 */
export const QUEUE_WORKSPACE = 'select pg_advisory_xact_lock(4400, ($1 % 2147483647)::int)';

/**
 * Takes the workspace row lock. Sequence numbers are handed out under it, so they
 * commit in increasing order and a pull never skips one (docs/SYNC.md). Its own
 * statement, so that the ones after it read the workspace as it is once the lock is
 * held (READ COMMITTED takes a fresh snapshot per statement).
 */
export const LOCK_WORKSPACE = 'select seq from workspaces where id = $1 for update';

/**
 * The check of a fast-path transaction, run after {@link QUEUE_WORKSPACE}:
 * `sync_expect` (migration 002) takes the workspace row lock and raises CD001 unless
 * its second argument is the workspace's sequence and the client's last mutation id is
 * `$5`. The argument is the sequence itself (so the check passes) when the decisions
 * still hold: when the sequence is `$2` (nobody but this push wrote since its read), or
 * when none of the batch's rows changed under it: a row this push has not written must
 * have no change after the read (sequence `$3`), a row it wrote must still hold what it
 * wrote (compared as jsonb; the decisions depend on a row's value only). Otherwise -1,
 * which raises CD001. `$6` is the rows as a JSON array of `{ tbl, id, w, value }`
 * ({@link ExpectedRow}).
 */
const EXPECT_UNCHANGED = `select sync_expect($1,
    case
      when (select seq from workspaces where id = $1) = $2 then $2
      when exists (
        select 1
          from jsonb_to_recordset($6::text::jsonb) as k(tbl text, id text, w boolean, value jsonb)
          join rows r on r.workspace_id = $1 and r.tbl = k.tbl and r.id = k.id
         where case when k.w then r.value is distinct from k.value else r.seq > $3 end
      ) then -1
      else (select seq from workspaces where id = $1)
    end, $4, $5)`;

/**
 * A token acting under a device id (clientId) that another user of its workspace
 * pushed first (SPEC §7): answered 403, nothing written. Without it any token could
 * push `id: 9e15` under a colleague's device, whose later changes would then be skipped
 * as already applied and dropped from its outbox.
 */
export class DeviceOwnedError extends Error {
  readonly statusCode = 403;
  constructor(clientId: string) {
    super(
      `clientId: ${JSON.stringify(clientId)} belongs to another user of this workspace (a device id belongs to the user whose token first pushed it); this token may not push or pull as it`,
    );
    this.name = 'DeviceOwnedError';
  }
}

/** Throws {@link DeviceOwnedError} when `owner` (the user id stored for the client, if any) is not the caller. */
function checkOwner(caller: Caller, clientId: string, owner: number | undefined): void {
  if (owner !== undefined && owner !== caller.userId) throw new DeviceOwnedError(clientId);
}

/**
 * Applies `request.mutations` in mutation id order, each whole or not at all,
 * skipping any id at or below the client's stored last one (so a retried push
 * changes nothing and answers the same `lastMutationId`). When one fails, the ones
 * before it stay applied and none after it is.
 *
 * How: one read of every row the push touches, the workspace's sequence and the
 * client's last id; each mutation is then decided in memory on the rows as the ones
 * before it left them, and up to {@link BATCH_MUTATIONS} of them (or
 * {@link BATCH_WRITES} row writes) are sent as one transaction,
 * `BEGIN; queue; check; write; write; …; COMMIT`, in one round trip (the next batch is
 * decided while one is in flight). So the workspace lock is held only while PostgreSQL
 * runs that transaction, never across a round trip, and is taken and flushed to disk
 * once per batch, not once per mutation. The check ({@link EXPECT_UNCHANGED}) refuses
 * (CD001) if another writer changed one of the batch's rows since the read, or the
 * client's last id moved (the same client pushing through another server); writes of
 * other clients to other rows do not stop it, and each write takes its sequence
 * numbers from the workspace as it is under the lock. After a refusal, or any other
 * failure of a batch (which rolled back its mutations before the failing one too), the
 * rest is applied under the lock, one mutation per transaction, reading its rows after
 * locking (see {@link mutationStep}).
 * The client id must be new or the caller's own: the check is made on the read and
 * again under the lock, so two tokens claiming a new id at once cannot both win.
 * @throws DeviceOwnedError (403) when another user of the workspace owns `clientId`;
 *   nothing of the push is written.
 * @throws the database error of a failing mutation (met again on the locked path); the
 *   ones before it stay applied.
 */
export async function push(db: Db, caller: Caller, request: PushRequest): Promise<PushResponse> {
  const clientId = request.clientId;
  const mutations = [...request.mutations].sort((a, b) => a.id - b.id);
  const optimistic = await pushFromOneRead(db, caller, clientId, mutations);
  if (optimistic.done) return { lastMutationId: optimistic.lastMutationId, conflicts: optimistic.conflicts };
  // Someone wrote in between: perhaps another user claiming this new device id.
  checkOwner(caller, clientId, (await readClient(db, caller.workspaceId, clientId)).owner);

  const rest = mutations.filter((mutation) => mutation.id > optimistic.lastMutationId);
  const results = await db.series(rest.map((mutation) => mutationStep(caller, clientId, mutation)));
  return {
    lastMutationId: results.reduce((last, result) => Math.max(last, result.lastMutationId), optimistic.lastMutationId),
    conflicts: results.reduce((sum, result) => sum + result.conflicts, optimistic.conflicts),
  };
}

/**
 * The fast path of {@link push}. `done: false` when another writer got in between
 * (nothing wrong was written: that transaction was refused); `lastMutationId` is then
 * the client's stored last id, read again, and `conflicts` counts the ones applied.
 */
async function pushFromOneRead(
  db: Db,
  caller: Caller,
  clientId: string,
  mutations: Mutation[],
): Promise<{ done: boolean; lastMutationId: number; conflicts: number }> {
  const snapshot = parseFound(
    await db.query<Found>(
      ...readStatement(
        caller.workspaceId,
        clientId,
        mutations.flatMap((mutation) => mutation.writes),
      ),
    ),
  );
  checkOwner(caller, clientId, snapshot.owner);
  /** The workspace's sequence as of the read. */
  const readSeq = snapshot.seq;
  /** The workspace's sequence if only this push wrote since the read, and the client's last id, after the mutations decided so far. */
  let { seq, last } = snapshot;
  /** Keys of the rows this push has written so far (their value is then in snapshot.current). */
  const written = new Set<string>();
  let conflicts = 0;
  let batch = newBatch(seq, last);
  let inFlight: { promise: Promise<void>; applied: { id: number; conflicts: number }[] } | undefined;
  /** Set when a transaction failed: the client's last mutation id, read again. */
  let stored = 0;
  const refused = () => ({ done: false, lastMutationId: stored, conflicts });

  /**
   * Waits for the batch in flight; false when its transaction failed: refused by the
   * check (CD001), or any other error, since that rolled back the mutations of the
   * batch before the failing one too. The locked path then applies them one per
   * transaction, and meets a lasting error again at the mutation that causes it.
   */
  const settle = async (): Promise<boolean> => {
    if (!inFlight) return true;
    const { promise, applied } = inFlight;
    inFlight = undefined;
    try {
      await promise;
    } catch (error) {
      stored = await readClient(db, caller.workspaceId, clientId).then(
        (client) => client.last,
        () => Promise.reject(error as Error),
      );
      conflicts += applied.filter((one) => one.id <= stored).reduce((sum, one) => sum + one.conflicts, 0);
      return false;
    }
    conflicts += applied.reduce((sum, one) => sum + one.conflicts, 0);
    return true;
  };
  const send = async (): Promise<boolean> => {
    if (!(await settle())) return false;
    if (batch.applied.length === 0) return true;
    const check = {
      sql: EXPECT_UNCHANGED,
      params: [
        caller.workspaceId,
        batch.seq,
        readSeq,
        clientId,
        batch.last,
        JSON.stringify([...batch.expected.values()]),
      ],
    };
    const promise = db.transactions([
      [{ sql: QUEUE_WORKSPACE, params: [caller.workspaceId] }, check, ...batch.statements],
    ]);
    promise.catch(() => undefined); // settle() handles it; this keeps it from counting as unhandled meanwhile
    inFlight = { promise, applied: batch.applied };
    batch = newBatch(seq, last);
    // Let the driver write the batch to the socket before deciding the next one.
    await new Promise((resolve) => setImmediate(resolve));
    return true;
  };

  try {
    for (const mutation of mutations) {
      if (mutation.id <= last) continue;
      if (batch.writes > 0 && batch.writes + mutation.writes.length > BATCH_WRITES && !(await send())) return refused();
      expectRows(batch.expected, mutation, snapshot.current, written);
      const applied = applyMutation(caller, clientId, mutation, snapshot.current, seq);
      for (const changed of applied.changed) written.add(changed);
      batch.statements.push(applied.write);
      batch.applied.push({ id: mutation.id, conflicts: applied.conflicts });
      batch.writes += mutation.writes.length;
      seq = applied.seq;
      last = mutation.id;
      if (batch.applied.length >= BATCH_MUTATIONS && !(await send())) return refused();
    }
    if (!(await send()) || !(await settle())) return refused();
    return { done: true, lastMutationId: last, conflicts };
  } finally {
    // A throw while a batch is in flight: let it finish before the connection is reused.
    await inFlight?.promise.catch(() => undefined);
  }
}

/**
 * A row a batch is decided on, as {@link EXPECT_UNCHANGED} checks it. `w` and `value`
 * only for a row this push wrote before the batch (`value`: what it wrote, null for a
 * tombstone); left out otherwise, which `jsonb_to_recordset` reads as null, so that a
 * launch's 50,000 new rows add only their keys to the transaction.
 */
type ExpectedRow = { tbl: Table; id: string } | { tbl: Table; id: string; w: true; value: RowValue | null };

/**
 * The mutations of one push that go in one transaction: `seq` and `last` are the
 * workspace's sequence (if only this push wrote) and the client's last id before it,
 * `expected` the rows its decisions rest on, `statements` its mutations' writes.
 */
interface Batch {
  seq: number;
  last: number;
  expected: Map<string, ExpectedRow>;
  statements: Statement[];
  applied: { id: number; conflicts: number }[];
  writes: number;
}

const newBatch = (seq: number, last: number): Batch => ({
  seq,
  last,
  expected: new Map(),
  statements: [],
  applied: [],
  writes: 0,
});

/**
 * Adds to `expected` the rows `mutation` is decided on that it does not hold yet, as
 * they are before the batch: a row an earlier mutation of the batch touched is already
 * there, so any other row is as the batch found it (its value in `current`, written by
 * this push when `written` holds it). Call before deciding the mutation (which updates
 * `current` and `written`).
 */
function expectRows(
  expected: Map<string, ExpectedRow>,
  mutation: Mutation,
  current: Current,
  written: Set<string>,
): void {
  for (const write of mutation.writes) {
    const at = key(write.table, write.id);
    if (expected.has(at)) continue;
    expected.set(
      at,
      written.has(at)
        ? { tbl: write.table, id: write.id, w: true, value: current.get(at) ?? null }
        : { tbl: write.table, id: write.id },
    );
  }
}

/**
 * Returns the workspace's rows whose sequence is above `request.cookie`, in sequence
 * order, at most `request.limit` (default {@link PULL_MAX_LIMIT}), read from one
 * snapshot together with the client's last applied mutation id.
 * @throws DeviceOwnedError (403) when another user of the workspace owns `request.clientId`.
 */
export async function pull(db: Db, caller: Caller, request: PullRequest): Promise<PullResponse> {
  const limit = request.limit ?? PULL_MAX_LIMIT;
  const after = request.cookie ?? 0;
  return db.transaction(async (tx) => {
    await tx.exec('set transaction isolation level repeatable read');
    const { last: lastMutationId, owner } = await readClient(tx, caller.workspaceId, request.clientId);
    checkOwner(caller, request.clientId, owner);
    const found = await tx.query<{ tbl: string; id: string; value: string | null; deleted: boolean; seq: unknown }>(
      'select tbl, id, value::text as value, deleted, seq from rows where workspace_id = $1 and seq > $2 order by seq limit $3',
      [caller.workspaceId, after, limit + 1],
    );
    const page = found.slice(0, limit);
    const rows: PullRow[] = page.map((row) => ({
      table: row.tbl as Table,
      id: row.id,
      deleted: row.deleted,
      value: row.deleted || row.value === null ? null : (JSON.parse(row.value) as RowValue),
    }));
    const cookie = page.length > 0 ? Number(page.at(-1)!.seq) : after;
    return { cookie, lastMutationId, rows, hasMore: found.length > limit };
  });
}

/** The client's last applied mutation id (0 if none) and the user who owns it (undefined: a new client). */
async function readClient(
  db: Queryable,
  workspaceId: number,
  clientId: string,
): Promise<{ last: number; owner: number | undefined }> {
  const [row] = await db.query<{ last_mutation_id: unknown; user_id: unknown }>(
    'select last_mutation_id, user_id from clients where workspace_id = $1 and client_id = $2',
    [workspaceId, clientId],
  );
  return row ? { last: Number(row.last_mutation_id), owner: Number(row.user_id) } : { last: 0, owner: undefined };
}

/** A row as the server holds it inside one mutation's transaction: null = none or a tombstone. */
type Current = Map<string, RowValue | null>;

const key = (table: Table, id: string) => `${table}\u0000${id}`;

/**
 * Up to this many writes, a mutation reads its rows by `(tbl, id)` pairs in the WHERE
 * clause (an index lookup each, planned quickly); above it, through a join on the
 * keys as one JSON parameter, which plans in constant time whatever the count.
 */
const KEYS_INLINE_MAX = 64;

/**
 * The read a push decides on: the workspace's sequence, the client's last mutation id
 * (and, in the `id` column of that row, the user who owns the client) and the current rows under `writes`' keys, in one statement (so one snapshot).
 */
function readStatement(workspaceId: number, clientId: string, writes: RowWrite[]): [string, unknown[]] {
  const head = `select 'seq' as kind, null as tbl, null as id, seq::text as value, false as deleted
                  from workspaces where id = $1
                union all
                select 'last', null, user_id::text, last_mutation_id::text, false
                  from clients where workspace_id = $1 and client_id = $2`;
  const params: unknown[] = [workspaceId, clientId];
  const keys = new Map(writes.map((write) => [key(write.table, write.id), write]));
  if (keys.size === 0) return [head, params];
  const rows = `union all select 'row', r.tbl, r.id, r.value::text, r.deleted from rows r where r.workspace_id = $1`;
  if (keys.size <= KEYS_INLINE_MAX) {
    const pairs = [...keys.values()].map((write) => {
      params.push(write.table, write.id);
      return `(r.tbl = $${params.length - 1} and r.id = $${params.length})`;
    });
    return [`${head} ${rows} and (${pairs.join(' or ')})`, params];
  }
  params.push(JSON.stringify([...keys.values()].map((write) => ({ tbl: write.table, id: write.id }))));
  return [
    `${head} ${rows} and (r.tbl, r.id) in
       (select k.tbl, k.id from jsonb_to_recordset($3::text::jsonb) as k(tbl text, id text))`,
    params,
  ];
}

/** A row of {@link readStatement}. */
interface Found {
  kind: 'seq' | 'last' | 'row';
  tbl: Table | null;
  id: string | null;
  value: string | null;
  deleted: boolean;
}

function parseFound(found: Found[]): { seq: number; last: number; owner: number | undefined; current: Current } {
  let seq = 0;
  let last = 0;
  let owner: number | undefined;
  const current: Current = new Map();
  for (const row of found) {
    if (row.kind === 'seq') seq = Number(row.value);
    else if (row.kind === 'last') {
      last = Number(row.value);
      owner = Number(row.id);
    } else
      current.set(
        key(row.tbl!, row.id!),
        row.deleted || row.value === null ? null : (JSON.parse(row.value) as RowValue),
      );
  }
  return { seq, last, owner, current };
}

/**
 * One mutation as a {@link SeriesStep}: lock the workspace, read, decide, write. The
 * lock serialises this workspace's pushes, so sequence numbers commit in increasing
 * order and a pull never skips one (docs/SYNC.md); the read is a separate statement
 * after it, so it sees every earlier push, including another server applying a retry
 * of this same push (hence the client's last mutation id is read again too).
 */
function mutationStep(caller: Caller, clientId: string, mutation: Mutation): SeriesStep<MutationResult> {
  const queue = { sql: QUEUE_WORKSPACE, params: [caller.workspaceId] };
  const lock = { sql: LOCK_WORKSPACE, params: [caller.workspaceId] };
  const [sql, params] = readStatement(caller.workspaceId, clientId, mutation.writes);
  return {
    first: [queue, lock, { sql, params }],
    work: ([, , found]) => {
      const { seq, last, owner, current } = parseFound(found as unknown as Found[]);
      checkOwner(caller, clientId, owner);
      if (mutation.id <= last) return { atCommit: [], result: { lastMutationId: last, conflicts: 0 } };
      const applied = applyMutation(caller, clientId, mutation, current, seq);
      return { atCommit: [applied.write], result: { lastMutationId: mutation.id, conflicts: applied.conflicts } };
    },
  };
}

/** What one mutation did: the client's last applied mutation id after it, and the conflict rows it wrote. */
interface MutationResult {
  lastMutationId: number;
  conflicts: number;
}

/**
 * Decides `mutation`'s writes on `current` (the server's rows under its keys as of
 * sequence `seq`; updated in place to the rows after it) and returns the one statement
 * that writes them, the workspace's new sequence and the client's last mutation id,
 * with the sequence after it as seen from `seq`, the keys it changes and the number of
 * conflict rows among them. The statement numbers the rows from the workspace's
 * sequence as it finds it (`seq + 1` when nobody else wrote since), so it must run
 * under the workspace lock.
 */
function applyMutation(
  caller: Caller,
  clientId: string,
  mutation: Mutation,
  current: Current,
  seq: number,
): { write: Statement; seq: number; changed: string[]; conflicts: number } {
  // Final state of every row this mutation changes, in the order first changed.
  const changed = new Map<string, { table: Table; id: string; value: RowValue | null }>();
  let conflicts = 0;
  mutation.writes.forEach((write, index) => {
    const before = current.get(key(write.table, write.id)) ?? null;
    const decision = decide(write, before);
    if (decision.next !== undefined) {
      current.set(key(write.table, write.id), decision.next);
      changed.set(key(write.table, write.id), { table: write.table, id: write.id, value: decision.next });
    }
    if (!decision.conflict) return;
    const conflict: ConflictRow = {
      id: `${clientId}:${mutation.id}:${index}`,
      table: write.table as SyncTable,
      rowId: write.id,
      kind: decision.conflict.kind,
      fields: decision.conflict.fields,
      mine: write.value,
      theirs: before,
      at: Date.now(),
      resolved: false,
      clientId,
      mutationId: mutation.id,
      name: mutation.name,
    };
    changed.set(key('conflicts', conflict.id), { table: 'conflicts', id: conflict.id, value: conflict });
    conflicts++;
  });

  // One statement writes the rows (however many: they travel as one JSON array, the
  // n-th numbered the workspace's sequence + n), the workspace's sequence and the
  // client's last mutation.
  const rows = [...changed.values()].map((row, index) => ({
    tbl: row.table,
    id: row.id,
    value: row.value,
    n: index + 1,
  }));
  const written =
    rows.length === 0
      ? ''
      : `base as (select seq from workspaces where id = $1),
         written as (
           insert into rows (workspace_id, tbl, id, value, deleted, seq)
           select $1, v.tbl, v.id, v.value, v.value is null, base.seq + v.n
             from base, jsonb_to_recordset($7::text::jsonb) as v(tbl text, id text, value jsonb, n int8)
           on conflict (workspace_id, tbl, id)
             do update set value = excluded.value, deleted = excluded.deleted, seq = excluded.seq
         ), `;
  const atCommit = {
    sql: `with ${written}bumped as (
            update workspaces set seq = seq + $2 where id = $1 and $2 > 0
          )
          insert into clients (workspace_id, client_id, user_id, last_mutation_id, updated_at)
          values ($1, $3, $4, $5, $6)
          on conflict (workspace_id, client_id)
            do update set last_mutation_id = excluded.last_mutation_id, updated_at = excluded.updated_at`,
    params: [caller.workspaceId, rows.length, clientId, caller.userId, mutation.id, Date.now(), JSON.stringify(rows)],
  };
  return { write: atCommit, seq: seq + rows.length, changed: [...changed.keys()], conflicts };
}

interface Decision {
  /** The row's new value, null to delete it (tombstone), undefined to leave it. */
  next?: RowValue | null;
  conflict?: { kind: 'edit' | 'delete'; fields: string[] };
}

/** Conflict copies are kept for what people type; machine state (step runs) follows its own rule. */
const CONFLICT_COPY_TABLES = new Set<Table>([
  'mailboxes',
  'contacts',
  'templates',
  'campaigns',
  'enrollments',
  'tasks',
]);

/**
 * What one write does to the server's row `before` (null = none or deleted), by the
 * rules in docs/SYNC.md.
 */
export function decide(write: RowWrite, before: RowValue | null): Decision {
  if (write.op === 'delete') {
    if (before === null) return {};
    if (write.table === 'stepRuns' && before.state === 'sent') return {};
    if (deepEqual(before, write.base)) return { next: null };
    // Edited elsewhere since the client's base: the edit stays, the client is told.
    return CONFLICT_COPY_TABLES.has(write.table) ? { conflict: { kind: 'delete', fields: [] } } : {};
  }

  const value = write.value!;
  let next: RowValue;
  let fields: string[] = [];
  if (before === null || deepEqual(before, write.base)) next = value;
  else if (write.table === 'stepRuns' && isFinalStepRunState(value.state) && !isFinalStepRunState(before.state))
    next = value; // what the sending device recorded outranks an open state
  else {
    const merged = threeWayMerge<RowValue>(write.base ?? undefined, value, before);
    next = merged.value;
    if (CONFLICT_COPY_TABLES.has(write.table)) fields = merged.conflicts;
  }

  if (write.table === 'stepRuns' && before !== null) {
    if (before.state === 'sent' && !deepEqual(next, before)) return {};
    if (isFinalStepRunState(before.state) && !isFinalStepRunState(next.state)) return {};
  }
  const conflict = fields.length > 0 ? { kind: 'edit' as const, fields } : undefined;
  if (before !== null && deepEqual(next, before)) return conflict ? { conflict } : {};
  return conflict ? { next, conflict } : { next };
}
