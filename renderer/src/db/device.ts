import type { CampaignDeskDb } from './database';
import { useDb } from './database';

/**
 * This device's id (SPEC §7): the outbox's `clientId`, and the id every enrollment launched
 * here carries (only the launching device sends). Written once, with the first change, and
 * never replaced. The one place that reads or writes it.
 */

const KEY = 'deviceId';

/**
 * The id, or undefined while this database has made no change yet.
 * Returns Dexie's own promise (no `async`): callers await it inside transactions, where a
 * native promise in between can let the transaction commit early.
 */
export function readDeviceId(db: CampaignDeskDb = useDb()): Promise<string | undefined> {
  return db.meta.get(KEY).then((row) => row?.value as string | undefined);
}

/**
 * The id, written now when there is none. Call inside a read-write transaction over `db.meta`
 * so two first changes cannot write two ids. Dexie's promise, as {@link readDeviceId}.
 * @param fresh the id to write when there is none (default: a new random UUID).
 */
export function deviceIdOrCreate(
  db: CampaignDeskDb = useDb(),
  fresh: () => string = () => crypto.randomUUID(),
): Promise<string> {
  return db.meta.get(KEY).then((row) => {
    const existing = row?.value as string | undefined;
    if (existing) return existing;
    const id = fresh();
    return db.meta.add({ key: KEY, value: id }).then(() => id);
  });
}
