import Dexie, { type DBCoreMutateRequest, type DBCoreTable } from 'dexie';
import type { RowValue, RowWrite, Table } from '../../../core/sync/protocol';
import { TABLES } from '../../../core/sync/protocol';

/**
 * Records, per transaction, every row written to a synced table with the row as it was
 * before (a Dexie DBCore middleware). `inChange` takes them into the change's outbox row,
 * so the sync server can tell an edit made on a stale copy (core/sync/protocol.ts
 * `RowWrite`). Writes made in a transaction that records no change (the engine's claim,
 * rows pulled from the server) are simply dropped with it.
 */

const SYNCED = new Set<string>(TABLES);
const pending = new WeakMap<object, RowWrite[]>();
const ignored = new WeakSet<object>();

/** Installs the middleware on `db` (before it opens). */
export function captureWrites(db: Dexie): void {
  db.use({
    stack: 'dbcore',
    name: 'sync-capture',
    create: (down) => ({
      ...down,
      table: (name: string): DBCoreTable => {
        const table = down.table(name);
        if (!SYNCED.has(name)) return table;
        return {
          ...table,
          mutate: async (req: DBCoreMutateRequest) => {
            if (ignored.has(req.trans) || req.type === 'deleteRange') return table.mutate(req);
            const keys =
              req.type === 'delete'
                ? req.keys
                : req.values.map((value, i) => req.keys?.[i] ?? (value as { id: string }).id);
            const before =
              req.type === 'add' ? keys.map(() => undefined) : await table.getMany({ trans: req.trans, keys });
            const result = await table.mutate(req);
            const failed = new Set(Object.keys(result.failures).map(Number));
            const writes = pending.get(req.trans) ?? [];
            keys.forEach((key, i) => {
              if (failed.has(i)) return;
              const base = (before[i] as RowValue | undefined) ?? null;
              writes.push(
                req.type === 'delete'
                  ? { table: name as Table, id: String(key), op: 'delete', base, value: null }
                  : { table: name as Table, id: String(key), op: 'put', base, value: req.values[i] as RowValue },
              );
            });
            pending.set(req.trans, writes);
            return result;
          },
        };
      },
    }),
  });
}

/** The rows written so far in the current transaction (and forgets them). */
export function takeWrites(): RowWrite[] {
  const trans = Dexie.currentTransaction?.idbtrans as object | undefined;
  if (!trans) return [];
  const writes = pending.get(trans) ?? [];
  pending.delete(trans);
  return writes;
}

/** Writes in the current transaction are not changes of this device (rows pulled from the server). */
export function ignoreWrites(): void {
  const trans = Dexie.currentTransaction?.idbtrans as object | undefined;
  if (trans) ignored.add(trans);
}
