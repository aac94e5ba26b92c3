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
