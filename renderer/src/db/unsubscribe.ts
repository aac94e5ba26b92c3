import {
  httpsBase,
  mintUnsubscribeToken,
  newUnsubscribeKey,
  readUnsubscribeToken,
  unsubscribeLinks,
  type UnsubscribeClaim,
  type UnsubscribeKey,
  type UnsubscribeLinks,
} from '../../../core/unsubscribe-token';
import type { WorkspaceResponse } from '../../../core/sync/protocol';
import { useDb, type CampaignDeskDb } from './database';

/**
 * This device's unsubscribe keys (SPEC §12, docs/DECISIONS.md): the team server's key of
 * the workspace (from `GET /workspace`, refreshed at each sync) makes the tokens once
 * there is one, so the server can check one-click requests; before that, or with no team
 * server at all, a key made on this device, whose tokens only this device's inbox checks
 * (and no https link is offered). Keys used before are kept, so a mailto sent months ago
 * is still recognised. Stored in `meta` (never synced), the one place that reads or writes them.
 */

const KEY = 'unsubscribe';

interface Stored {
  /** The team server's workspace key and public https address (null: none). */
  server?: UnsubscribeKey & { publicUrl: string | null };
  /** Made here, for tokens before the server's key arrived. */
  local?: UnsubscribeKey;
  /** Keys replaced since (another team server), still accepted in incoming mail. */
  retired?: UnsubscribeKey[];
}

/** What a send needs to make its links. */
export interface UnsubscribeSettings {
  /** The key new tokens are made with. */
  current: UnsubscribeKey;
  /** Every key this device accepts in an incoming `unsubscribe <token>`. */
  keys: UnsubscribeKey[];
  /** The team server's public https address for one-click links, or null (mailto only). */
  publicUrl: string | null;
}

const plain = (key: UnsubscribeKey): UnsubscribeKey => ({ workspace: key.workspace, key: key.key });

/**
 * The settings, with a local key made now when this device has none and no server key.
 * Runs its own read-write transaction over `meta`: do not call inside another transaction.
 */
export async function unsubscribeSettings(db: CampaignDeskDb = useDb()): Promise<UnsubscribeSettings> {
  const stored = await db.transaction('rw', db.meta, async () => {
    const value = ((await db.meta.get(KEY))?.value as Stored | undefined) ?? {};
    if (value.server || value.local) return value;
    const made: Stored = { ...value, local: newUnsubscribeKey(`local-${crypto.randomUUID()}`) };
    await db.meta.put({ key: KEY, value: made });
    return made;
  });
  const current = plain((stored.server ?? stored.local)!);
  const keys = [stored.server, stored.local, ...(stored.retired ?? [])]
    .filter((key): key is UnsubscribeKey => !!key)
    .map(plain);
  return { current, keys, publicUrl: httpsBase(stored.server?.publicUrl ?? null) };
}

/**
 * Keeps the team server's answer to `GET /workspace` (at each sync). The public address is
 * the server's configured one, else the sync address itself when that is https (a server
 * reached over https from this device is reachable from the internet in the usual setup;
 * a plain-http one, a server on this computer, never is). A different key than before
 * retires the old one.
 */
export async function saveServerWorkspace(
  answer: WorkspaceResponse,
  syncUrl: string,
  db: CampaignDeskDb = useDb(),
): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    const value = ((await db.meta.get(KEY))?.value as Stored | undefined) ?? {};
    const publicUrl = httpsBase(answer.publicUrl) ?? httpsBase(syncUrl);
    const server = { workspace: answer.workspace, key: answer.unsubscribeKey, publicUrl };
    const old = value.server;
    if (old && old.workspace === server.workspace && old.key === server.key && old.publicUrl === publicUrl) return;
    const retired = [...(value.retired ?? [])];
    if (old && (old.workspace !== server.workspace || old.key !== server.key)) retired.push(plain(old));
    await db.meta.put({ key: KEY, value: { ...value, server, retired } satisfies Stored });
  });
}

/** The links of one email from `ownAddress` to `address` (SPEC §12). */
export async function linksFor(
  settings: UnsubscribeSettings,
  ownAddress: string,
  address: string,
): Promise<UnsubscribeLinks> {
  return unsubscribeLinks(await mintUnsubscribeToken(settings.current, address), ownAddress, settings.publicUrl);
}

/** What an incoming `unsubscribe <token>` names, when one of this device's keys made it; else null. */
export async function checkIncomingToken(
  token: string,
  db: CampaignDeskDb = useDb(),
): Promise<UnsubscribeClaim | null> {
  return readUnsubscribeToken(token, (await unsubscribeSettings(db)).keys);
}
