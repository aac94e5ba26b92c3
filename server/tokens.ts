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

/**
 * Creates a token for user `user` of workspace `workspace` (both made if missing; a
 * user name is unique within its workspace) and returns it, e.g. `cdsk_3q…`. Only its
 * SHA-256 is stored, so it cannot be shown again. Each call makes a new token; older
 * ones stay valid.
 * @throws RangeError when a name is empty.
 */
export async function createToken(db: Db, user: string, workspace = 'default'): Promise<string> {
  if (user.trim() === '') throw new RangeError('user: is required (a name such as "alice")');
  if (workspace.trim() === '') throw new RangeError('workspace: is required (a name such as "acme")');
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
    await tx.query('insert into tokens (hash, user_id, created_at) values ($1, $2, $3)', [
      hashToken(token),
      userId,
      now,
    ]);
  });
  return token;
}

async function upsertId(tx: Queryable, sql: string, params: unknown[]): Promise<number> {
  const [row] = await tx.query<{ id: unknown }>(sql, params);
  return Number(row!.id);
}

/**
 * Finds who holds `token` (the part after `Bearer `). Returns undefined for an
 * unknown token.
 */
export async function authenticate(db: Queryable, token: string): Promise<Caller | undefined> {
  const [row] = await db.query<{ user_id: unknown; workspace_id: unknown }>(
    'select u.id as user_id, u.workspace_id from tokens t join users u on u.id = t.user_id where t.hash = $1',
    [hashToken(token)],
  );
  return row ? { userId: Number(row.user_id), workspaceId: Number(row.workspace_id) } : undefined;
}
