import { InputError, show } from '../../../core/errors';
import { inChange, now } from '../db/change';
import { useDb } from '../db/database';
import type { CampaignRecord, ConflictRecord, TemplateRecord } from '../db/records';

/**
 * Settling a conflict the sync server reported (docs/SYNC.md): the server kept the other
 * device's version (merged with everything that did not collide) and sent this device's
 * as `mine`. A person keeps the other version, keeps this device's for the fields that
 * collided, or keeps both (a copy of this device's version as a new campaign or template).
 * The choice is an ordinary change: it syncs, and the conflict is marked resolved everywhere.
 */

export type ConflictChoice = 'theirs' | 'mine' | 'both';

/** Tables whose rows people edit: a conflict there can be settled either way. Enrollments and tasks follow the sending device. */
export const EDITABLE = new Set(['campaigns', 'templates', 'contacts', 'mailboxes']);

type PathStep = string | { id: string };

/** Splits a merge path (`steps[id=s2].body`, `(root)`) into keys and id selectors. */
export function parsePath(path: string): PathStep[] {
  if (path === '(root)' || path === '') return [];
  const steps: PathStep[] = [];
  for (const match of path.matchAll(/\[id=([^\]]+)\]|([^.[\]]+)/g)) steps.push(match[1] ? { id: match[1] } : match[2]!);
  return steps;
}

/** The value at `path` in `value` (undefined when a step is missing). */
export function getAt(value: unknown, path: readonly PathStep[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === 'string') current = (current as Record<string, unknown> | undefined)?.[step];
    else current = (current as { id: unknown }[] | undefined)?.find?.((item) => String(item.id) === step.id);
  }
  return current;
}

/**
 * A copy of `target` with the value at `path` replaced by `next` (an element of an id
 * array is replaced, added when missing, removed when `next` is undefined).
 */
export function setAt(target: unknown, path: readonly PathStep[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [step, ...rest] = path;
  if (typeof step === 'string') {
    const object = { ...(target as Record<string, unknown>) };
    const inner = setAt(object[step], rest, next);
    if (inner === undefined) delete object[step];
    else object[step] = inner;
    return object;
  }
  const items = [...((target as { id: unknown }[] | undefined) ?? [])];
  const index = items.findIndex((item) => String(item.id) === step!.id);
  const inner = setAt(index >= 0 ? items[index] : undefined, rest, next) as { id: unknown } | undefined;
  if (inner === undefined) {
    if (index >= 0) items.splice(index, 1);
  } else if (index >= 0) items[index] = inner;
  else items.push(inner);
  return items;
}

/** What a conflict is about, in words: "the campaign Q2 outreach". */
export function conflictSubject(conflict: ConflictRecord): string {
  const row = (conflict.mine ?? conflict.theirs ?? {}) as Record<string, unknown>;
  const name = String(row.name ?? row.email ?? row.subject ?? conflict.rowId);
  const kind =
    { campaigns: 'campaign', templates: 'template', contacts: 'contact', mailboxes: 'mailbox' }[
      conflict.table as string
    ] ?? conflict.table;
  return `the ${kind} ${name}`;
}

/**
 * Settles one conflict.
 * @throws InputError naming `conflict` when it is already settled or gone, or `choice` when
 *   "keep both" is asked for a row that cannot have a copy (only campaigns and templates can).
 */
export async function resolveConflict(conflictId: string, choice: ConflictChoice): Promise<void> {
  const db = useDb();
  const at = now();
  await inChange(
    [db.conflicts, db.campaigns, db.templates, db.contacts, db.mailboxes, db.enrollments, db.tasks],
    async () => {
      const conflict = await db.conflicts.get(conflictId);
      if (!conflict || conflict.resolved)
        throw new InputError([{ path: 'conflict', message: `${show(conflictId)} is already settled` }]);
      const table = db.table(conflict.table);
      if (choice !== 'theirs' && !EDITABLE.has(conflict.table))
        throw new InputError([
          {
            path: 'choice',
            message: `${show(choice)}: where a person is in a campaign is decided by the device that sends for them; keep the other version`,
          },
        ]);
      if (choice === 'mine') {
        if (conflict.kind === 'delete' || conflict.mine === null) await table.delete(conflict.rowId);
        else {
          let current: unknown = (await table.get(conflict.rowId)) ?? conflict.theirs;
          for (const field of conflict.fields.length > 0 ? conflict.fields : ['(root)']) {
            const path = parsePath(field);
            current = setAt(current, path, getAt(conflict.mine, path));
          }
          await table.put({ ...(current as object), id: conflict.rowId, updatedAt: at });
        }
      } else if (choice === 'both') {
        if ((conflict.table !== 'campaigns' && conflict.table !== 'templates') || !conflict.mine)
          throw new InputError([
            { path: 'choice', message: `${show(choice)}: only a campaign or a template can be kept twice` },
          ]);
        const mine = conflict.mine as unknown as CampaignRecord | TemplateRecord;
        const copy = { ...mine, id: crypto.randomUUID(), name: `${mine.name} (my version)`, updatedAt: at };
        if (conflict.table === 'campaigns')
          Object.assign(copy, {
            status: 'draft',
            archived: 0,
            version: 1,
            createdAt: at,
            mailboxId: (mine as CampaignRecord).mailboxId,
          });
        await table.add(copy);
      }
      await db.conflicts.update(conflictId, { resolved: true });
      const kept =
        choice === 'theirs'
          ? "the other device's version"
          : choice === 'mine'
            ? "this device's version"
            : 'both versions';
      return {
        result: undefined,
        change: {
          name: 'conflict/resolve',
          args: { id: conflictId, choice },
          feed: { kind: 'sync.conflict', text: `Conflict on ${conflictSubject(conflict)} settled: kept ${kept}` },
        },
      };
    },
    at,
  );
}
