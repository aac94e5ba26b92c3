/**
 * SPEC §12 on the team server: the workspace's unsubscribe key (made here, copied to its
 * devices by `GET /workspace`), and the one-click unsubscribe of `POST /u/<token>`
 * (RFC 8058), recorded as a row of the workspace's `suppressions` table so that every
 * device pulls it like any other change (docs/SYNC.md).
 */
import { randomBytes } from 'node:crypto';
import {
  readUnsubscribeToken,
  toBase64Url,
  tokenWorkspace,
  type UnsubscribeClaim,
  type UnsubscribeKey,
} from '../core/unsubscribe-token';
import type { Db } from './db';
import { LOCK_WORKSPACE, QUEUE_WORKSPACE } from './sync';

/**
 * The unsubscribe key of workspace `workspaceId` (its id as tokens name it, and the key),
 * made now (32 bytes from node:crypto) when it has none. Two servers making one at once
 * agree: the first stored wins (`coalesce`).
 * @throws the database error; RangeError when the workspace does not exist.
 */
export async function workspaceKey(db: Db, workspaceId: number): Promise<UnsubscribeKey> {
  const [row] = await db.query<{ unsubscribe_key: string }>(
    'update workspaces set unsubscribe_key = coalesce(unsubscribe_key, $2) where id = $1 returning unsubscribe_key',
    [workspaceId, toBase64Url(randomBytes(32))],
  );
  if (!row) throw new RangeError(`workspace ${workspaceId} does not exist`);
  return { workspace: String(workspaceId), key: row.unsubscribe_key };
}

/**
 * What `token` says when this server's workspace it names made it, else null (not a token,
 * an unknown workspace, an altered address or MAC). Makes no key: a workspace that never
 * gave one out has no valid tokens.
 */
export async function checkToken(db: Db, token: string): Promise<UnsubscribeClaim | null> {
  const workspace = tokenWorkspace(token);
  if (!workspace || !/^[1-9]\d{0,17}$/.test(workspace)) return null;
  const [row] = await db.query<{ unsubscribe_key: string | null }>(
    'select unsubscribe_key from workspaces where id = $1',
    [workspace],
  );
  if (!row?.unsubscribe_key) return null;
  return readUnsubscribeToken(token, [{ workspace, key: row.unsubscribe_key }]);
}

/** What {@link recordUnsubscribe} did. */
export type Recorded = { claim: UnsubscribeClaim; already: boolean } | null;

/**
 * Records the one-click unsubscribe of `token` (SPEC §12): when the token is valid, the
 * row `suppressions/<address>` = `{ id, address, reason: 'unsubscribed', at, via: 'one-click' }`
 * is written with the workspace's next sequence number, under the same advisory and row
 * locks a push takes (so a pull never skips it), unless the address is already on the
 * list (`already: true`, nothing written). A forged or altered token writes nothing (null).
 * @param at UTC ms of the request.
 */
export async function recordUnsubscribe(db: Db, token: string, at: number): Promise<Recorded> {
  const claim = await checkToken(db, token);
  if (!claim) return null;
  const workspaceId = Number(claim.workspace);
  const value = { id: claim.address, address: claim.address, reason: 'unsubscribed', at, via: 'one-click' };
  const already = await db.transaction(
    async (tx, [, , existing]) => {
      if (existing && existing.length > 0) return true;
      await tx.query(
        `with bumped as (update workspaces set seq = seq + 1 where id = $1 returning seq)
         insert into rows (workspace_id, tbl, id, value, deleted, seq)
         select $1, 'suppressions', $2, $3::text::jsonb, false, bumped.seq from bumped
         on conflict (workspace_id, tbl, id)
           do update set value = excluded.value, deleted = false, seq = excluded.seq`,
        [workspaceId, claim.address, JSON.stringify(value)],
      );
      return false;
    },
    [
      { sql: QUEUE_WORKSPACE, params: [workspaceId] },
      { sql: LOCK_WORKSPACE, params: [workspaceId] },
      {
        sql: "select 1 from rows where workspace_id = $1 and tbl = 'suppressions' and id = $2 and not deleted",
        params: [workspaceId, claim.address],
      },
    ],
  );
  return { claim, already };
}
