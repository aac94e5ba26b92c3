import type { Problem } from '../../../core/errors';
import type { CampaignDeskDb } from '../db/database';
import type { OutboxRecord } from '../db/records';

/**
 * Sync problems (SPEC §7): changes the team server refused for good (a 4xx that is not
 * 401, 403, 408 or 429, e.g. a value it cannot store), set aside out of the outbox so
 * they never hold back the changes after them. Settings → Team sync lists them: what
 * it was, why, *Discard* or *Try again*. Kept in the `meta` table under
 * {@link PROBLEMS_KEY} (this device only; never synced).
 */

/** Where the set-aside changes live in `meta`. */
export const PROBLEMS_KEY = 'sync.problems';

/** One change the server refused, with its refusal. */
export interface SyncProblem {
  /** Unique on this device: `<mutationId>@<setAsideAt>`. */
  id: string;
  /** The outbox row as it was (its writes included), to push again on *Try again*. */
  change: OutboxRecord;
  /** The server's HTTP status (400, 413 …); 0 when this device refused to send it. */
  status: number;
  /** Why, in the server's words (`mutations[0].writes[1].value.firstName: holds a NUL character …`). */
  reason: string;
  /** The server's per-field problems, paths as the server wrote them. */
  problems: Problem[];
  /** When it was set aside, UTC ms. */
  setAsideAt: number;
}

/** Every sync problem, oldest first. */
export async function readProblems(db: CampaignDeskDb): Promise<SyncProblem[]> {
  return ((await db.meta.get(PROBLEMS_KEY))?.value as SyncProblem[] | undefined) ?? [];
}

/**
 * Moves `changes` out of the outbox into the sync problems, in one transaction, with
 * the refusal (`status`, `reason`, `problems`) and `at` (UTC ms). A change no longer in
 * the outbox (already taken by another tab) is left alone.
 */
export async function setAside(
  db: CampaignDeskDb,
  changes: readonly OutboxRecord[],
  refusal: { status: number; reason: string; problems?: Problem[] },
  at: number,
): Promise<void> {
  await db.transaction('rw', db.outbox, db.meta, async () => {
    const problems = await readProblems(db);
    for (const change of changes) {
      const current = await db.outbox.get(change.mutationId!);
      if (!current) continue;
      await db.outbox.delete(change.mutationId!);
      problems.push({
        id: `${change.mutationId}@${at}`,
        change: current,
        status: refusal.status,
        reason: refusal.reason,
        problems: refusal.problems ?? [],
        setAsideAt: at,
      });
    }
    await db.meta.put({ key: PROBLEMS_KEY, value: problems });
  });
}

/** Forgets the set-aside change `id`: the server never gets it (it stays as it is on this device). */
export async function discardProblem(db: CampaignDeskDb, id: string): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    const problems = await readProblems(db);
    await db.meta.put({ key: PROBLEMS_KEY, value: problems.filter((problem) => problem.id !== id) });
  });
}

/**
 * Puts the set-aside change `id` back at the end of the outbox, as a new mutation (the
 * server has applied later ones, so its old mutation id would be skipped as done); the
 * sync client pushes it on its next run.
 */
export async function retryProblem(db: CampaignDeskDb, id: string): Promise<void> {
  await db.transaction('rw', db.outbox, db.meta, async () => {
    const problems = await readProblems(db);
    const problem = problems.find((one) => one.id === id);
    if (!problem) return;
    const change: OutboxRecord = { ...problem.change };
    delete change.mutationId;
    await db.outbox.add(change);
    await db.meta.put({ key: PROBLEMS_KEY, value: problems.filter((one) => one.id !== id) });
  });
}

const WHAT: Record<string, string> = {
  'campaign/create': 'New campaign',
  'campaign/update': 'Campaign edit',
  'campaign/rename': 'Campaign renamed',
  'campaign/launch': 'Campaign launch',
  'contact/create': 'New contact',
  'contact/update': 'Contact edit',
  'contact/delete': 'Contact deleted',
  'contacts/import': 'Contact import',
  'mailbox/save': 'Mailbox saved',
  'sync/snapshot': 'Work done before sync was set up',
};

/**
 * What a set-aside change was, in words: its kind and the first row it wrote
 * (`Contact edit: ana@example.com`, `Contact import: 120 rows`).
 */
export function describeChange(change: OutboxRecord): string {
  const what = WHAT[change.name] ?? change.name;
  const writes = change.writes ?? [];
  if (writes.length > 3) return `${what}: ${writes.length} rows`;
  const value = (writes[0]?.value ?? writes[0]?.base ?? {}) as Record<string, unknown>;
  const label = [value.name, value.email, value.subject, value.id].find((one) => typeof one === 'string' && one);
  return label ? `${what}: ${printable(label as string)}` : what;
}

/** `text` with invisible or broken characters shown as `\u0000`, `\ud800`, so the person sees them. */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- showing control characters is the point
    /[\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
