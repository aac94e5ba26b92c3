import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorResponse, Mutation, PullResponse, PushResponse, RowWrite } from '../core/sync/protocol';
import { startServer, type RunningServer, type ServerOptions } from './index';

/**
 * The server trusts no client (SPEC §7): a device id belongs to its first user, values
 * the database cannot hold are refused naming the field, every error is a JSON 4xx and
 * the server keeps serving. Real HTTP against the real server, on PGlite and (with
 * TEST_DATABASE_URL) PostgreSQL.
 */
const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const targets: { name: string; options: ServerOptions }[] = [{ name: 'pglite', options: { dataDir: 'memory://' } }];
if (pgUrl) targets.push({ name: 'postgres', options: { databaseUrl: pgUrl } });
else console.log('PostgreSQL runs of the trust tests skipped: set TEST_DATABASE_URL (.ci/run sets it)');

interface Reply<T> {
  status: number;
  type: string | null;
  body: T;
}

async function send<T>(url: string, body: string, token?: string): Promise<Reply<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as T };
}

const put = (table: RowWrite['table'], value: { id: string; [key: string]: unknown }): RowWrite => ({
  table,
  id: value.id,
  op: 'put',
  base: null,
  value,
});
const mutation = (id: number, writes: RowWrite[]): Mutation => ({ id, name: 'contact/update', at: 1_000 + id, writes });

describe.each(targets)('sync server on $name trusts no client', ({ options }) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ...options, port: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  async function device(workspace = `ws-${randomUUID()}`, clientId = `client-${randomUUID()}`) {
    const token = await server.createToken(`user-${randomUUID()}`, workspace);
    return {
      workspace,
      token,
      clientId,
      push: (mutations: Mutation[], as = clientId) =>
        send<PushResponse & ErrorResponse>(`${server.url}/push`, JSON.stringify({ clientId: as, mutations }), token),
      pull: (as = clientId) =>
        send<PullResponse & ErrorResponse>(`${server.url}/pull`, JSON.stringify({ clientId: as, cookie: null }), token),
    };
  }

  /** A valid push still works: the server keeps serving after a refusal. */
  async function stillServes() {
    const c = await device();
    expect((await c.push([mutation(1, [put('contacts', { id: 'ok', firstName: 'Ok' })])])).body).toEqual({
      lastMutationId: 1,
      conflicts: 0,
    });
  }

  it("refuses with 403 a token pushing or pulling under another user's device id, and that device's changes still apply", async () => {
    const a = await device();
    const b = await device(a.workspace);
    expect((await a.push([mutation(1, [put('contacts', { id: 'k1', firstName: 'Ana' })])])).status).toBe(200);

    const hijack = await b.push([mutation(9e15, [put('contacts', { id: 'k1', firstName: 'Mallory' })])], a.clientId);
    expect(hijack.status).toBe(403);
    expect(hijack.type).toMatch(/application\/json/);
    expect(hijack.body.error).toContain(`clientId: ${JSON.stringify(a.clientId)} belongs to another user`);
    const peek = await b.pull(a.clientId);
    expect(peek.status).toBe(403);
    expect(peek.body.error).toContain('belongs to another user');

    // A's next change is applied, not skipped as "already applied".
    expect((await a.push([mutation(2, [put('contacts', { id: 'k2', firstName: 'Ben' })])])).body).toEqual({
      lastMutationId: 2,
      conflicts: 0,
    });
    const pulled = await a.pull();
    expect(pulled.body.lastMutationId).toBe(2);
    expect(pulled.body.rows.map((row) => row.value)).toEqual([
      { id: 'k1', firstName: 'Ana' },
      { id: 'k2', firstName: 'Ben' },
    ]);
    // B's own device id works for B.
    expect((await b.push([mutation(1, [put('contacts', { id: 'k3' })])])).status).toBe(200);
  });

  it('refuses two tokens claiming one new device id at once: exactly one owns it', async () => {
    const a = await device();
    const b = await device(a.workspace);
    const shared = `client-${randomUUID()}`;
    const replies = await Promise.all([
      a.push([mutation(1, [put('contacts', { id: 'ka' })])], shared),
      b.push([mutation(1, [put('contacts', { id: 'kb' })])], shared),
    ]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 403]);
    const rows = (await (replies[0]!.status === 200 ? a : b).pull(shared)).body.rows.map((row) => row.id);
    expect(rows).toEqual([replies[0]!.status === 200 ? 'ka' : 'kb']);
  });

  it.each([
    ['a NUL character', 'Ana\u0000Smith', 'holds a NUL character'],
    ['a lone high surrogate', 'Ana\ud800', 'holds a lone surrogate'],
    ['a lone low surrogate', '\udc00Ana', 'holds a lone surrogate'],
  ])('answers 400 naming the field for %s in a value, writes nothing, keeps serving', async (_, bad, reason) => {
    const a = await device();
    const reply = await a.push([
      mutation(1, [put('contacts', { id: 'k0' })]),
      mutation(2, [put('contacts', { id: 'k1', firstName: 'Ok' }), put('contacts', { id: 'k2', name: bad })]),
    ]);
    expect(reply.status).toBe(400);
    expect(reply.type).toMatch(/application\/json/);
    expect(reply.body.error).toContain(`mutations[1].writes[1].value.name: ${reason}`);
    expect(reply.body.problems?.[0]?.path).toBe('mutations[1].writes[1].value.name');
    expect((await a.pull()).body).toEqual({ cookie: 0, lastMutationId: 0, rows: [], hasMore: false });
    await stillServes();
  });

  it('answers 400 naming the field for a NUL in a key, an id, a name or the clientId', async () => {
    const a = await device();
    const cases: [string, string][] = [
      [
        JSON.stringify({
          clientId: a.clientId,
          mutations: [mutation(1, [put('contacts', { id: 'k', 'a\u0000': 1 })])],
        }),
        'mutations[0].writes[0].value: the key "a\\u0000" holds a NUL character',
      ],
      [
        JSON.stringify({ clientId: a.clientId, mutations: [mutation(1, [put('contacts', { id: 'k\u0000' })])] }),
        'mutations[0].writes[0].id: holds a NUL character',
      ],
      [
        JSON.stringify({ clientId: a.clientId, mutations: [{ ...mutation(1, []), name: 'x\ud800' }] }),
        'mutations[0].name: holds a lone surrogate',
      ],
      [JSON.stringify({ clientId: 'c\u0000', mutations: [] }), 'clientId: holds a NUL character'],
    ];
    for (const [body, message] of cases) {
      const reply = await send<ErrorResponse>(`${server.url}/push`, body, a.token);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toContain(message);
    }
    const pull = await send<ErrorResponse>(
      `${server.url}/pull`,
      JSON.stringify({ clientId: 'c\u0000', cookie: null }),
      a.token,
    );
    expect(pull.status).toBe(400);
    expect(pull.body.error).toContain('clientId: holds a NUL character');
    expect((await a.pull()).body.rows).toEqual([]);
    await stillServes();
  });

  it('answers 400 to a row id over 200 characters (a 1 MB id too) and to nesting deeper than 64', async () => {
    const a = await device();
    const long = 'i'.repeat(1024 * 1024);
    const longId = await a.push([mutation(1, [put('contacts', { id: long })])]);
    expect(longId.status).toBe(400);
    expect(longId.body.error).toMatch(
      /^mutations\[0\]\.writes\[0\]\.id: Too big: expected string to have <=200 characters/,
    );
    const justRight = await a.push([mutation(1, [put('contacts', { id: 'i'.repeat(200) })])]);
    expect(justRight.status).toBe(200);

    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const body = (depth: number, id: number) =>
      JSON.stringify({
        clientId: a.clientId,
        mutations: [mutation(id, [put('contacts', { id: 'k', deep: 0 })])],
      }).replace('"deep":0', `"deep":${nested(depth)}`);
    // The row is level 1, `deep` level 2: 63 arrays inside it is 64 levels, one more is too deep.
    expect((await send(`${server.url}/push`, body(63, 2), a.token)).status).toBe(200);
    for (const depth of [64, 10_000]) {
      const reply = await send<ErrorResponse>(`${server.url}/push`, body(depth, 3), a.token);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatch(
        /^mutations\[0\]\.writes\[0\]\.value\.deep(\[0\])+: nested deeper than 64 levels/,
      );
    }
    const whole = await send<ErrorResponse>(`${server.url}/push`, nested(5_000_000), a.token);
    expect(whole.status).toBe(400);
    expect(whole.body.error).toEqual(expect.any(String));
    expect((await a.pull()).body.lastMutationId).toBe(2);
    await stillServes();
  });

  it.each(['/push?x=1', '/%70ush', '/push/', '/pull?x=1', '/%70ull'])(
    'checks the token on %s, and a bad one is 401 with a JSON body',
    async (path) => {
      const a = await device();
      const body = JSON.stringify({
        clientId: a.clientId,
        cookie: null,
        mutations: [mutation(1, [put('contacts', { id: 'k' })])],
      });
      for (const token of [undefined, 'cdsk_wrong']) {
        const reply = await send<ErrorResponse>(`${server.url}${path}`, body, token);
        expect([401, 404]).toContain(reply.status);
        expect(reply.type).toMatch(/application\/json/);
        expect(reply.body.error).toEqual(expect.any(String));
      }
      expect((await a.pull()).body.rows).toEqual([]);
      await stillServes();
    },
  );

  it('applies a push sent to /push?x=1 with a good token like /push', async () => {
    const a = await device();
    const reply = await send<PushResponse>(
      `${server.url}/push?x=1`,
      JSON.stringify({ clientId: a.clientId, mutations: [mutation(1, [put('contacts', { id: 'k' })])] }),
      a.token,
    );
    expect(reply).toMatchObject({ status: 200, body: { lastMutationId: 1, conflicts: 0 } });
  });
});
