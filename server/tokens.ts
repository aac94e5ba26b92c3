import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from './db';

/** Who a request acts for: every row it reads or writes is in `workspaceId`. */
export interface Caller {
  workspaceId: number;
  userId: number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Characters of a token shown by {@link listTokens} (`cdsk_` and 7 of its 43 random ones). */
const SHOWN_PREFIX = 12;
/** Characters of the token's SHA-256 (hex) that make its id in {@link listTokens}. */
const ID_LENGTH = 10;
/** Shortest id prefix {@link revokeToken} takes, so one typo cannot revoke a random token. */
const MIN_ID_PREFIX = 6;
/** `last_used_at` is refreshed when older than this (ms): at most one write per token an hour. */
const LAST_USED_EVERY_MS = 60 * 60 * 1000;

/** Options of {@link createToken}. */
export interface TokenOptions {
  /** When the token stops working, UTC epoch ms; undefined = never. */
  expiresAt?: number;
}

/**
 * Creates a token for user `user` of workspace `workspace` (both made if missing; a
 * user name is unique within its workspace) and returns it, e.g. `cdsk_3q…`. Only its
 * SHA-256 and its first 12 characters are stored, so it cannot be shown again. Each
 * call makes a new token; older ones stay valid until revoked ({@link revokeToken})
 * or expired (`options.expiresAt`).
 * @throws RangeError when a name is empty, or `expiresAt` is not a finite time.
 */
export async function createToken(
  db: Db,
  user: string,
  workspace = 'default',
  options: TokenOptions = {},
): Promise<string> {
  if (user.trim() === '') throw new RangeError('user: is required (a name such as "alice")');
  if (workspace.trim() === '') throw new RangeError('workspace: is required (a name such as "acme")');
  if (options.expiresAt !== undefined && !Number.isFinite(options.expiresAt))
    throw new RangeError(`expiresAt: ${options.expiresAt} is not a time (UTC epoch ms)`);
  const token = `cdsk_${randomBytes(32).toString('base64url')}`;
  await db.transaction(async (tx) => {
    const now = Date.now();
    const workspaceId = await upsertId(
      tx,
      'insert into workspaces (name, created_at) values ($1, $2) on conflict (name) do update set name = excluded.name returning id',
      [workspace, now],
    );
    const userId = await upsertId(
      tx,
      'insert into users (workspace_id, name, created_at) values ($1, $2, $3) on conflict (workspace_id, name) do update set name = excluded.name returning id',
      [workspaceId, user, now],
    );
    await tx.query('insert into tokens (hash, user_id, created_at, prefix, expires_at) values ($1, $2, $3, $4, $5)', [
      hashToken(token),
      userId,
      now,
      token.slice(0, SHOWN_PREFIX),
      options.expiresAt ?? null,
    ]);
  });
  return token;
}

async function upsertId(tx: Queryable, sql: string, params: unknown[]): Promise<number> {
  const [row] = await tx.query<{ id: unknown }>(sql, params);
  return Number(row!.id);
}

/**
 * Finds who holds `token` (the part after `Bearer `) at `now` (UTC ms). Returns
 * undefined for an unknown, revoked or expired token, so a revoked token is refused on
 * its very next request (nothing is cached). Notes when the token was last used, at
 * most once an hour, in the same statement.
 */
export async function authenticate(db: Queryable, token: string, now = Date.now()): Promise<Caller | undefined> {
  const [row] = await db.query<{ user_id: unknown; workspace_id: unknown }>(
    `with valid as (
       select t.hash, t.user_id, t.last_used_at from tokens t
        where t.hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2)
     ), used as (
       update tokens set last_used_at = $2
        where hash in (select hash from valid where last_used_at is null or last_used_at < $3)
     )
     select u.id as user_id, u.workspace_id from valid v join users u on u.id = v.user_id`,
    [hashToken(token), now, now - LAST_USED_EVERY_MS],
  );
  return row ? { userId: Number(row.user_id), workspaceId: Number(row.workspace_id) } : undefined;
}

/** One token as {@link listTokens} shows it: never the secret. Instants are UTC epoch ms. */
export interface TokenInfo {
  /** The first 10 hex characters of the token's SHA-256: what `revoke-token` takes. */
  id: string;
  /** The token's first 12 characters (`cdsk_3q4fZ1x`), null for tokens made before they were kept. */
  prefix: string | null;
  user: string;
  workspace: string;
  createdAt: number;
  /** Within the hour (refreshed at most hourly); null when never used. */
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

const TOKEN_COLUMNS = `substr(t.hash, 1, ${ID_LENGTH}) as id, t.prefix, u.name as user, w.name as workspace,
  t.created_at, t.last_used_at, t.expires_at, t.revoked_at
  from tokens t join users u on u.id = t.user_id join workspaces w on w.id = u.workspace_id`;

interface TokenRow {
  id: string;
  prefix: string | null;
  user: string;
  workspace: string;
  created_at: unknown;
  last_used_at: unknown;
  expires_at: unknown;
  revoked_at: unknown;
}

const orNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const toInfo = (row: TokenRow): TokenInfo => ({
  id: row.id,
  prefix: row.prefix,
  user: row.user,
  workspace: row.workspace,
  createdAt: Number(row.created_at),
  lastUsedAt: orNull(row.last_used_at),
  expiresAt: orNull(row.expires_at),
  revokedAt: orNull(row.revoked_at),
});

/** Every token (of `workspace`, when given), oldest first, without secrets. */
export async function listTokens(db: Queryable, workspace?: string): Promise<TokenInfo[]> {
  const rows = await db.query<TokenRow>(
    `select ${TOKEN_COLUMNS} ${workspace === undefined ? '' : 'where w.name = $1'} order by t.created_at, t.hash`,
    workspace === undefined ? [] : [workspace],
  );
  return rows.map(toInfo);
}

/**
 * Revokes the token named by `which`: the whole token (`cdsk_…`), or its id from
 * {@link listTokens} or at least the first 6 characters of it. From then on the token
 * gets 401. Revoking a revoked token changes nothing. Returns the token as it is now.
 * @throws RangeError naming `which` when it matches no token, or several (then it
 *   lists their ids), or is shorter than 6 characters.
 */
export async function revokeToken(db: Db, which: string, now = Date.now()): Promise<TokenInfo> {
  const text = which.trim();
  const whole = text.startsWith('cdsk_') && text.length > SHOWN_PREFIX;
  if (!whole && !/^[0-9a-f]+$/i.test(text))
    throw new RangeError(`token: ${JSON.stringify(which)} is not a token id (see list-tokens) or a whole token`);
  if (!whole && text.length < MIN_ID_PREFIX)
    throw new RangeError(
      `token: ${JSON.stringify(which)} is too short; give at least ${MIN_ID_PREFIX} characters of the id`,
    );
  const found = whole
    ? await db.query<TokenRow & { hash: string }>(`select t.hash, ${TOKEN_COLUMNS} where t.hash = $1`, [
        hashToken(text),
      ])
    : await db.query<TokenRow & { hash: string }>(
        `select t.hash, ${TOKEN_COLUMNS} where t.hash like $1 order by t.created_at limit 10`,
        [`${text.toLowerCase()}%`],
      );
  if (found.length === 0) throw new RangeError(`token: no token matches ${JSON.stringify(which)} (see list-tokens)`);
  if (found.length > 1)
    throw new RangeError(
      `token: ${JSON.stringify(which)} matches several tokens (${found.map((row) => row.id).join(', ')}); give more of the id`,
    );
  const [row] = found;
  await db.query('update tokens set revoked_at = $2 where hash = $1 and revoked_at is null', [row!.hash, now]);
  return toInfo({ ...row!, revoked_at: row!.revoked_at ?? now });
}
