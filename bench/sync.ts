import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mutation, PullResponse, PushResponse } from '../core/sync/protocol';
import { startServer, type ServerOptions } from '../server/index';
import { report } from './harness';

const MUTATIONS = 10_000;
const BATCH = 500;
/** Writes of the one big mutation (an import of 50,000 contacts). */
const BIG_WRITES = 50_000;

/**
 * `sync` group: through the real HTTP server, one client pushes 10,000 mutations in
 * batches of 500 (each mutation adds one contact row of ~250 bytes of JSON), then
 * a second device pulls the 10,000 contact rows in pages of 5,000; then a third device
 * pushes one mutation of 50,000 writes (an import of 50,000 new contacts).
 * Runs on PGlite in a temporary data folder, and on PostgreSQL when
 * TEST_DATABASE_URL or DATABASE_URL is set. Prints mutations/s, rows/s and
 * the big mutation's ms (request to answer, JSON and validation included).
 */
export async function benchSync(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'campaign-desk-bench-'));
  try {
    await benchOne('pglite', { dataDir: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (url) await benchOne('pg', { databaseUrl: url });
  await benchSyncConcurrent();
}

/**
 * `sync-concurrent` group (also run by `sync`): {@link benchConcurrent} on the
 * PostgreSQL of TEST_DATABASE_URL or DATABASE_URL; without one it says so and skips.
 */
export async function benchSyncConcurrent(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (url) await benchConcurrent(url);
  else
    console.log('sync: the concurrent-client figures need PostgreSQL; set TEST_DATABASE_URL (see docs/BENCHMARKS.md)');
}

/** A contact row of ~250 bytes of JSON, the payload of every benchmark mutation. */
function contactRow(id: string, i: number) {
  return {
    id,
    email: `${id}@example.com`,
    firstName: `Person ${i}`,
    lastName: 'Example',
    company: `Company ${i % 300}`,
    zone: i % 2 ? 'Europe/Lisbon' : 'America/New_York',
    fields: { role: 'Head of Sales', city: 'Lisbon' },
  };
}

/** Clients pushing at once in the concurrent figures (`SYNC_BENCH_CLIENTS`, default 20). */
const CONCURRENT_CLIENTS = Number(process.env.SYNC_BENCH_CLIENTS ?? 20);
/** Mutations each concurrent client pushes (`SYNC_BENCH_PER_CLIENT`, default 500). */
const PER_CLIENT = Number(process.env.SYNC_BENCH_PER_CLIENT ?? 500);
/** Mutations per push of a concurrent client (`SYNC_BENCH_PUSH`, default 25: a burst of edits, not a week offline). */
const PUSH_SIZE = Number(process.env.SYNC_BENCH_PUSH ?? 25);

/**
 * The concurrent figures, on PostgreSQL at `url`: one client alone, then
 * {@link CONCURRENT_CLIENTS} clients (each its own user, token and device id, all in
 * one workspace) pushing {@link PER_CLIENT} mutations each at once in pushes of
 * {@link PUSH_SIZE}, to one server and then to two servers on the same database
 * (client i talks to server i mod 2, as a load balancer would). Prints aggregate
 * mutations/s (all mutations over the wall time from the first push to the last
 * answer) and the 95th percentile of one push's time (request to answer), then checks
 * that a pull returns every row once, under sequence numbers 1…n with no gap.
 * @throws Error when a push is refused or the pulled rows are not exactly the pushed ones.
 */
async function benchConcurrent(url: string): Promise<void> {
  const one = await startServer({ databaseUrl: url, port: 0 });
  const two = await startServer({ databaseUrl: url, port: 0 });
  try {
    const alone = await runClients([one], 1);
    report('sync-push-1-client', alone.rate, 'mutations/s');
    report('sync-push-1-client-p95', alone.p95, 'ms');
    const many = await runClients([one], CONCURRENT_CLIENTS);
    report(`sync-push-${CONCURRENT_CLIENTS}-clients`, many.rate, 'mutations/s');
    report(`sync-push-${CONCURRENT_CLIENTS}-clients-p95`, many.p95, 'ms');
    const both = await runClients([one, two], CONCURRENT_CLIENTS);
    report(`sync-push-2-servers-${CONCURRENT_CLIENTS}-clients`, both.rate, 'mutations/s');
    report(`sync-push-2-servers-${CONCURRENT_CLIENTS}-clients-p95`, both.p95, 'ms');
  } finally {
    await one.close();
    await two.close();
  }
}

/** {@link benchConcurrent}'s run of `clients` clients over `servers`, in a fresh workspace. */
async function runClients(
  servers: Awaited<ReturnType<typeof startServer>>[],
  clients: number,
): Promise<{ rate: number; p95: number }> {
  const workspace = `bench-${randomUUID()}`;
  const tokens: string[] = [];
  for (let c = 0; c < clients; c++) tokens.push(await servers[0]!.createToken(`bench-${c}`, workspace));
  const pushMs: number[] = [];
  const client = async (c: number) => {
    const server = servers[c % servers.length]!;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${tokens[c]!}` };
    for (let start = 0; start < PER_CLIENT; start += PUSH_SIZE) {
      const mutations: Mutation[] = [];
      for (let i = start; i < Math.min(start + PUSH_SIZE, PER_CLIENT); i++) {
        const id = `contact-${c}-${i}`;
        mutations.push({
          id: i + 1,
          name: 'contact/add',
          at: 1_780_000_000_000 + i,
          writes: [{ table: 'contacts', id, op: 'put', base: null, value: contactRow(id, i) }],
        });
      }
      const started = performance.now();
      const response = await fetch(`${server.url}/push`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ clientId: `device-${c}`, mutations }),
      });
      const body = (await response.json()) as PushResponse;
      pushMs.push(performance.now() - started);
      if (response.status !== 200 || body.lastMutationId !== mutations.at(-1)!.id)
        throw new Error(`push of client ${c} failed: ${response.status} ${JSON.stringify(body)}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const wallMs = performance.now() - started;

  // Every row once, in one gap-free sequence.
  const seqs = await servers[0]!.db.query<{ seq: unknown }>(
    'select r.seq from rows r join workspaces w on w.id = r.workspace_id where w.name = $1 order by r.seq',
    [workspace],
  );
  const total = clients * PER_CLIENT;
  if (seqs.length !== total || seqs.some((row, i) => Number(row.seq) !== i + 1))
    throw new Error(
      `after ${clients} clients: ${seqs.length} rows, expected ${total} under sequence numbers 1…${total}`,
    );
  const sorted = [...pushMs].sort((a, b) => a - b);
  return {
    rate: Math.round((total / wallMs) * 1000),
    p95: Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!),
  };
}

async function benchOne(name: string, options: ServerOptions): Promise<void> {
  const server = await startServer({ ...options, port: 0 });
  try {
    const token = await server.createToken('bench', `bench-${randomUUID()}`);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const mutations: Mutation[] = Array.from({ length: MUTATIONS }, (_, i) => ({
      id: i + 1,
      name: 'contact/add',
      at: 1_780_000_000_000 + i,
      writes: [
        {
          table: 'contacts',
          id: `contact-${i}`,
          op: 'put',
          base: null,
          value: {
            id: `contact-${i}`,
            email: `person${i}@example.com`,
            firstName: `Person ${i}`,
            lastName: 'Example',
            company: `Company ${i % 300}`,
            zone: i % 2 ? 'Europe/Lisbon' : 'America/New_York',
            fields: { role: 'Head of Sales', city: 'Lisbon' },
          },
        },
      ],
    }));

    const pushStart = performance.now();
    for (let start = 0; start < MUTATIONS; start += BATCH) {
      const response = await fetch(`${server.url}/push`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ clientId: 'bench-device-a', mutations: mutations.slice(start, start + BATCH) }),
      });
      const body = (await response.json()) as PushResponse;
      if (response.status !== 200 || body.lastMutationId !== Math.min(start + BATCH, MUTATIONS))
        throw new Error(`push failed: ${response.status} ${JSON.stringify(body)}`);
    }
    const pushMs = performance.now() - pushStart;

    const pullStart = performance.now();
    let cookie: number | null = null;
    let rows = 0;
    for (;;) {
      const response = await fetch(`${server.url}/pull`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ clientId: 'bench-device-b', cookie, limit: 5000 }),
      });
      const body = (await response.json()) as PullResponse;
      rows += body.rows.length;
      cookie = body.cookie;
      if (!body.hasMore) break;
    }
    const pullMs = performance.now() - pullStart;
    if (rows !== MUTATIONS) throw new Error(`pull returned ${rows} rows, expected ${MUTATIONS}`);

    const contact = (i: number) => ({
      id: `import-${i}`,
      email: `imported${i}@example.com`,
      firstName: `Imported ${i}`,
      lastName: 'Example',
      company: `Company ${i % 300}`,
      zone: 'Europe/Lisbon',
      fields: { role: 'Head of Sales', city: 'Lisbon' },
    });
    const big: Mutation = {
      id: 1,
      name: 'contacts/import',
      at: 1_780_000_100_000,
      writes: Array.from({ length: BIG_WRITES }, (_, i) => ({
        table: 'contacts',
        id: `import-${i}`,
        op: 'put',
        base: null,
        value: contact(i),
      })),
    };
    const bigBody = JSON.stringify({ clientId: 'bench-device-c', mutations: [big] });
    const bigStart = performance.now();
    const bigResponse = await fetch(`${server.url}/push`, { method: 'POST', headers, body: bigBody });
    const bigReply = (await bigResponse.json()) as PushResponse;
    const bigMs = performance.now() - bigStart;
    if (bigResponse.status !== 200 || bigReply.lastMutationId !== 1)
      throw new Error(`big push failed: ${bigResponse.status} ${JSON.stringify(bigReply)}`);

    report(`sync-push-${name}`, Math.round((MUTATIONS / pushMs) * 1000), 'mutations/s');
    report(`sync-push-${name}-10k`, Math.round(pushMs), 'ms');
    report(`sync-pull-${name}`, Math.round((rows / pullMs) * 1000), 'rows/s');
    report(`sync-push-${name}-one-mutation-50k-writes`, Math.round(bigMs), 'ms');
    report(`sync-push-${name}-one-mutation-50k-writes-body`, Math.round(bigBody.length / 1024 / 1024), 'MiB');
  } finally {
    await server.close();
  }
}
