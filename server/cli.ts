/**
 * `npm run server [-- --port 4400 --host 127.0.0.1 --data <folder>]`: runs the sync
 * server (PostgreSQL when DATABASE_URL is set, else PGlite in the data folder).
 * `npm run server -- create-token <user> [--workspace <name>]`: prints a new token.
 * Environment: DATABASE_URL, PORT, HOST, CAMPAIGN_DESK_SERVER_DATA.
 */
import { parseArgs } from 'node:util';
import { openPglite, openPostgres } from './db';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer } from './index';
import { lockDataDir } from './lock';
import { migrate } from './migrate';
import { createToken } from './tokens';

const USAGE = `usage: npm run server [-- --port <n>] [--host <addr>] [--data <folder>] [--database-url <url>]
       npm run server -- create-token <user> [--workspace <name>]`;

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
      workspace: { type: 'string' },
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

if (command === 'create-token') {
  const [user, ...extra] = rest;
  if (!user) fail('create-token: <user> is required (a name such as "alice")');
  if (extra.length > 0) fail(`create-token: unexpected ${JSON.stringify(extra.join(' '))}`);
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
    const token = await createToken(db, user, values.workspace ?? 'default');
    console.log(token);
  } finally {
    await db.close();
    unlock();
  }
} else if (command === undefined) {
  const portText = values.port ?? process.env.PORT;
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`port: ${JSON.stringify(portText)} is not a port number (0–65535)`);
  const server = await startServer({
    databaseUrl,
    dataDir,
    port,
    host: values.host ?? process.env.HOST ?? DEFAULT_HOST,
  });
  const where = databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`;
  console.log(`Campaign Desk sync server on ${server.url} using ${where}`);
  if (!databaseUrl)
    console.log('Tokens: stop the server (Ctrl+C), run `npm run server -- create-token <name>`, then start it again.');
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  fail(`${JSON.stringify(command)} is not a command (use create-token, or nothing to serve)`);
}
