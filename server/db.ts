/**
 * One small database interface over both engines the sync server runs on:
 * PostgreSQL through a `pg` Pool (with DATABASE_URL) and embedded PGlite (a data
 * folder, or `memory://`). The same SQL runs on both. To keep values identical across
 * drivers, SQL passes JSON as text (`$1::text::jsonb`, `value::text`) and callers
 * read numbers with `Number()` (pg returns int8 as a string, PGlite as a number).
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** A row as a driver returns it. */
export type Row = Record<string, unknown>;

/** One SQL statement with `$n` parameters. */
export interface Statement {
  sql: string;
  params?: unknown[];
}

/** Runs SQL: `query` one statement with `$n` parameters, `exec` a script of several statements without parameters. */
export interface Queryable {
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

/** A transaction: {@link Queryable}, plus statements held back to run with COMMIT. */
export interface Tx extends Queryable {
  /**
   * Runs `statement` just before COMMIT, in COMMIT's round trip on PostgreSQL. Its
   * parameters must be strings, finite numbers, booleans or null.
   */
  atCommit(statement: Statement): void;
}

/** A database: {@link Queryable} plus transactions and closing. */
export interface Db extends Queryable {
  /** `postgres` or `pglite`, for messages and benchmarks. */
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `work` inside BEGIN … COMMIT on one connection and returns its result; rolls
   * back and rethrows whatever `work` or COMMIT throws. The `first` statements run
   * right after BEGIN, on PostgreSQL in BEGIN's round trip, and their rows are handed
   * to `work` (one array per statement): a lock and a read this way cost one round
   * trip. Their parameters must be strings, finite numbers, booleans or null.
   */
  transaction<T>(work: (tx: Tx, firstRows: Row[][]) => Promise<T>, first?: Statement[]): Promise<T>;
  close(): Promise<void>;
}

/**
 * Writes `statement` with its parameters as SQL literals, for the simple-query
 * protocol that lets several statements share a round trip. Strings go through pg's
 * `escapeLiteral`; anything but a string, finite number, boolean or null is refused.
 * @throws TypeError for a parameter of another type.
 */
function inline({ sql, params = [] }: Statement): string {
  return sql.replace(/\$(\d+)/g, (_, index: string) => {
    const value = params[Number(index) - 1];
    if (value === null) return 'NULL';
    if (typeof value === 'string') return pg.escapeLiteral(value);
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw new TypeError(`parameter $${index}: ${typeof value} cannot be written inline`);
  });
}

/**
 * Opens PostgreSQL at `databaseUrl` (a `postgres://` URL) through a pool of up to
 * `poolSize` connections. Connection errors surface on the first query.
 */
export function openPostgres(databaseUrl: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client losing its connection must not crash the server; the pool replaces it.
  pool.on('error', () => undefined);
  // Every statement is prepared once per connection under a name derived from its
  // text: PostgreSQL then skips parsing and planning it on every mutation.
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (name === undefined) names.set(sql, (name = `s${names.size + 1}`));
    return name;
  };
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await client.query({ name: nameOf(sql), text: sql, values: params });
      return result.rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  /** Runs `sqls` as one simple query; returns each statement's rows. */
  const simple = async (client: pg.PoolClient, sqls: string[]): Promise<Row[][]> => {
    const result = (await client.query(sqls.join(';\n'))) as unknown as pg.QueryResult | pg.QueryResult[];
    return (Array.isArray(result) ? result : [result]).map((one) => one.rows as Row[]);
  };
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction<T>(work: (tx: Tx, firstRows: Row[][]) => Promise<T>, first: Statement[] = []): Promise<T> {
      const client = await pool.connect();
      try {
        const firstRows = (await simple(client, ['BEGIN', ...first.map(inline)])).slice(1);
        const atCommit: Statement[] = [];
        const result = await work({ ...wrap(client), atCommit: (statement) => atCommit.push(statement) }, firstRows);
        await simple(client, [...atCommit.map(inline), 'COMMIT']);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Opens embedded PGlite in `dataDir` (a folder, created if missing, or `memory://`
 * for a database that lives only as long as the process). Resolves once it is ready.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  const db = await PGlite.create(dataDir);
  const wrap = (target: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await target.query<T>(sql, params);
      return result.rows;
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (work, first = []) =>
      db.transaction(async (tx) => {
        const firstRows: Row[][] = [];
        for (const statement of first) firstRows.push((await tx.query<Row>(statement.sql, statement.params)).rows);
        const atCommit: Statement[] = [];
        const result = await work({ ...wrap(tx), atCommit: (statement) => atCommit.push(statement) }, firstRows);
        for (const statement of atCommit) await tx.query(statement.sql, statement.params);
        return result;
      }),
    close: () => db.close(),
  };
}
