import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PUSH_MAX_BYTES,
  type ErrorResponse,
  type Mutation,
  type PullResponse,
  type PullRow,
  type PushResponse,
  type RowWrite,
} from '../core/sync/protocol';
import type { Db } from './db';
import { startServer, type RunningServer, type ServerOptions } from './index';
import { push } from './sync';
import { authenticate } from './tokens';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL (or DATABASE_URL) names one (.ci/run does). */
const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const targets: { name: string; options: ServerOptions }[] = [{ name: 'pglite', options: { dataDir: 'memory://' } }];
if (pgUrl) targets.push({ name: 'postgres', options: { databaseUrl: pgUrl } });
else
  console.log(
    'PostgreSQL runs of these tests skipped: set TEST_DATABASE_URL (.ci/run starts a throwaway PostgreSQL and sets it)',
  );

interface Reply<T> {
  status: number;
  body: T;
}

async function post<T>(url: string, body: unknown, token?: string, raw = false): Promise<Reply<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

type Row = { id: string; [key: string]: unknown };
const put = (table: RowWrite['table'], value: Row, base: object | null = null): RowWrite => ({
  table,
  id: value.id,
  op: 'put',
  base: base as RowWrite['base'],
  value,
});
const del = (table: RowWrite['table'], base: Row): RowWrite => ({
  table,
  id: base.id,
  op: 'delete',
  base,
  value: null,
});
const mutation = (id: number, writes: RowWrite[], name = 'test/change'): Mutation => ({
  id,
  name,
  at: 1_000 + id,
  writes,
});

const campaign = {
  id: 'c1',
  name: 'Spring',
  steps: [
    { id: 's1', day: 0, body: 'Hello {{firstName}}' },
    { id: 's2', day: 3, body: 'Just following up' },
  ],
};
const withStep = (id: string, change: object) => ({
  ...campaign,
  steps: campaign.steps.map((step) => (step.id === id ? { ...step, ...change } : step)),
});

/**
 * 20 devices of one workspace (each its own user and token) pushing at once through
 * `urls` (device i to `urls[i % urls.length]`, as a load balancer would): each pushes 3
 * pushes of 20 mutations; each mutation adds one contact of its own, and every fifth
 * also sets the device's own field on one row they all share (so pushes overlap on a
 * row and some take the locked path). Meanwhile a reader pulls by cookie, in pages of 7,
 * again and again. Then checks what a device would see: every push answered with its
 * last id and no conflict; the reader, having pulled to the end, holds every contact
 * exactly once and the shared row with every device's last value (a sequence number
 * committed out of order would have let its cookie pass a row for ever); a pull from
 * the start returns each row once, the cookie only going up; and the stored sequence
 * numbers are 1…n with no gap.
 */
async function twentyPushersAtOnce(
  urls: string[],
  createToken: (user: string, workspace: string) => Promise<string>,
  db: Db,
) {
  const workspace = `ws-${randomUUID()}`;
  const devices = await Promise.all(
    Array.from({ length: 20 }, async (_, d) => ({
      who: `d${d}`,
      url: urls[d % urls.length]!,
      clientId: `client-${randomUUID()}`,
      token: await createToken(`user-${d}-${randomUUID()}`, workspace),
    })),
  );
  const reader = { url: urls.at(-1)!, token: await createToken(`reader-${randomUUID()}`, workspace) };
  const seen = new Map<string, PullRow>();
  let cookie: number | null = null;
  const pullOnce = async () => {
    const reply: Reply<PullResponse> = await post<PullResponse>(
      `${reader.url}/pull`,
      { clientId: 'reader', cookie, limit: 7 },
      reader.token,
    );
    expect(reply.status).toBe(200);
    for (const row of reply.body.rows) seen.set(`${row.table}/${row.id}`, row);
    expect(reply.body.cookie).toBeGreaterThanOrEqual(cookie ?? 0);
    cookie = reply.body.cookie;
    return reply.body.hasMore;
  };

  let pushing = true;
  const reading = (async () => {
    while (pushing) await pullOnce();
  })();
  const replies = await Promise.all(
    devices.map(async (device) => {
      const answers: Reply<PushResponse>[] = [];
      for (let push = 0; push < 3; push++) {
        const mutations = Array.from({ length: 20 }, (_, i) => {
          const n = push * 20 + i + 1;
          const writes = [put('contacts', { id: `${device.who}-${n}` })];
          if (n % 5 === 0)
            writes.push(
              put('tasks', { id: 'shared', [device.who]: n }, n === 5 ? null : { id: 'shared', [device.who]: n - 5 }),
            );
          return mutation(n, writes);
        });
        answers.push(
          await post<PushResponse>(`${device.url}/push`, { clientId: device.clientId, mutations }, device.token),
        );
      }
      return answers;
    }),
  );
  pushing = false;
  await reading;
  while (await pullOnce());

  for (const answers of replies)
    expect(answers).toEqual(
      [20, 40, 60].map((last) => ({ status: 200, body: { lastMutationId: last, conflicts: 0 } })),
    );
  const contacts = devices.flatMap((device) => Array.from({ length: 60 }, (_, i) => `contacts/${device.who}-${i + 1}`));
  expect([...seen.keys()].filter((key) => key.startsWith('contacts/')).sort()).toEqual(contacts.sort());
  expect(seen.get('tasks/shared')?.value).toEqual({
    id: 'shared',
    ...Object.fromEntries(devices.map((device) => [device.who, 60])),
  });

  const fromStart: PullRow[] = [];
  let from: number | null = null;
  for (;;) {
    const { body }: Reply<PullResponse> = await post<PullResponse>(
      `${reader.url}/pull`,
      { clientId: 'reader', cookie: from, limit: 500 },
      reader.token,
    );
    fromStart.push(...body.rows);
    expect(body.cookie).toBeGreaterThan(from ?? 0);
    from = body.cookie;
    if (!body.hasMore) break;
  }
  const keys = fromStart.map((row) => `${row.table}/${row.id}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.sort()).toEqual([...contacts, 'tasks/shared'].sort());
  // The shared row was changed 20 × 12 times; only its last number is kept, so 1…n has
  // no gap exactly when every change took the next number: n = contacts + shared changes.
  const seqs = await db.query<{ seq: unknown }>(
    'select r.seq from rows r join workspaces w on w.id = r.workspace_id where w.name = $1 order by r.seq',
    [workspace],
  );
  const changes = contacts.length + 20 * 12;
  expect(Number(seqs.at(-1)!.seq)).toBe(changes);
  expect(seqs).toHaveLength(contacts.length + 1);
  expect(new Set(seqs.map((row) => Number(row.seq))).size).toBe(seqs.length);
}

describe.each(targets)('sync server on $name', ({ options }) => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ ...options, port: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  /** A device of a fresh workspace (or of `workspace`), with its own clientId. */
  async function device(workspace = `ws-${randomUUID()}`, clientId = `client-${randomUUID()}`) {
    const token = await server.createToken(`user-${randomUUID()}`, workspace);
    return {
      workspace,
      token,
      clientId,
      push: (mutations: Mutation[]) => post<PushResponse>(`${server.url}/push`, { clientId, mutations }, token),
      pull: (cookie: number | null = null, limit?: number) =>
        post<PullResponse>(`${server.url}/pull`, { clientId, cookie, limit }, token),
      /** Every live row and tombstone, pulled from the beginning. */
      async rows() {
        const reply = await post<PullResponse>(`${server.url}/pull`, { clientId, cookie: null }, token);
        return reply.body.rows;
      },
    };
  }

  it('answers health without a token', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, version: '0.1.0', protocol: 1 });
  });

  it('lets the browser app on another origin send the Authorization header (CORS)', async () => {
    const response = await fetch(`${server.url}/push`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:4317',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4317');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('records the migrations it applied', async () => {
    const rows = await server.db.query<{ version: number; name: string }>(
      'select version, name from schema_migrations order by version',
    );
    expect(rows.map((row) => [Number(row.version), row.name])).toEqual([
      [1, '001_init.sql'],
      [2, '002_sync_expect.sql'],
      [3, '003_token_lifecycle.sql'],
      [4, '004_unsubscribe_key.sql'],
    ]);
  });

  it('round-trips a push through a pull', async () => {
    const a = await device();
    const contact = { id: 'k1', email: 'ana@example.com', firstName: 'Ana', zone: 'Europe/Lisbon' };
    expect(await a.push([mutation(1, [put('contacts', contact), put('campaigns', campaign)])])).toEqual({
      status: 200,
      body: { lastMutationId: 1, conflicts: 0 },
    });
    expect(await a.pull(null)).toEqual({
      status: 200,
      body: {
        cookie: 2,
        lastMutationId: 1,
        hasMore: false,
        rows: [
          { table: 'contacts', id: 'k1', deleted: false, value: contact },
          { table: 'campaigns', id: 'c1', deleted: false, value: campaign },
        ],
      },
    });
    // Another device of the same workspace sees the rows but has applied no mutation.
    const b = await device(a.workspace);
    const pulled = await b.pull(null);
    expect(pulled.body.lastMutationId).toBe(0);
    expect(pulled.body.rows.map((row) => row.id)).toEqual(['k1', 'c1']);
    expect(await a.pull(2)).toEqual({ status: 200, body: { cookie: 2, lastMutationId: 1, hasMore: false, rows: [] } });
  });

  it('stores any text exactly (quotes, backslashes, $1, emoji) in ids, client ids and values', async () => {
    const a = await device(undefined, "it's \\ $1 'device'");
    const odd = {
      id: "k'1\\$2",
      note: 'O\'Brien said \\n "hi" $1 -- ; drop table rows; 🎉',
      nested: { a: [1.5, null, true] },
    };
    expect((await a.push([mutation(1, [put('contacts', odd)])])).body).toEqual({ lastMutationId: 1, conflicts: 0 });
    expect(await a.rows()).toEqual([{ table: 'contacts', id: odd.id, deleted: false, value: odd }]);
    expect((await a.pull()).body.lastMutationId).toBe(1);
  });

  it('applies a retried push (response lost) once: one row, same lastMutationId', async () => {
    const a = await device();
    const body = [mutation(1, [put('contacts', { id: 'k1', firstName: 'Ana' })]), mutation(2, [])];
    const first = await a.push(body);
    const retry = await a.push(body);
    expect(first).toEqual({ status: 200, body: { lastMutationId: 2, conflicts: 0 } });
    expect(retry).toEqual(first);
    expect(await a.rows()).toEqual([
      { table: 'contacts', id: 'k1', deleted: false, value: { id: 'k1', firstName: 'Ana' } },
    ]);
    const count = await server.db.query<{ n: unknown }>(
      "select count(*) as n from rows r join workspaces w on w.id = r.workspace_id where w.name = $1 and r.tbl = 'contacts'",
      [a.workspace],
    );
    expect(Number(count[0]!.n)).toBe(1);
  });

  it('applies mutations in id order whatever order they arrive in, and skips old ids', async () => {
    const a = await device();
    const v = (n: number) => ({ id: 't1', title: `v${n}` });
    const reply = await a.push([
      mutation(3, [put('tasks', v(3), v(2))]),
      mutation(1, [put('tasks', v(1))]),
      mutation(2, [put('tasks', v(2), v(1))]),
    ]);
    expect(reply.body).toEqual({ lastMutationId: 3, conflicts: 0 });
    // An id at or below the last one is skipped even with new content.
    expect((await a.push([mutation(2, [put('tasks', { id: 't1', title: 'late' }, v(3))])])).body).toEqual({
      lastMutationId: 3,
      conflicts: 0,
    });
    expect(await a.rows()).toEqual([{ table: 'tasks', id: 't1', deleted: false, value: v(3) }]);
  });

  it('merges stale edits to different steps with no conflict', async () => {
    const a = await device();
    const b = await device(a.workspace);
    await a.push([mutation(1, [put('campaigns', campaign)])]);
    const bodyEdit = withStep('s1', { body: 'Hi {{firstName}}!' });
    const dayEdit = withStep('s2', { day: 5 });
    expect((await a.push([mutation(2, [put('campaigns', bodyEdit, campaign)], 'campaign/update')])).body).toEqual({
      lastMutationId: 2,
      conflicts: 0,
    });
    // B still has the original campaign as its base.
    expect((await b.push([mutation(1, [put('campaigns', dayEdit, campaign)], 'campaign/update')])).body).toEqual({
      lastMutationId: 1,
      conflicts: 0,
    });
    expect(await b.rows()).toEqual([
      {
        table: 'campaigns',
        id: 'c1',
        deleted: false,
        value: {
          ...campaign,
          steps: [
            { id: 's1', day: 0, body: 'Hi {{firstName}}!' },
            { id: 's2', day: 5, body: 'Just following up' },
          ],
        },
      },
    ]);
  });

  it('keeps the server value and records a conflict copy when both edit the same body', async () => {
    const a = await device();
    const b = await device(a.workspace, 'device-b');
    await a.push([mutation(1, [put('campaigns', campaign)])]);
    const aEdit = withStep('s2', { body: 'A wrote this' });
    const bEdit = { ...withStep('s2', { body: 'B wrote this' }), name: 'Spring (B)' };
    await a.push([mutation(2, [put('campaigns', aEdit, campaign)], 'campaign/update')]);
    expect((await b.push([mutation(7, [put('campaigns', bEdit, campaign)], 'campaign/update')])).body).toEqual({
      lastMutationId: 7,
      conflicts: 1,
    });
    const rows = await b.rows();
    expect(rows).toEqual([
      { table: 'campaigns', id: 'c1', deleted: false, value: { ...aEdit, name: 'Spring (B)' } },
      {
        table: 'conflicts',
        id: 'device-b:7:0',
        deleted: false,
        value: {
          id: 'device-b:7:0',
          table: 'campaigns',
          rowId: 'c1',
          kind: 'edit',
          fields: ['steps[id=s2].body'],
          mine: bEdit,
          theirs: aEdit,
          at: expect.any(Number),
          resolved: false,
          clientId: 'device-b',
          mutationId: 7,
          name: 'campaign/update',
        },
      },
    ]);
    // The client can mark it resolved for every device.
    const conflict = rows[1]!.value!;
    await b.push([mutation(8, [put('conflicts', { ...conflict, resolved: true }, conflict)], 'conflict/resolve')]);
    expect((await a.rows()).find((row) => row.table === 'conflicts')?.value).toMatchObject({ resolved: true });
  });

  it('never moves a step run backwards and never changes a sent one', async () => {
    const a = await device();
    const run = (id: string, state: string, extra: object = {}) => ({
      id,
      enrollmentId: 'e1',
      stepId: 's1',
      state,
      ...extra,
    });
    await a.push([
      mutation(1, [
        put('stepRuns', run('r1', 'scheduled')),
        put('stepRuns', run('r2', 'scheduled')),
        put('stepRuns', run('r3', 'scheduled')),
      ]),
      mutation(2, [
        put('stepRuns', run('r1', 'sent', { messageId: '<m1@x>' }), run('r1', 'scheduled')),
        put('stepRuns', run('r2', 'skipped'), run('r2', 'scheduled')),
        put('stepRuns', run('r3', 'sending'), run('r3', 'scheduled')),
      ]),
    ]);
    const b = await device(a.workspace);
    const reply = await b.push([
      // Stale device: still thinks r1 is scheduled.
      mutation(1, [put('stepRuns', run('r1', 'scheduled', { dueAt: 5 }), run('r1', 'scheduled'))]),
      // Up to date, but a sent run does not change at all.
      mutation(2, [
        put('stepRuns', run('r1', 'sent', { messageId: '<other@x>' }), run('r1', 'sent', { messageId: '<m1@x>' })),
      ]),
      mutation(3, [del('stepRuns', run('r1', 'sent', { messageId: '<m1@x>' }))]),
      // Final skipped → scheduled is refused even from the current base.
      mutation(4, [put('stepRuns', run('r2', 'scheduled'), run('r2', 'skipped'))]),
      // Open states still move: sending → sent from a stale base too.
      mutation(5, [put('stepRuns', run('r3', 'sent'), run('r3', 'scheduled'))]),
    ]);
    expect(reply.body).toEqual({ lastMutationId: 5, conflicts: 0 });
    const values = Object.fromEntries((await b.rows()).map((row) => [row.id, row.value]));
    expect(values).toEqual({
      r1: run('r1', 'sent', { messageId: '<m1@x>' }),
      r2: run('r2', 'skipped'),
      r3: run('r3', 'sent'),
    });
  });

  it('keeps a row edited elsewhere when a stale device deletes it, and reports it', async () => {
    const a = await device();
    const b = await device(a.workspace, 'device-b');
    const contact = { id: 'k1', firstName: 'Ana', company: 'Acme' };
    const edited = { ...contact, company: 'Acme Ltd' };
    const other = { id: 'k2', firstName: 'Bo' };
    await a.push([mutation(1, [put('contacts', contact), put('contacts', other)])]);
    await a.push([mutation(2, [put('contacts', edited, contact)])]);
    expect(
      (await b.push([mutation(1, [del('contacts', contact), del('contacts', other)], 'contact/delete')])).body,
    ).toEqual({
      lastMutationId: 1,
      conflicts: 1,
    });
    expect(await b.rows()).toEqual([
      { table: 'contacts', id: 'k1', deleted: false, value: edited },
      {
        table: 'conflicts',
        id: 'device-b:1:0',
        deleted: false,
        value: expect.objectContaining({ kind: 'delete', rowId: 'k1', fields: [], mine: null, theirs: edited }),
      },
      { table: 'contacts', id: 'k2', deleted: true, value: null },
    ]);
  });

  it('pages a pull by cookie', async () => {
    const a = await device();
    const ids = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await a.push(ids.map((id, i) => mutation(i + 1, [put('contacts', { id })])));
    const seen: string[] = [];
    const pages: [number, boolean][] = [];
    let cookie: number | null = null;
    for (;;) {
      const { status, body }: Reply<PullResponse> = await a.pull(cookie, 10);
      expect(status).toBe(200);
      expect(body.lastMutationId).toBe(25);
      seen.push(...body.rows.map((row) => row.id));
      pages.push([body.rows.length, body.hasMore]);
      cookie = body.cookie;
      if (!body.hasMore) break;
    }
    expect(pages).toEqual([
      [10, true],
      [10, true],
      [5, false],
    ]);
    expect(seen).toEqual(ids);
    expect((await a.pull(cookie, 10)).body).toEqual({ cookie, lastMutationId: 25, rows: [], hasMore: false });
  });

  it('answers 401 to a missing or wrong token and writes nothing', async () => {
    const a = await device();
    const body = { clientId: a.clientId, mutations: [mutation(1, [put('contacts', { id: 'k1' })])] };
    for (const token of [undefined, 'cdsk_wrong', '']) {
      const reply = await post<{ error: string }>(`${server.url}/push`, body, token);
      expect(reply.status).toBe(401);
      expect(reply.body.error).toMatch(/token/);
    }
    const basic = await fetch(`${server.url}/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${a.token}` },
      body: JSON.stringify(body),
    });
    expect(basic.status).toBe(401);
    expect((await post(`${server.url}/pull`, { clientId: a.clientId, cookie: null }, 'cdsk_wrong')).status).toBe(401);
    expect((await a.pull()).body).toEqual({ cookie: 0, lastMutationId: 0, rows: [], hasMore: false });
  });

  it("keeps workspaces apart: B neither reads nor touches A's rows", async () => {
    const a = await device(undefined, 'same-client');
    const b = await device(undefined, 'same-client');
    await a.push([mutation(1, [put('contacts', { id: 'k1', firstName: 'Ana' })])]);
    expect((await b.pull()).body).toEqual({ cookie: 0, lastMutationId: 0, rows: [], hasMore: false });
    // Same clientId and row id in B: its own mutation 1 applies, to its own row.
    expect(
      (
        await b.push([
          mutation(1, [put('contacts', { id: 'k1', firstName: 'Mallory' }, { id: 'k1', firstName: 'Ana' })]),
        ])
      ).body,
    ).toEqual({
      lastMutationId: 1,
      conflicts: 0,
    });
    await b.push([mutation(2, [del('contacts', { id: 'k1', firstName: 'Mallory' })])]);
    expect(await a.rows()).toEqual([
      { table: 'contacts', id: 'k1', deleted: false, value: { id: 'k1', firstName: 'Ana' } },
    ]);
    expect(await b.rows()).toEqual([{ table: 'contacts', id: 'k1', deleted: true, value: null }]);
  });

  it('answers 400 naming the field and the value, and writes nothing', async () => {
    const a = await device();
    const good = mutation(1, [put('contacts', { id: 'k1' })]);
    const cases: [unknown, string][] = [
      [{ mutations: [good] }, 'clientId: is required (string)'],
      [
        { clientId: a.clientId, mutations: [good, { ...good, id: -2 }] },
        'mutations[1].id: Too small: expected number to be >0; got -2',
      ],
      [
        {
          clientId: a.clientId,
          mutations: [
            good,
            mutation(2, [{ ...put('contacts', { id: 'k2' }), table: 'people' } as unknown as RowWrite]),
          ],
        },
        'mutations[1].writes[0].table',
      ],
      [
        { clientId: a.clientId, mutations: [good, mutation(2, [{ ...put('contacts', { id: 'k2' }), id: 'k3' }])] },
        'mutations[1].writes[0].value.id: "k2" is not the write\'s id "k3"',
      ],
      [{ clientId: a.clientId, mutations: [good, good] }, 'mutations[1].id: 1 appears twice in one push'],
      [
        { clientId: a.clientId, mutations: Array.from({ length: 501 }, (_, i) => mutation(i + 1, [])) },
        'mutations: Too big',
      ],
    ];
    for (const [body, message] of cases) {
      const reply = await post<{ error: string; problems: { path: string }[] }>(`${server.url}/push`, body, a.token);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toContain(message);
    }
    const table = await post<{ error: string }>(
      `${server.url}/push`,
      {
        clientId: a.clientId,
        mutations: [mutation(1, [{ ...put('contacts', { id: 'k2' }), table: 'people' } as unknown as RowWrite])],
      },
      a.token,
    );
    expect(table.body.error).toContain('got "people"');
    const pull = await post<{ error: string }>(
      `${server.url}/pull`,
      { clientId: a.clientId, cookie: null, limit: 6000 },
      a.token,
    );
    expect(pull).toEqual({
      status: 400,
      body: expect.objectContaining({ error: 'limit: Too big: expected number to be <=5000; got 6000' }),
    });
    const cookie = await post<{ error: string }>(
      `${server.url}/pull`,
      { clientId: a.clientId, cookie: 'abc' },
      a.token,
    );
    expect(cookie.status).toBe(400);
    expect(cookie.body.error).toMatch(/^cookie: .*"abc"/);
    const malformed = await post<{ error: string }>(`${server.url}/push`, '{"clientId":', a.token, true);
    expect(malformed.status).toBe(400);
    expect((await a.pull()).body).toEqual({ cookie: 0, lastMutationId: 0, rows: [], hasMore: false });
  });

  it('takes 5,000 mutations from one client (a week offline) in order', async () => {
    const a = await device();
    const all = Array.from({ length: 5000 }, (_, i) => {
      const n = i + 1;
      return mutation(n, [
        put('tasks', { id: 'counter', n }, n === 1 ? null : { id: 'counter', n: n - 1 }),
        put('contacts', { id: `k${n}` }),
      ]);
    });
    for (let start = 0; start < all.length; start += 500) {
      const reply = await a.push(all.slice(start, start + 500));
      expect(reply).toEqual({ status: 200, body: { lastMutationId: start + 500, conflicts: 0 } });
    }
    const rows: PullResponse['rows'] = [];
    let cookie: number | null = null;
    for (;;) {
      const { body }: Reply<PullResponse> = await a.pull(cookie);
      rows.push(...body.rows);
      cookie = body.cookie;
      if (!body.hasMore) break;
    }
    expect(rows).toHaveLength(5001);
    expect(rows.filter((row) => row.table === 'contacts').map((row) => row.id)).toEqual(all.map((_, i) => `k${i + 1}`));
    expect(rows.find((row) => row.id === 'counter')).toEqual({
      table: 'tasks',
      id: 'counter',
      deleted: false,
      value: { id: 'counter', n: 5000 },
    });
  }, 180_000);

  it('applies one mutation of 20,000 writes (a launch), then one that edits all 20,000 on stale copies', async () => {
    const a = await device();
    const count = 20_000;
    const enrollment = (i: number, extra: object = {}) => ({
      id: `launch-1.${i}`,
      campaignId: 'c1',
      contactId: `contact-${i}`,
      status: 'active',
      device: 'device-a',
      ...extra,
    });
    const launch = mutation(
      1,
      Array.from({ length: count }, (_, i) => put('enrollments', enrollment(i))),
      'campaign/launch',
    );
    let started = performance.now();
    expect(await a.push([launch])).toEqual({ status: 200, body: { lastMutationId: 1, conflicts: 0 } });
    const launchMs = performance.now() - started;

    // Another device pauses every enrollment; this device, still on the launch's copies, tags them all.
    const b = await device(a.workspace);
    const pause = Array.from({ length: count }, (_, i) =>
      put('enrollments', enrollment(i, { status: 'paused' }), enrollment(i)),
    );
    expect(await b.push([mutation(1, pause, 'campaign/pause')])).toEqual({
      status: 200,
      body: { lastMutationId: 1, conflicts: 0 },
    });
    const tag = Array.from({ length: count }, (_, i) =>
      put('enrollments', enrollment(i, { tag: 'q3' }), enrollment(i)),
    );
    started = performance.now();
    expect(await a.push([mutation(2, tag, 'enrollments/tag')])).toEqual({
      status: 200,
      body: { lastMutationId: 2, conflicts: 0 },
    });
    const mergeMs = performance.now() - started;
    console.info(
      `[${server.db.kind}] one mutation of ${count} writes: ${Math.round(launchMs)} ms new rows, ${Math.round(mergeMs)} ms merged`,
    );

    const rows: PullResponse['rows'] = [];
    let cookie: number | null = null;
    for (;;) {
      const { body }: Reply<PullResponse> = await a.pull(cookie);
      rows.push(...body.rows);
      cookie = body.cookie;
      if (!body.hasMore) break;
    }
    expect(rows).toHaveLength(count);
    expect(rows.every((row) => row.value?.status === 'paused' && row.value?.tag === 'q3')).toBe(true);
  }, 180_000);

  it('decides again under the lock when another push lands between its read and its writes', async () => {
    const a = await device();
    const b = await device(a.workspace);
    await a.push([mutation(1, [put('campaigns', campaign)])]);
    const callerA = (await authenticate(server.db, a.token))!;
    const callerB = (await authenticate(server.db, b.token))!;
    // B's edit commits after A's push has read the campaign and before A's writes go out.
    let interleaved = false;
    const db: Db = {
      ...server.db,
      transactions: async (transactions) => {
        if (!interleaved) {
          interleaved = true;
          await push(server.db, callerB, {
            clientId: b.clientId,
            mutations: [mutation(1, [put('campaigns', withStep('s2', { day: 5 }), campaign)])],
          });
        }
        return server.db.transactions(transactions);
      },
    };
    const result = await push(db, callerA, {
      clientId: a.clientId,
      mutations: [
        mutation(2, [put('campaigns', withStep('s1', { body: 'Hi {{firstName}}' }), campaign)]),
        mutation(3, [put('contacts', { id: 'k1' })]),
      ],
    });
    expect(interleaved).toBe(true);
    expect(result).toEqual({ lastMutationId: 3, conflicts: 0 });
    const rows = await a.rows();
    // Both edits kept: A's was merged onto B's, not written over it.
    expect(rows.find((row) => row.id === 'c1')?.value).toEqual({
      ...campaign,
      steps: [
        { ...campaign.steps[0], body: 'Hi {{firstName}}' },
        { ...campaign.steps[1], day: 5 },
      ],
    });
    expect(rows.map((row) => row.id)).toEqual(['c1', 'k1']);
  });

  it('keeps every mutation of two devices pushing at once to one workspace, sequence numbers unique', async () => {
    const a = await device();
    const b = await device(a.workspace);
    const batch = (who: string) =>
      Array.from({ length: 300 }, (_, i) => mutation(i + 1, [put('contacts', { id: `${who}-${i}` })]));
    const [replyA, replyB] = await Promise.all([a.push(batch('a')), b.push(batch('b'))]);
    expect(replyA.body).toEqual({ lastMutationId: 300, conflicts: 0 });
    expect(replyB.body).toEqual({ lastMutationId: 300, conflicts: 0 });
    const seqs = await server.db.query<{ seq: unknown }>(
      'select r.seq from rows r join workspaces w on w.id = r.workspace_id where w.name = $1 order by r.seq',
      [a.workspace],
    );
    expect(seqs.map((row) => Number(row.seq))).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
  });

  it('lands every mutation of 20 devices pushing at once to one workspace, once and in one gap-free sequence', async () => {
    await twentyPushersAtOnce([server.url], (user, workspace) => server.createToken(user, workspace), server.db);
  }, 120_000);

  it('keeps the mutations before a failing one applied and none after it, when the database refuses a write', async () => {
    const a = await device();
    // A real refusal by the database: a trigger rejecting one row id, for this test only.
    const poison = `poison-${randomUUID()}`;
    const fn = `refuse_${randomUUID().replaceAll('-', '')}`;
    await server.db.exec(
      `create function ${fn}() returns trigger language plpgsql as $$ begin
         if new.id = '${poison}' then raise exception 'row % refused by a test trigger', new.id; end if;
         return new; end $$;
       create trigger ${fn} before insert on rows for each row execute function ${fn}()`,
    );
    try {
      const mutations = [1, 2, 3, 4, 5].map((n) => mutation(n, [put('contacts', { id: n === 3 ? poison : `k${n}` })]));
      const reply = await a.push(mutations);
      expect(reply.status).toBe(500);
      expect((reply.body as unknown as ErrorResponse).error).toContain(`row ${poison} refused by a test trigger`);
      const pulled = await a.pull();
      expect(pulled.body.lastMutationId).toBe(2);
      expect(pulled.body.rows.map((row) => row.id)).toEqual(['k1', 'k2']);
    } finally {
      await server.db.exec(`drop trigger ${fn} on rows; drop function ${fn}()`);
    }
    // The refused row is gone: the retry applies the rest.
    const retry = await a.push([3, 4, 5].map((n) => mutation(n, [put('contacts', { id: `k${n}` })])));
    expect(retry.body).toEqual({ lastMutationId: 5, conflicts: 0 });
  });

  it(`refuses a push body over PUSH_MAX_BYTES (${PUSH_MAX_BYTES} bytes) with 413 and writes nothing`, async () => {
    const a = await device();
    const filler = 'x'.repeat(PUSH_MAX_BYTES);
    const reply = await post<ErrorResponse>(
      `${server.url}/push`,
      { clientId: a.clientId, mutations: [mutation(1, [put('contacts', { id: 'k1', filler })])] },
      a.token,
    );
    expect(reply.status).toBe(413);
    expect(await a.rows()).toEqual([]);
  });
});

describe.runIf(pgUrl)('two servers on one PostgreSQL (behind a load balancer)', () => {
  it('pushes to one and pulls from the other', async () => {
    const one = await startServer({ databaseUrl: pgUrl!, port: 0 });
    const two = await startServer({ databaseUrl: pgUrl!, port: 0 });
    try {
      const token = await one.createToken('lb-user', `ws-${randomUUID()}`);
      const contacts = Array.from({ length: 20 }, (_, i) => ({ id: `k${i}` }));
      // Alternate servers, as a load balancer would.
      await Promise.all(
        contacts.map((contact, i) =>
          post(
            `${(i % 2 ? one : two).url}/push`,
            { clientId: `c${i}`, mutations: [mutation(1, [put('contacts', contact)])] },
            token,
          ),
        ),
      );
      const pulled = await post<PullResponse>(`${two.url}/pull`, { clientId: 'reader', cookie: null }, token);
      expect(pulled.body.rows.map((row) => row.id).sort()).toEqual(contacts.map((contact) => contact.id).sort());
      expect(pulled.body.cookie).toBe(20);
    } finally {
      await one.close();
      await two.close();
    }
  }, 60_000);
  it('lands every mutation of 20 devices pushing at once through both servers, in one gap-free sequence', async () => {
    const one = await startServer({ databaseUrl: pgUrl!, port: 0 });
    const two = await startServer({ databaseUrl: pgUrl!, port: 0 });
    try {
      await twentyPushersAtOnce([one.url, two.url], (user, workspace) => one.createToken(user, workspace), one.db);
    } finally {
      await one.close();
      await two.close();
    }
  }, 120_000);
});

describe('a PGlite data folder', () => {
  it('keeps rows and tokens across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'campaign-desk-server-'));
    try {
      const first = await startServer({ dataDir: dir, port: 0 });
      const token = await first.createToken('ana', 'acme');
      await post(
        `${first.url}/push`,
        { clientId: 'c1', mutations: [mutation(1, [put('contacts', { id: 'k1' })])] },
        token,
      );
      await first.close();
      const second = await startServer({ dataDir: dir, port: 0 });
      try {
        const pulled = await post<PullResponse>(`${second.url}/pull`, { clientId: 'c1', cookie: null }, token);
        expect(pulled.body).toEqual({
          cookie: 1,
          lastMutationId: 1,
          hasMore: false,
          rows: [{ table: 'contacts', id: 'k1', deleted: false, value: { id: 'k1' } }],
        });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
