/**
 * `npm run server [-- --port 4400 --host 127.0.0.1 --data <folder>]`: runs the sync
 * server (PostgreSQL when DATABASE_URL is set, else PGlite in the data folder).
 * `npm run server -- create-token <user> [--workspace <name>] [--expires-in 90d]`: prints a new token.
 * `npm run server -- list-tokens [--workspace <name>]`: every token, never its secret.
 * `npm run server -- revoke-token <id, id prefix or token>`: that token gets 401 from now on.
 * `--public-url https://…` (or PUBLIC_URL): the address people reach this server at, for
 * one-click unsubscribe links in emails (SPEC §12).
 * Environment: DATABASE_URL, PORT, HOST, PUBLIC_URL, CAMPAIGN_DESK_SERVER_DATA.
 */
import { parseArgs } from 'node:util';
import { httpsBase } from '../core/unsubscribe-token';
import { openPglite, openPostgres, type Db } from './db';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer } from './index';
import { lockDataDir } from './lock';
import { migrate } from './migrate';
import { createToken, listTokens, revokeToken, type TokenInfo } from './tokens';

const USAGE = `usage: npm run server [-- --port <n>] [--host <addr>] [--data <folder>] [--database-url <url>]
       npm run server -- create-token <user> [--workspace <name>] [--expires-in <n>d|<n>h]
       npm run server -- list-tokens [--workspace <name>]
       npm run server -- revoke-token <id from list-tokens, at least 6 characters, or the whole token>`;

function fail(message: string): never {
  console.error(`error: ${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      'public-url': { type: 'string' },
      workspace: { type: 'string' },
      'expires-in': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL ?? undefined;
const dataDir = values.data ?? process.env.CAMPAIGN_DESK_SERVER_DATA ?? DEFAULT_DATA_DIR;
const [command, ...rest] = positionals;

/** `90d` or `12h` as ms. */
function parseDuration(text: string): number {
  const match = /^(\d+)\s*(d|h)$/.exec(text.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  if (!match || amount <= 0)
    fail(`--expires-in: ${JSON.stringify(text)} is not a duration (e.g. 90d for 90 days, 12h for 12 hours)`);
  return amount * (match[2] === 'd' ? 86_400_000 : 3_600_000);
}

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** The token as one line of the list: id, the start of the token, user, workspace, times (UTC), state. */
function describe(token: TokenInfo, now: number): string[] {
  const state =
    token.revokedAt !== null
      ? `revoked ${when(token.revokedAt)}`
      : token.expiresAt !== null && token.expiresAt <= now
        ? `expired ${when(token.expiresAt)}`
        : token.expiresAt !== null
          ? `active until ${when(token.expiresAt)}`
          : 'active';
  const shown = token.prefix ? `${token.prefix}…` : '(made before prefixes were kept)';
  return [token.id, shown, token.user, token.workspace, when(token.createdAt), when(token.lastUsedAt), state];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Opens the database for one command (PGlite's folder is locked meanwhile), runs `work`, closes it. */
async function withDb(work: (db: Db) => Promise<void>): Promise<void> {
  let unlock = () => undefined as void;
  try {
    if (!databaseUrl) unlock = lockDataDir(dataDir);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(2);
  }
  const db = databaseUrl ? openPostgres(databaseUrl, 1) : await openPglite(dataDir);
  try {
    await migrate(db);
    await work(db);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    console.error(`error: ${error.message}`);
    process.exitCode = 2;
  } finally {
    await db.close();
    unlock();
  }
}

if (command === 'create-token') {
  const [user, ...extra] = rest;
  if (!user) fail('create-token: <user> is required (a name such as "alice")');
  if (extra.length > 0) fail(`create-token: unexpected ${JSON.stringify(extra.join(' '))}`);
  const expiresIn = values['expires-in'] === undefined ? undefined : parseDuration(values['expires-in']);
  await withDb(async (db) => {
    const expiresAt = expiresIn === undefined ? undefined : Date.now() + expiresIn;
    const token = await createToken(db, user, values.workspace ?? 'default', { expiresAt });
    console.log(token);
    if (expiresAt !== undefined) console.error(`(valid until ${when(expiresAt)})`);
  });
} else if (command === 'list-tokens') {
  if (rest.length > 0) fail(`list-tokens: unexpected ${JSON.stringify(rest.join(' '))}`);
  await withDb(async (db) => {
    const tokens = await listTokens(db, values.workspace);
    if (tokens.length === 0) {
      console.log(values.workspace === undefined ? 'no tokens yet' : `no tokens in workspace ${values.workspace}`);
      return;
    }
    const now = Date.now();
    const head = ['id', 'token starts', 'user', 'workspace', 'created (UTC)', 'last used (UTC)', 'state'];
    console.log(table([head, ...tokens.map((token) => describe(token, now))]));
  });
} else if (command === 'revoke-token') {
  const [which, ...extra] = rest;
  if (!which) fail('revoke-token: <id> is required (the id list-tokens shows, or the whole token)');
  if (extra.length > 0) fail(`revoke-token: unexpected ${JSON.stringify(extra.join(' '))}`);
  await withDb(async (db) => {
    const token = await revokeToken(db, which);
    console.log(`revoked ${token.id} (${token.user} in ${token.workspace}); it gets 401 from its next request`);
  });
} else if (command === undefined) {
  const portText = values.port ?? process.env.PORT;
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`port: ${JSON.stringify(portText)} is not a port number (0–65535)`);
  const publicUrl = values['public-url'] ?? process.env.PUBLIC_URL ?? undefined;
  if (publicUrl !== undefined && !httpsBase(publicUrl))
    fail(`public-url: ${JSON.stringify(publicUrl)} is not an https:// address (e.g. https://sync.example.com)`);
  const server = await startServer({
    publicUrl,
    databaseUrl,
    dataDir,
    port,
    host: values.host ?? process.env.HOST ?? DEFAULT_HOST,
  });
  const where = databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`;
  console.log(`Campaign Desk sync server on ${server.url} using ${where}`);
  if (!databaseUrl)
    console.log(
      'Tokens: stop the server (Ctrl+C), run `npm run server -- create-token <name>` (or list-tokens, revoke-token), then start it again.',
    );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  fail(
    `${JSON.stringify(command)} is not a command (use create-token, list-tokens, revoke-token, or nothing to serve)`,
  );
}
