import { readdir, readFile } from 'node:fs/promises';
import type { Db } from './db';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Any constant: servers starting together on one PostgreSQL take turns migrating. */
const MIGRATION_LOCK = 4400_0001;

/**
 * Applies every `server/migrations/NNN_name.sql` not yet recorded in
 * `schema_migrations`, in number order, all inside one transaction (so a failing file
 * leaves the schema as it was). Returns the versions applied now.
 * @throws the database error of a failing migration, after rolling back.
 */
export async function migrate(db: Db): Promise<number[]> {
  const files = (await readdir(MIGRATIONS_DIR))
    .filter((name) => /^\d+_.+\.sql$/.test(name))
    .map((name) => ({ name, version: Number.parseInt(name, 10) }))
    .sort((a, b) => a.version - b.version);
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      'create table if not exists schema_migrations (version int primary key, name text not null, applied_at bigint not null)',
    );
    const done = new Set(
      (await tx.query<{ version: number }>('select version from schema_migrations')).map((row) => Number(row.version)),
    );
    const applied: number[] = [];
    for (const file of files) {
      if (done.has(file.version)) continue;
      await tx.exec(await readFile(new URL(file.name, MIGRATIONS_DIR), 'utf8'));
      await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [
        file.version,
        file.name,
        Date.now(),
      ]);
      applied.push(file.version);
    }
    return applied;
  });
}
