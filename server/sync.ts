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
import type { Db, Queryable, Tx } from './db';
import type { Caller } from './tokens';

/**
 * Applies `request.mutations` in mutation id order, each in its own transaction,
 * skipping any id at or below the client's stored last one (so a retried push
 * changes nothing and answers the same `lastMutationId`).
 * @throws the database error of a failing mutation; the ones before it stay applied.
 */
export async function push(db: Db, caller: Caller, request: PushRequest): Promise<PushResponse> {
  const mutations = [...request.mutations].sort((a, b) => a.id - b.id);
  let lastMutationId = await readLastMutationId(db, caller.workspaceId, request.clientId);
  let conflicts = 0;
  for (const mutation of mutations) {
    if (mutation.id <= lastMutationId) continue;
    const result = await applyMutation(db, caller, request.clientId, mutation);
    lastMutationId = result.lastMutationId;
    conflicts += result.conflicts;
  }
  return { lastMutationId, conflicts };
}

/**
 * Returns the workspace's rows whose sequence is above `request.cookie`, in sequence
 * order, at most `request.limit` (default {@link PULL_MAX_LIMIT}), read from one
 * snapshot together with the client's last applied mutation id.
 */
export async function pull(db: Db, caller: Caller, request: PullRequest): Promise<PullResponse> {
  const limit = request.limit ?? PULL_MAX_LIMIT;
  const after = request.cookie ?? 0;
  return db.transaction(async (tx) => {
    await tx.exec('set transaction isolation level repeatable read');
    const lastMutationId = await readLastMutationId(tx, caller.workspaceId, request.clientId);
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

async function readLastMutationId(db: Queryable, workspaceId: number, clientId: string): Promise<number> {
  const [row] = await db.query<{ last_mutation_id: unknown }>(
    'select last_mutation_id from clients where workspace_id = $1 and client_id = $2',
    [workspaceId, clientId],
  );
  return row ? Number(row.last_mutation_id) : 0;
}

/** A row as the server holds it inside one mutation's transaction: null = none or a tombstone. */
type Current = Map<string, RowValue | null>;

const key = (table: Table, id: string) => `${table}\u0000${id}`;

async function applyMutation(
  db: Db,
  caller: Caller,
  clientId: string,
  mutation: Mutation,
): Promise<{ lastMutationId: number; conflicts: number }> {
  // Locking the workspace row serialises this workspace's pushes, so sequence numbers
  // commit in increasing order and a pull never skips one (docs/SYNC.md). The read
  // is a separate statement after the lock, so it sees every earlier push. Both run
  // in BEGIN's round trip, and the write in COMMIT's: two round trips per mutation.
  const lock = { sql: 'select seq from workspaces where id = $1 for update', params: [caller.workspaceId] };
  const keys = mutation.writes.map((_, i) => `(r.tbl = $${3 + 2 * i} and r.id = $${4 + 2 * i})`);
  const read = {
    sql:
      `select null as tbl, null as id, last_mutation_id::text as value, false as deleted
         from clients where workspace_id = $1 and client_id = $2` +
      (keys.length === 0
        ? ''
        : ` union all select r.tbl, r.id, r.value::text, r.deleted from rows r
             where r.workspace_id = $1 and (${keys.join(' or ')})`),
    params: [caller.workspaceId, clientId, ...mutation.writes.flatMap((write) => [write.table, write.id])],
  };
  return db.transaction(
    async (tx, [locked, found]) =>
      applyLocked(tx, caller, clientId, mutation, Number(locked![0]!.seq), found as unknown as Found[]),
    [lock, read],
  );
}

interface Found {
  /** null on the row that carries the client's last mutation id in `value`. */
  tbl: Table | null;
  id: string | null;
  value: string | null;
  deleted: boolean;
}

function applyLocked(
  tx: Tx,
  caller: Caller,
  clientId: string,
  mutation: Mutation,
  lockedSeq: number,
  found: Found[],
): { lastMutationId: number; conflicts: number } {
  let seq = lockedSeq;
  const current: Current = new Map();
  let last = 0;
  for (const row of found) {
    if (row.tbl === null) last = Number(row.value);
    else
      current.set(
        key(row.tbl, row.id!),
        row.deleted || row.value === null ? null : (JSON.parse(row.value) as RowValue),
      );
  }
  if (mutation.id <= last) return { lastMutationId: last, conflicts: 0 };

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

  // One statement writes the rows, the workspace's sequence and the client's last mutation.
  const rows = [...changed.values()];
  const params: unknown[] = [caller.workspaceId, seq + rows.length, clientId, caller.userId, mutation.id, Date.now()];
  const values = rows.map((row) => {
    params.push(row.table, row.id, row.value === null ? null : JSON.stringify(row.value), ++seq);
    const n = params.length;
    return `($${n - 3}::text, $${n - 2}::text, $${n - 1}::text::jsonb, $${n}::int8)`;
  });
  const written =
    values.length === 0
      ? ''
      : `written as (
           insert into rows (workspace_id, tbl, id, value, deleted, seq)
           select $1, v.tbl, v.id, v.value, v.value is null, v.seq
             from (values ${values.join(', ')}) as v(tbl, id, value, seq)
           on conflict (workspace_id, tbl, id)
             do update set value = excluded.value, deleted = excluded.deleted, seq = excluded.seq
         ), `;
  tx.atCommit({
    sql: `with ${written}bumped as (
            update workspaces set seq = $2 where id = $1 and seq < $2
          )
          insert into clients (workspace_id, client_id, user_id, last_mutation_id, updated_at)
          values ($1, $3, $4, $5, $6)
          on conflict (workspace_id, client_id)
            do update set last_mutation_id = excluded.last_mutation_id, user_id = excluded.user_id, updated_at = excluded.updated_at`,
    params,
  });
  return { lastMutationId: mutation.id, conflicts };
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
