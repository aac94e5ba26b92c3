import { InputError, show, VersionConflict } from '../../../../core/errors';
import type { Campaign, Step } from '../../../../core/model';
import { storableProblems } from '../../../../core/storable';
import { windowProblems } from '../../../../core/window';
import { parseClockTime } from '../../../../core/zones';
import { useDb } from '../database';
import { replanScheduled } from './replan';
import { inChange, now } from '../change';
import type { CampaignRecord } from '../records';

/** Editing a campaign's content coalesces its Live Feed rows: one "edited" row per ten minutes of editing. */
const EDIT_FEED_WINDOW_MS = 10 * 60_000;

/** The campaign in core's shape, for the editor's checks and the resolver. */
export function toCoreCampaign(record: CampaignRecord): Campaign {
  return {
    id: record.id,
    name: record.name,
    timeZoneMode: record.timeZoneMode,
    skipWeekends: record.skipWeekends,
    taskTime: record.taskTime,
    // R12: the campaign's own window when it has one; else the mailbox's applies.
    ...(record.sendingWindow ? { sendingWindow: record.sendingWindow } : {}),
    steps: record.steps,
  };
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new InputError([{ path: 'name', message: 'a campaign needs a name' }]);
  if (trimmed.length > 200)
    throw new InputError([{ path: 'name', message: `${show(trimmed)} is longer than 200 characters` }]);
  const unstorable = storableProblems(trimmed, 'name');
  if (unstorable.length > 0) throw new InputError(unstorable);
  return trimmed;
}

/** Creates an empty draft campaign sending from the first mailbox, if there is one. */
export async function createCampaign(name: string): Promise<CampaignRecord> {
  const db = useDb();
  const at = now();
  const trimmed = checkName(name);
  return inChange(
    [db.campaigns, db.mailboxes],
    async () => {
      const mailbox = await db.mailboxes.orderBy('email').first();
      const record: CampaignRecord = {
        id: crypto.randomUUID(),
        name: trimmed,
        status: 'draft',
        archived: 0,
        mailboxId: mailbox?.id ?? null,
        timeZoneMode: 'sender',
        skipWeekends: false,
        taskTime: '09:00',
        steps: [],
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await db.campaigns.add(record);
      return {
        result: record,
        change: {
          name: 'campaign/create',
          args: record,
          feed: { kind: 'campaign.created', text: `Created campaign ${trimmed}`, campaignId: record.id },
        },
      };
    },
    at,
  );
}

async function mustGet(id: string): Promise<CampaignRecord> {
  const record = await useDb().campaigns.get(id);
  if (!record)
    throw new InputError([{ path: 'campaignId', message: `${show(id)} is not a campaign (was it deleted?)` }]);
  return record;
}

/** What a person edits in a campaign and `saveCampaign` writes: its settings and steps. */
export type CampaignDraft = Pick<
  CampaignRecord,
  | 'mailboxId'
  | 'timeZoneMode'
  | 'skipWeekends'
  | 'taskTime'
  | 'sendingWindow'
  | 'steps'
  | 'stopOnReply'
  | 'stopOtherCampaigns'
>;

/**
 * Saves a campaign's settings and steps as the editor holds them. Invalid states are
 * stored (they block launch, not editing: SPEC §8), except text no database can hold.
 * @throws InputError naming the field (`steps[1].body`) when a value holds a NUL
 *   character or a lone surrogate (core/storable.ts), or (`sendingWindow.tue[1]`) when the
 *   campaign's own sending window has a block ending before it starts or overlapping
 *   another (core/window.ts `windowProblems`), or (`steps[2].send.time`, `taskTime`) when a
 *   time of day is not 24-hour `HH:mm`; nothing is saved.
 * @param expectedVersion the version the editor loaded; a mismatch means another
 *   window saved in between, and is refused so nothing typed there is overwritten.
 */
/** The times of day in a campaign patch that are given but read as no `HH:mm` (00:00–23:59). */
function clockProblems(patch: Partial<CampaignDraft>): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const check = (path: string, time: string | undefined) => {
    if (time !== undefined && parseClockTime(time) === undefined)
      problems.push({ path, message: `${show(time)} is not a time of day (24-hour HH:mm, 00:00–23:59)` });
  };
  check('taskTime', patch.taskTime);
  patch.steps?.forEach((step, i) => step.type === 'email' && check(`steps[${i}].send.time`, step.send.time));
  return problems;
}

export async function saveCampaign(
  id: string,
  patch: Partial<CampaignDraft>,
  expectedVersion: number,
): Promise<CampaignRecord> {
  const db = useDb();
  const at = now();
  // A change of the campaign's own hours dates its planned sends again (R12), in the same transaction.
  const hours = 'sendingWindow' in patch;
  return inChange(
    hours ? [db.campaigns, db.enrollments, db.stepRuns, db.tasks, db.mailboxes] : [db.campaigns],
    async () => {
      // Text the team's database cannot hold (a NUL, half an emoji) would stop at sync: refuse it
      // here, naming the field (`steps[1].body`); the editor keeps what was typed and says why.
      const unstorable = storableProblems(patch);
      if (unstorable.length > 0) throw new InputError(unstorable);
      // A time of day that reads as none would plan a send at no time (as early as R8 allows):
      // refused, named (`steps[2].send.time`, `taskTime`). Left out is allowed (launch names it).
      const badTimes = clockProblems(patch);
      if (badTimes.length > 0) throw new InputError(badTimes);
      // R12: a window of its own must be one the resolver reads as typed (no overlap, start before end).
      if (patch.sendingWindow && patch.sendingWindow !== 'any') {
        const bad = windowProblems(patch.sendingWindow);
        if (bad.length > 0) throw new InputError(bad);
      }
      const current = await mustGet(id);
      if (current.version !== expectedVersion) {
        throw new VersionConflict(
          current.version,
          expectedVersion,
          `this campaign was changed in another window (version ${current.version}, this one had ${expectedVersion}); reload it`,
        );
      }
      const next: CampaignRecord = { ...current, ...patch, updatedAt: at, version: current.version + 1 };
      await db.campaigns.put(next);
      const replanned =
        hours && JSON.stringify(current.sendingWindow ?? null) !== JSON.stringify(next.sendingWindow ?? null)
          ? await replanScheduled({ campaignId: id }, at, { campaign: current })
          : 0;
      const again =
        replanned > 0 ? `; ${replanned} scheduled ${replanned === 1 ? 'email' : 'emails'} moved to its new hours` : '';
      return {
        result: next,
        change: {
          name: 'campaign/update',
          args: { id, patch, baseVersion: expectedVersion },
          feed: {
            kind: 'campaign.edited',
            text: `Edited campaign ${next.name}${again}`,
            campaignId: id,
            coalesceMs: EDIT_FEED_WINDOW_MS,
          },
        },
      };
    },
    at,
  );
}

/** Renames a campaign. @throws InputError at `name` when it is empty. */
export async function renameCampaign(id: string, name: string): Promise<void> {
  const db = useDb();
  const trimmed = checkName(name);
  await inChange([db.campaigns], async () => {
    const current = await mustGet(id);
    // A rename is not a content edit: `version` (what stale edits are checked against) stays.
    await db.campaigns.put({ ...current, name: trimmed, updatedAt: now() });
    return {
      result: undefined,
      change: {
        name: 'campaign/rename',
        args: { id, name: trimmed },
        feed: { kind: 'campaign.renamed', text: `Renamed campaign ${current.name} to ${trimmed}`, campaignId: id },
      },
    };
  });
}

/** Copies a campaign's settings and steps into a new draft named "<name> (copy)". */
export async function duplicateCampaign(id: string): Promise<CampaignRecord> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.campaigns],
    async () => {
      const source = await mustGet(id);
      const copy: CampaignRecord = {
        ...source,
        id: crypto.randomUUID(),
        name: `${source.name} (copy)`,
        status: 'draft',
        archived: 0,
        steps: structuredClone(source.steps) as Step[],
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await db.campaigns.add(copy);
      return {
        result: copy,
        change: {
          name: 'campaign/create',
          args: copy,
          feed: { kind: 'campaign.duplicated', text: `Duplicated ${source.name} as ${copy.name}`, campaignId: copy.id },
        },
      };
    },
    at,
  );
}

/** Archives (hides from the list) or restores a campaign. An archived campaign with people still active is refused. */
export async function setArchived(id: string, archived: boolean): Promise<void> {
  const db = useDb();
  await inChange([db.campaigns, db.enrollments], async () => {
    const current = await mustGet(id);
    if (archived) {
      const active = await db.enrollments.where('[campaignId+status]').anyOf([id, 'active'], [id, 'paused']).count();
      if (active > 0)
        throw new InputError([
          {
            path: 'archived',
            message: `${current.name} still has ${active} active ${active === 1 ? 'person' : 'people'}; pause or finish it first`,
          },
        ]);
    }
    await db.campaigns.put({ ...current, archived: archived ? 1 : 0, updatedAt: now() });
    return {
      result: undefined,
      change: {
        name: 'campaign/archive',
        args: { id, archived },
        feed: {
          kind: archived ? 'campaign.archived' : 'campaign.restored',
          text: `${archived ? 'Archived' : 'Restored'} campaign ${current.name}`,
          campaignId: id,
        },
      },
    };
  });
}
