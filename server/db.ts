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

/** One transaction of {@link Db.series}. */
export interface SeriesStep<R> {
  /** Run right after BEGIN; their rows are handed to `work`. Parameters as for {@link Tx.atCommit}. */
  first: Statement[];
  /**
   * Given the rows of `first` (one array per statement), returns the statements to
   * run before COMMIT (parameters as for {@link Tx.atCommit}) and this step's result.
   * Throwing rolls this step back; the steps before it stay committed.
   */
  work(firstRows: Row[][]): { atCommit: Statement[]; result: R };
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
  /**
   * Runs `steps` in order on one connection, each in its own transaction (BEGIN,
   * `first`, `work`, its `atCommit` statements, COMMIT), and returns their results in
   * order. On PostgreSQL a step's `atCommit` statements and COMMIT travel in one
   * simple-query round trip with the next step's BEGIN and `first` statements, so `n`
   * steps cost `n + 1` round trips; on PGlite each step's statements before and after
   * `work` are one `exec` each, and other queries wait until up to
   * {@link PGLITE_SERIES_CHUNK} steps are done.
   * @throws the first error of a step (database error, or what `work` throws); the
   *   steps before it stay committed, that step and the ones after it are not applied.
   */
  series<R>(steps: Iterable<SeriesStep<R>>): Promise<R[]>;
  /**
   * Runs each entry of `transactions` as its own transaction (BEGIN, its statements,
   * COMMIT), in order, on one connection and in one round trip: one simple query on
   * PostgreSQL, one `exec` on PGlite. Parameters as for {@link Tx.atCommit}.
   * @throws the first failing statement's database error; the transactions before it
   *   stay committed, its own is rolled back, the ones after it never run.
   */
  transactions(transactions: Statement[][]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes `value` as an SQL literal for parameter `$index`: strings through pg's
 * `escapeLiteral`, finite numbers, booleans, null.
 * @throws TypeError for a value of another type.
 */
function literal(value: unknown, index: number): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new TypeError(`parameter $${index}: ${typeof value} cannot be written inline`);
}

/**
 * Writes `statement` with its parameters as SQL literals, for the simple-query
 * protocol that lets several statements share a round trip.
 * @throws TypeError for a parameter {@link literal} refuses.
 */
function inline({ sql, params = [] }: Statement): string {
  return sql.replace(/\$(\d+)/g, (_, index: string) => literal(params[Number(index) - 1], Number(index)));
}

/**
 * The statements one database session has prepared with SQL `PREPARE`, by text, with
 * their name and number of parameters. A simple query can then run them as `EXECUTE`,
 * which PostgreSQL neither parses nor plans again: about half of a small mutation's
 * time on the server otherwise.
 */
interface Session {
  prepared: Map<string, { name: string; arity: number }>;
}

/** Most statements one session prepares; further texts are sent inline. */
const SESSION_PREPARED_MAX = 200;
let preparedNames = 0;

/**
 * Prepares, once per session and one `PREPARE` query each, the texts of `statements`
 * that `session` has not prepared yet (while it holds fewer than
 * {@link SESSION_PREPARED_MAX}). `run` runs one simple query on that session.
 * @throws the database error of a text that does not prepare.
 */
async function prepare(run: (sql: string) => Promise<unknown>, session: Session, statements: Statement[]) {
  for (const { sql } of statements) {
    if (session.prepared.has(sql) || session.prepared.size >= SESSION_PREPARED_MAX) continue;
    const name = `cd_${++preparedNames}`;
    await run(`PREPARE ${name} AS ${sql}`);
    const arity = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
    session.prepared.set(sql, { name, arity });
  }
}

/**
 * `statement` as one command of a simple query on `session`: `EXECUTE` of its prepared
 * text with the parameters as literals, or the statement {@link inline}.
 * @throws TypeError for a parameter {@link literal} refuses.
 */
function render(session: Session, statement: Statement): string {
  const prepared = session.prepared.get(statement.sql);
  if (!prepared) return inline(statement);
  if (prepared.arity === 0) return `EXECUTE ${prepared.name}`;
  const params = statement.params ?? [];
  const args = Array.from({ length: prepared.arity }, (_, i) => literal(params[i], i + 1));
  return `EXECUTE ${prepared.name}(${args.join(', ')})`;
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
  const sessions = new WeakMap<pg.PoolClient, Session>();
  const sessionOf = (client: pg.PoolClient) => {
    let session = sessions.get(client);
    if (!session) sessions.set(client, (session = { prepared: new Map() }));
    return session;
  };
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
    async series<R>(steps: Iterable<SeriesStep<R>>): Promise<R[]> {
      const client = await pool.connect();
      const results: R[] = [];
      let broken = false;
      try {
        // What the previous step left to send: its writes and COMMIT.
        const session = sessionOf(client);
        const run = (sql: string) => client.query(sql);
        let pending: Statement[] | undefined;
        for (const step of steps) {
          await prepare(run, session, [...(pending ?? []), ...step.first]);
          const head = pending ? [...pending.map((one) => render(session, one)), 'COMMIT'] : [];
          const rows = await simple(client, [...head, 'BEGIN', ...step.first.map((one) => render(session, one))]);
          const { atCommit, result } = step.work(rows.slice(head.length + 1));
          pending = atCommit;
          results.push(result);
        }
        if (pending) {
          await prepare(run, session, pending);
          await simple(client, [...pending.map((one) => render(session, one)), 'COMMIT']);
        }
        return results;
      } catch (error) {
        // No transaction may be open (the failure came after a COMMIT): ROLLBACK then only warns.
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async transactions(transactions: Statement[][]): Promise<void> {
      if (transactions.length === 0) return;
      const client = await pool.connect();
      let broken = false;
      try {
        const session = sessionOf(client);
        await prepare((sql) => client.query(sql), session, transactions.flat());
        await simple(
          client,
          transactions.flatMap((statements) => ['BEGIN', ...statements.map((one) => render(session, one)), 'COMMIT']),
        );
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** Most steps of one {@link Db.series} that run while PGlite's lock keeps other queries waiting. */
export const PGLITE_SERIES_CHUNK = 50;

/**
 * Opens embedded PGlite in `dataDir` (a folder, created if missing, or `memory://`
 * for a database that lives only as long as the process). Resolves once it is ready.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  const db = await PGlite.create(dataDir);
  const session: Session = { prepared: new Map() };
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
    async series<R>(steps: Iterable<SeriesStep<R>>): Promise<R[]> {
      const results: R[] = [];
      const iterator = steps[Symbol.iterator]();
      let next = iterator.next();
      while (!next.done) {
        // PGlite's transaction() holds its lock (other queries wait) and opens the
        // first step's transaction; each later step commits the one before and begins
        // its own in one exec, and transaction() commits the last.
        await db.transaction(async (tx) => {
          const run = (sql: string) => tx.exec(sql);
          let pending: Statement[] = [];
          for (let n = 0; n < PGLITE_SERIES_CHUNK && !next.done; n++, next = iterator.next()) {
            const step = next.value;
            await prepare(run, session, [...pending, ...step.first]);
            const head = n === 0 ? [] : [...pending.map((one) => render(session, one)), 'COMMIT', 'BEGIN'];
            const sqls = [...head, ...step.first.map((one) => render(session, one))];
            const rows = sqls.length === 0 ? [] : (await tx.exec(sqls.join(';\n'))).map((one) => one.rows as Row[]);
            const { atCommit, result } = step.work(rows.slice(head.length));
            pending = atCommit;
            results.push(result);
          }
          if (pending.length > 0) {
            await prepare(run, session, pending);
            await tx.exec(pending.map((one) => render(session, one)).join(';\n'));
          }
        });
      }
      return results;
    },
    async transactions(transactions: Statement[][]): Promise<void> {
      if (transactions.length === 0) return;
      // transaction() holds PGlite's lock and wraps the whole text in BEGIN … COMMIT.
      await db.transaction(async (tx) => {
        await prepare((sql) => tx.exec(sql), session, transactions.flat());
        const render1 = (statements: Statement[]) => statements.map((one) => render(session, one)).join(';\n');
        await tx.exec(transactions.map(render1).join(';\nCOMMIT;\nBEGIN;\n'));
      });
    },
    close: () => db.close(),
  };
}
