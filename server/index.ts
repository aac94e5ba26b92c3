/**
 * The team sync server: `startServer` for the CLI, tests and benchmarks. See
 * docs/SYNC.md for the protocol rules and how to run several behind a load balancer.
 */
import { readFileSync } from 'node:fs';
import { buildApp } from './app';
import { openPglite, openPostgres, type Db } from './db';
import { migrate } from './migrate';
import { lockDataDir } from './lock';
import { createToken, type TokenOptions } from './tokens';

export { createToken, listTokens, revokeToken, type TokenInfo, type TokenOptions } from './tokens';
export type { Db } from './db';

/** Where PGlite keeps its data when neither DATABASE_URL nor a folder is given. */
export const DEFAULT_DATA_DIR = './.campaign-desk-server';
export const DEFAULT_PORT = 4400;
export const DEFAULT_HOST = '127.0.0.1';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** A `postgres://` URL: use that PostgreSQL. Wins over `dataDir`. */
  databaseUrl?: string;
  /** PGlite's folder, or `memory://` for a throwaway database (tests). Default {@link DEFAULT_DATA_DIR}. */
  dataDir?: string;
  /** TCP port; 0 picks a free one. Default {@link DEFAULT_PORT}. */
  port?: number;
  /** Interface to listen on. Default {@link DEFAULT_HOST}. */
  host?: string;
  /** Request logs on stdout. Default false. */
  logger?: boolean;
  /** The server's public `https://` address, for one-click unsubscribe links (SPEC §12); see AppOptions. */
  publicUrl?: string | undefined;
}

/** A running server. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:4400`. */
  url: string;
  /** The database it uses (for tests that look at what was written). */
  db: Db;
  /** Makes a token for `user` in `workspace` (default `default`); see {@link createToken}. */
  createToken(user: string, workspace?: string, options?: TokenOptions): Promise<string>;
  /** Stops listening, waits for requests in flight, closes the database. */
  close(): Promise<void>;
}

/** The package version, reported by `GET /health`. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Opens the database (PostgreSQL when `databaseUrl`, else PGlite in `dataDir`),
 * applies pending migrations, and listens on `host:port`.
 * @throws when the database cannot be reached or migrated, or the port is taken
 *   (the database is closed again first).
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const unlock = options.databaseUrl ? () => undefined : lockDataDir(options.dataDir ?? DEFAULT_DATA_DIR);
  let db: Db;
  try {
    db = options.databaseUrl
      ? openPostgres(options.databaseUrl)
      : await openPglite(options.dataDir ?? DEFAULT_DATA_DIR);
  } catch (error) {
    unlock();
    throw error;
  }
  const app = buildApp(db, { version: VERSION, logger: options.logger ?? false, publicUrl: options.publicUrl });
  try {
    await migrate(db);
    await app.listen({ port: options.port ?? DEFAULT_PORT, host: options.host ?? DEFAULT_HOST });
  } catch (error) {
    await app.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    unlock();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const host = options.host ?? DEFAULT_HOST;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    db,
    createToken: (user, workspace, tokenOptions) => createToken(db, user, workspace, tokenOptions),
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await db.close();
        unlock();
      })()),
  };
}
