import { InputError, show } from '../../../../core/errors';
import { inChange, now } from '../change';
import { useDb } from '../database';
import { displayName } from './contacts';
import type { EnrollmentRecord } from '../records';

/**
 * Pausing, resuming and removing people in a campaign. A paused enrollment keeps its next
 * step as it is and is not armed in the scheduler; resuming arms it again, and a send that
 * fell due meanwhile then follows SPEC R9 (within the grace period it goes, later it waits
 * in Overdue). Removing cancels what was pending: the scheduled email is recorded skipped,
 * an open task is skipped, and the Live Feed says so.
 */

async function peopleText(enrollments: readonly EnrollmentRecord[]): Promise<string> {
  if (enrollments.length !== 1) return `${enrollments.length} people`;
  const contact = await useDb().contacts.get(enrollments[0]!.contactId);
  return contact ? displayName(contact) : '1 person';
}

/**
 * Pauses the given enrollments (those active; others are left as they are).
 * @returns how many were paused.
 */
export function pauseEnrollments(ids: readonly string[]): Promise<number> {
  return setPaused(ids, true);
}

/**
 * Resumes the given paused enrollments. One paused by a 5xx refusal keeps needing attention
 * (the failed email must be retried or skipped there).
 * @returns how many were resumed.
 */
export function resumeEnrollments(ids: readonly string[]): Promise<number> {
  return setPaused(ids, false);
}

/** Pauses (by a person) or resumes the enrollments that are active or paused, in one change. */
async function setPaused(ids: readonly string[], paused: boolean): Promise<number> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.contacts],
    async () => {
      const found = (await db.enrollments.bulkGet([...ids])).filter(
        (e) => e?.status === (paused ? 'active' : 'paused'),
      ) as EnrollmentRecord[];
      for (const e of found)
        await db.enrollments.update(e.id, {
          status: paused ? 'paused' : 'active',
          pausedBy: paused ? 'person' : null,
          updatedAt: at,
        });
      const who = await peopleText(found);
      return {
        result: found.length,
        change: {
          name: paused ? 'enrollment/pause' : 'enrollment/resume',
          args: { ids: found.map((e) => e.id), at },
          feed: {
            kind: paused ? 'enrollment.paused' : 'enrollment.resumed',
            text: paused ? `Paused ${who}: nothing is sent until resumed` : `Resumed ${who}`,
            campaignId: found[0]?.campaignId,
            contactId: found.length === 1 ? found[0]!.contactId : undefined,
          },
        },
      };
    },
    at,
  );
}

/**
 * Removes people from their campaign: the enrollment ends (`removed`), the email it was
 * waiting to send is recorded skipped and an open task is skipped, in one transaction.
 * @returns how many pending emails and tasks were cancelled.
 */
export async function removeEnrollments(ids: readonly string[]): Promise<{ removed: number; cancelled: number }> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.contacts, db.campaigns, db.stepRuns, db.tasks],
    async () => {
      const found = (await db.enrollments.bulkGet([...ids])).filter(
        (e) => e && (e.status === 'active' || e.status === 'paused'),
      ) as EnrollmentRecord[];
      let cancelled = 0;
      for (const e of found) {
        const step = (await db.campaigns.get(e.campaignId))?.steps[e.nextStepIndex];
        if (step) {
          const runId = `${e.id}:${step.id}`;
          const run = await db.stepRuns.get(runId);
          const task = await db.tasks.get(runId);
          if (task?.status === 'open') {
            await db.tasks.update(runId, { status: 'skipped', completedAt: at });
            cancelled++;
          } else if (!run || run.state === 'scheduled' || run.state === 'blocked') {
            if (run)
              await db.stepRuns.update(runId, { state: 'skipped', reason: 'removed from the campaign', updatedAt: at });
            if (e.nextAction === 'send_email' || step.type !== 'email' || step.send.timing === 'task') cancelled++;
          }
        }
        await db.enrollments.update(e.id, { status: 'removed', hold: null, updatedAt: at });
      }
      const pending =
        cancelled === 0
          ? 'nothing was pending'
          : `${cancelled} pending ${cancelled === 1 ? 'step' : 'steps'} cancelled`;
      return {
        result: { removed: found.length, cancelled },
        change: {
          name: 'enrollment/remove',
          args: { ids: found.map((e) => e.id), at },
          feed: {
            kind: 'enrollment.removed',
            text: `Removed ${await peopleText(found)} from the campaign; ${pending}`,
            campaignId: found[0]?.campaignId,
            contactId: found.length === 1 ? found[0]!.contactId : undefined,
          },
        },
      };
    },
    at,
  );
}

/**
 * Pauses or resumes a whole campaign. Pausing pauses its active people (marked as paused by
 * the campaign); resuming resumes exactly those, so someone paused on their own stays paused.
 * @throws InputError when the campaign does not exist or is a draft.
 */
export async function setCampaignPaused(campaignId: string, paused: boolean): Promise<number> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.campaigns],
    async () => {
      const campaign = await db.campaigns.get(campaignId);
      if (!campaign || campaign.status === 'draft')
        throw new InputError([{ path: 'campaign', message: `${show(campaignId)} is not a launched campaign` }]);
      const people = await db.enrollments
        .where('[campaignId+status]')
        .equals([campaignId, paused ? 'active' : 'paused'])
        .filter((e) => paused || e.pausedBy === 'campaign')
        .toArray();
      for (const e of people)
        await db.enrollments.update(e.id, {
          status: paused ? 'paused' : 'active',
          pausedBy: paused ? 'campaign' : null,
          updatedAt: at,
        });
      await db.campaigns.update(campaignId, { status: paused ? 'paused' : 'active', updatedAt: at });
      return {
        result: people.length,
        change: {
          name: paused ? 'campaign/pause' : 'campaign/resume',
          args: { id: campaignId, at },
          feed: {
            kind: paused ? 'campaign.paused' : 'campaign.resumed',
            text: paused
              ? `Paused ${campaign.name}: ${people.length} ${people.length === 1 ? 'person waits' : 'people wait'}, nothing is sent`
              : `Resumed ${campaign.name} for ${people.length} ${people.length === 1 ? 'person' : 'people'}`,
            campaignId,
          },
        },
      };
    },
    at,
  );
}
