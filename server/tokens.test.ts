import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mutation } from '../core/sync/protocol';
import { listTokens, revokeToken, startServer, type RunningServer, type ServerOptions } from './index';

/** Tokens can be listed, revoked and expire (SPEC §7); a revoked token gets 401 on its next request. */
const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const targets: { name: string; options: ServerOptions }[] = [{ name: 'pglite', options: { dataDir: 'memory://' } }];
if (pgUrl) targets.push({ name: 'postgres', options: { databaseUrl: pgUrl } });
else console.log('PostgreSQL runs of the token tests skipped: set TEST_DATABASE_URL (.ci/run sets it)');

const run = promisify(execFile);
/** Runs `npm run server -- <args>` as a person would (tsx, the real CLI), with `env` added. */
async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const mutation = (id: number): Mutation => ({
  id,
  name: 'contact/create',
  at: 1_000,
  writes: [{ table: 'contacts', id: `k${id}`, op: 'put', base: null, value: { id: `k${id}` } }],
});

async function pushAs(server: { url: string }, token: string, clientId: string, id: number) {
  const response = await fetch(`${server.url}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ clientId, mutations: [mutation(id)] }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; lastMutationId?: number } };
}

describe.each(targets)('tokens on $name', ({ options }) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ...options, port: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a revoked token with 401 from its very next request; the workspace’s other tokens go on', async () => {
    const workspace = `ws-${randomUUID()}`;
    const ana = await server.createToken('ana', workspace);
    const ben = await server.createToken('ben', workspace);
    expect((await pushAs(server, ana, 'ana-laptop', 1)).status).toBe(200);

    const listed = (await listTokens(server.db, workspace)).find((token) => token.user === 'ana')!;
    const revoked = await revokeToken(server.db, listed.id.slice(0, 6));
    expect(revoked).toMatchObject({ id: listed.id, user: 'ana', workspace, revokedAt: expect.any(Number) });

    const refused = await pushAs(server, ana, 'ana-laptop', 2);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toContain('revoked');
    const pull = await fetch(`${server.url}/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ana}` },
      body: JSON.stringify({ clientId: 'ana-laptop', cookie: null }),
    });
    expect(pull.status).toBe(401);
    expect((await pushAs(server, ben, 'ben-laptop', 1)).status).toBe(200);
    // Revoking by the whole token works too, and again changes nothing.
    expect((await revokeToken(server.db, ana)).revokedAt).toBe(revoked.revokedAt);
  });

  it('refuses an expired token with 401', async () => {
    const workspace = `ws-${randomUUID()}`;
    const soon = await server.createToken('cy', workspace, { expiresAt: Date.now() + 60_000 });
    const past = await server.createToken('dee', workspace, { expiresAt: Date.now() - 1 });
    expect((await pushAs(server, soon, 'cy-laptop', 1)).status).toBe(200);
    expect((await pushAs(server, past, 'dee-laptop', 1)).status).toBe(401);
  });

  it('lists tokens with id, start, user, workspace, times and state, never the secret', async () => {
    const workspace = `ws-${randomUUID()}`;
    const before = Date.now();
    const ana = await server.createToken('ana', workspace);
    const ben = await server.createToken('ben', workspace, { expiresAt: before + 86_400_000 });
    await pushAs(server, ana, 'ana-laptop', 1);
    const tokens = await listTokens(server.db, workspace);
    expect(tokens).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{10}$/),
        prefix: ana.slice(0, 12),
        user: 'ana',
        workspace,
        createdAt: expect.any(Number),
        lastUsedAt: expect.any(Number),
        expiresAt: null,
        revokedAt: null,
      },
      expect.objectContaining({
        prefix: ben.slice(0, 12),
        user: 'ben',
        lastUsedAt: null,
        expiresAt: before + 86_400_000,
      }),
    ]);
    expect(tokens[0]!.lastUsedAt).toBeGreaterThanOrEqual(before);
    const text = JSON.stringify(tokens);
    expect(text).not.toContain(ana.slice(12, 20));
    expect(text).not.toContain(ben.slice(12, 20));
  });

  it('refuses to revoke a token named too briefly or not at all, naming what was given', async () => {
    await expect(revokeToken(server.db, 'abc')).rejects.toThrow('token: "abc" is too short');
    await expect(revokeToken(server.db, 'ffffffffff')).rejects.toThrow('token: no token matches "ffffffffff"');
    await expect(revokeToken(server.db, 'ana')).rejects.toThrow('is not a token id');
  });
});

describe('npm run server -- list-tokens / revoke-token / create-token --expires-in', () => {
  it('on a PGlite folder: creates, lists without the secret, revokes; the restarted server refuses the token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cd-tokens-'));
    try {
      const env = { CAMPAIGN_DESK_SERVER_DATA: dir };
      const made = await cli(['create-token', 'alice', '--workspace', 'acme', '--expires-in', '90d'], env);
      expect(made.code).toBe(0);
      const token = made.stdout.trim();
      expect(token).toMatch(/^cdsk_[A-Za-z0-9_-]{43}$/);
      expect(made.stderr).toMatch(/valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);

      const listed = await cli(['list-tokens'], env);
      expect(listed.code).toBe(0);
      const [head, line] = listed.stdout.trim().split('\n');
      expect(head).toMatch(/^id\s+token starts\s+user\s+workspace\s+created \(UTC\)\s+last used \(UTC\)\s+state$/);
      expect(line).toMatch(
        new RegExp(`^[0-9a-f]{10}\\s+${token.slice(0, 12)}…\\s+alice\\s+acme\\s+\\S+Z\\s+-\\s+active until \\S+Z$`),
      );
      expect(listed.stdout).not.toContain(token.slice(12));
      const id = line!.split(/\s+/)[0]!;

      expect((await cli(['revoke-token', 'zz'], env)).stderr).toContain('"zz" is not a token id');
      const revoked = await cli(['revoke-token', id], env);
      expect(revoked).toMatchObject({ code: 0 });
      expect(revoked.stdout).toContain(`revoked ${id} (alice in acme)`);
      expect((await cli(['list-tokens'], env)).stdout).toMatch(/alice\s+acme\s+\S+Z\s+-\s+revoked \S+Z/);
      expect((await cli(['create-token', 'bob', '--expires-in', 'soon'], env)).stderr).toContain(
        '--expires-in: "soon" is not a duration',
      );

      const server = await startServer({ dataDir: dir, port: 0 });
      try {
        expect((await pushAs(server, token, 'alice-laptop', 1)).status).toBe(401);
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.runIf(pgUrl)(
    'on PostgreSQL: revoke-token while the server runs, and the next request is 401',
    async () => {
      const server = await startServer({ databaseUrl: pgUrl!, port: 0 });
      try {
        const workspace = `ws-${randomUUID()}`;
        const token = await server.createToken('erin', workspace);
        expect((await pushAs(server, token, 'erin-laptop', 1)).status).toBe(200);
        const revoked = await cli(['revoke-token', token], { DATABASE_URL: pgUrl! });
        expect(revoked.stdout).toContain(`(erin in ${workspace})`);
        expect((await pushAs(server, token, 'erin-laptop', 2)).status).toBe(401);
      } finally {
        await server.close();
      }
    },
    120_000,
  );
});
