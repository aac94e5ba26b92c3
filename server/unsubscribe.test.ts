import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullResponse, WorkspaceResponse } from '../core/sync/protocol';
import { mintUnsubscribeToken, newUnsubscribeKey, toBase64Url } from '../core/unsubscribe-token';
import { startServer, type RunningServer, type ServerOptions } from './index';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL (or DATABASE_URL) names one (.ci/run does). */
const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const targets: { name: string; options: ServerOptions }[] = [{ name: 'pglite', options: { dataDir: 'memory://' } }];
if (pgUrl) targets.push({ name: 'postgres', options: { databaseUrl: pgUrl } });
else
  console.log(
    'PostgreSQL runs of these tests skipped: set TEST_DATABASE_URL (.ci/run starts a throwaway PostgreSQL and sets it)',
  );

/** SPEC §12 at the team server: one-click unsubscribe (RFC 8058), seen by two devices' pulls. */
describe.each(targets)('one-click unsubscribe ($name)', ({ options }) => {
  let server: RunningServer;
  let rep: string;
  let colleague: string;
  let stranger: string;
  /** A workspace name of its own per run, so a shared PostgreSQL never mixes runs. */
  const run = `acme-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  beforeAll(async () => {
    server = await startServer({ ...options, port: 0, publicUrl: 'https://sync.acme.example/' });
    rep = await server.createToken('rep', run);
    colleague = await server.createToken('colleague', run);
    stranger = await server.createToken('someone', `${run}-other`);
  }, 60_000);
  afterAll(async () => server?.close());

  const workspace = async (token: string): Promise<WorkspaceResponse> => {
    const response = await fetch(`${server.url}/workspace`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as WorkspaceResponse;
  };
  const suppressions = async (token: string, clientId: string) => {
    const response = await fetch(`${server.url}/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId, cookie: null }),
    });
    const page = (await response.json()) as PullResponse;
    return page.rows.filter((row) => row.table === 'suppressions');
  };
  const oneClick = (token: string) =>
    fetch(`${server.url}/u/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });

  it('gives every device of a workspace the same key, and its public https address', async () => {
    const mine = await workspace(rep);
    expect(await workspace(colleague)).toEqual(mine);
    expect(mine.publicUrl).toBe('https://sync.acme.example');
    const theirs = await workspace(stranger);
    expect(theirs.workspace).not.toBe(mine.workspace);
    expect(theirs.unsubscribeKey).not.toBe(mine.unsubscribeKey);
    expect((await fetch(`${server.url}/workspace`)).status).toBe(401);
  });

  it('GET shows a confirmation page with a button and records nothing; POST records it and both devices pull the row', async () => {
    const key = await workspace(rep);
    const token = await mintUnsubscribeToken(
      { workspace: key.workspace, key: key.unsubscribeKey },
      'Ana@Globex.example',
    );

    const asked = await fetch(`${server.url}/u/${token}`);
    expect(asked.status).toBe(200);
    expect(asked.headers.get('content-type')).toMatch(/^text\/html/);
    const question = await asked.text();
    expect(question).toContain('<h1>Unsubscribe?</h1>');
    expect(question).toContain('Stop all emails from this sender to <strong>ana@globex.example</strong>?');
    expect(question).toMatch(
      /<form method="post">[\s\S]*name="List-Unsubscribe" value="One-Click"[\s\S]*<button type="submit">Unsubscribe<\/button>/,
    );
    expect(question).toContain('Nothing changes until you press the button.');
    // A link scanner's GET changed nothing.
    expect(await suppressions(rep, 'laptop')).toEqual([]);

    const done = await oneClick(token);
    expect(done.status).toBe(200);
    const answer = await done.text();
    expect(answer).toContain('<h1>You are unsubscribed</h1>');
    expect(answer).toContain('<strong>ana@globex.example</strong> will get no more emails from this sender.');

    for (const [token, device] of [
      [rep, 'laptop'],
      [colleague, 'desktop'],
    ] as const) {
      const rows = await suppressions(token, device);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        table: 'suppressions',
        id: 'ana@globex.example',
        deleted: false,
        value: { id: 'ana@globex.example', address: 'ana@globex.example', reason: 'unsubscribed', via: 'one-click' },
      });
    }
    // Another workspace sees nothing of it.
    expect(await suppressions(stranger, 'elsewhere')).toEqual([]);

    // A second click (or the mail program retrying) is answered the same and writes nothing new.
    const [before] = await server.db.query<{ seq: unknown }>(
      "select seq from rows where tbl = 'suppressions' and id = 'ana@globex.example'",
    );
    expect((await oneClick(token)).status).toBe(200);
    const [after] = await server.db.query<{ seq: unknown }>(
      "select seq from rows where tbl = 'suppressions' and id = 'ana@globex.example'",
    );
    expect(Number(after!.seq)).toBe(Number(before!.seq));
  });

  it('a forged or altered token gets a page saying the link is not valid, and nothing is stored', async () => {
    const key = await workspace(rep);
    const real = await mintUnsubscribeToken({ workspace: key.workspace, key: key.unsubscribeKey }, 'bo@globex.example');
    const [ws, , mac] = real.split('.');
    const forged = [
      // Someone else's address under Bo's MAC.
      `${ws}.${toBase64Url(new TextEncoder().encode('ceo@globex.example'))}.${mac}`,
      // Made with a key the server never gave out.
      await mintUnsubscribeToken(newUnsubscribeKey(key.workspace), 'bo@globex.example'),
      // A workspace that does not exist.
      await mintUnsubscribeToken({ workspace: '999999999', key: key.unsubscribeKey }, 'bo@globex.example'),
      'not-a-token',
    ];
    for (const token of forged) {
      for (const response of [await fetch(`${server.url}/u/${encodeURIComponent(token)}`), await oneClick(token)]) {
        expect(response.status).toBe(404);
        const text = await response.text();
        expect(text).toContain('<h1>This unsubscribe link is not valid</h1>');
        expect(text).toContain('The link is incomplete or was changed, so nothing was done.');
      }
    }
    const rows = await suppressions(rep, 'laptop');
    expect(rows.map((row) => row.id)).not.toContain('ceo@globex.example');
    expect(rows.map((row) => row.id)).not.toContain('bo@globex.example');
  });
});
