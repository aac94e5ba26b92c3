import { releaseNext } from './release';
import { inChange, now, type Change } from '../change';
import { useDb } from '../database';
import { formatWhen, isoInstant } from '../../format';
import { newStepRun } from '../records';
import { InputError, show } from '../../../../core/errors';

/**
 * "Send now" on overdue (R9, the person's decision) or scheduled sends: each becomes due at
 * once, and the engine sends it as soon as the scheduler hands it over; nothing else changes.
 * Enrollments paused, finished or waiting on a person for another reason are passed over.
 * @param onStep the step index (0-based) each enrollment was on when the person was asked
 *   (the early-send confirmation names one email): an enrollment that moved on since (that
 *   email went at its planned time meanwhile) is passed over, so the next step never goes early
 *   unasked. Without it, whatever step each is on now.
 * @returns how many are now due.
 */
export function sendOverdueNow(
  enrollmentIds: readonly string[],
  onStep?: ReadonlyMap<string, number>,
): Promise<number> {
  return moveDue(
    enrollmentIds,
    now(),
    (at) => ({ name: 'enrollment/send-now', args: { ids: enrollmentIds, at } }),
    onStep,
  );
}

/**
 * Makes the next step of each active enrollment (not waiting on a person, or overdue) due
 * at `at`, UTC ms, in one change.
 * @returns how many were moved.
 */
async function moveDue(
  enrollmentIds: readonly string[],
  at: number,
  change: (at: number, count: number) => Change,
  onStep?: ReadonlyMap<string, number>,
): Promise<number> {
  const db = useDb();
  const when = now();
  return inChange(
    [db.enrollments],
    async () => {
      let count = 0;
      for (const id of enrollmentIds) {
        const e = await db.enrollments.get(id);
        if (e?.status !== 'active' || (e.hold && e.hold !== 'overdue')) continue;
        if (onStep?.has(id) && onStep.get(id) !== e.nextStepIndex) continue;
        await db.enrollments.update(id, { hold: null, nextDueAt: at, updatedAt: when });
        count++;
      }
      return { result: count, change: change(at, count) };
    },
    when,
  );
}

type LetGo = (enrollmentIds: readonly string[]) => Promise<void>;
const nothingHeld: LetGo = async () => undefined;
let letGoHeld: LetGo = nothingHeld;

/**
 * Set by the engine while it runs: lets the sends of these enrollments that wait in the host
 * for their minimum-gap slot go unsent, resolving once they are recorded `scheduled` again, so
 * a Skip reaches them (DECISIONS 106). `db/` does not import the engine; the engine tells it.
 * @returns a function that unsets it.
 */
export function setLetGoHeld(letGo: LetGo): () => void {
  letGoHeld = letGo;
  return () => {
    if (letGoHeld === letGo) letGoHeld = nothingHeld;
  };
}

/**
 * Skips the email each enrollment is waiting on (scheduled, overdue, or needing attention):
 * its step run is recorded skipped and the next step is released (SPEC R8). One paused by a
 * 5xx refusal is resumed by skipping the email that was refused.
 */
export async function skipPendingSend(enrollmentIds: readonly string[]): Promise<void> {
  const db = useDb();
  // The step each person is on when Skip is handled, read before a held send is let go: if the
  // host sends that email meanwhile, the person has moved on and their next step is not skipped.
  const seen = new Map(
    (await db.enrollments.bulkGet([...enrollmentIds])).flatMap((e) => (e ? [[e.id, e.nextStepIndex] as const] : [])),
  );
  // One waiting in the host for its slot (R11) comes back unsent first; one truly on its way is left to its outcome.
  await letGoHeld(enrollmentIds);
  const at = now();
  await inChange(
    [db.enrollments, db.stepRuns, db.tasks, db.campaigns, db.mailboxes],
    async () => {
      for (const id of enrollmentIds) {
        const e = await db.enrollments.get(id);
        const campaign = e && (await db.campaigns.get(e.campaignId));
        const step = campaign?.steps[e!.nextStepIndex];
        if (!e || !step || e.hold === 'task' || (e.status !== 'active' && e.status !== 'paused')) continue;
        // It went meanwhile (the host had begun to send it): the next email is not what was skipped.
        if (seen.has(e.id) && seen.get(e.id) !== e.nextStepIndex) continue;
        const runId = `${e.id}:${step.id}`;
        const run = await db.stepRuns.get(runId);
        if (run?.state === 'sending') continue; // on its way right now: its outcome decides
        await db.stepRuns.put({
          ...(run ?? newStepRun({ id: runId, enrollmentId: e.id, stepId: step.id, dueAt: e.nextDueAt })),
          state: 'skipped',
          updatedAt: at,
        });
        // Paused by a 5xx refusal: skipping the refused email resumes the person. Paused by
        // a person (or the campaign): they stay paused, with the next step released.
        await db.enrollments.update(
          e.id,
          e.pausedBy === 'server' ? { hold: null, status: 'active', pausedBy: null } : { hold: null },
        );
        await releaseNext(e.id);
      }
      return {
        result: undefined,
        change: {
          name: 'enrollment/skip-send',
          args: { ids: enrollmentIds, at },
          feed: {
            kind: 'email.skipped',
            text: `Skipped ${enrollmentIds.length === 1 ? 'an email' : `${enrollmentIds.length} emails`}`,
          },
        },
      };
    },
    at,
  );
}

/**
 * Moves scheduled sends (or tasks not yet raised) to a new instant, UTC ms. Later steps
 * follow from when this one really happens (SPEC R8).
 * @throws InputError naming `at` when it is not in the future; nothing changes.
 * @returns how many were moved.
 */
export async function rescheduleSends(enrollmentIds: readonly string[], at: number): Promise<number> {
  if (!Number.isFinite(at) || at <= now())
    throw new InputError([{ path: 'at', message: `${show(isoInstant(at))} is not in the future` }]);
  return moveDue(enrollmentIds, at, (when, count) => ({
    name: 'enrollment/reschedule',
    args: { ids: enrollmentIds, at: when },
    feed: {
      kind: 'email.scheduled',
      text: `Rescheduled ${count === 1 ? 'a step' : `${count} steps`} to ${formatWhen(when)}`,
    },
  }));
}

/**
 * Tries a send again that needs attention (blocked after the person fixed the contact,
 * refused by the server, or of unknown outcome): it becomes due at once, keeping its
 * Message-ID, so a server that did receive the first copy can recognise the second.
 * A paused enrollment is resumed.
 * @returns how many were set to go again.
 */
export async function retrySends(enrollmentIds: readonly string[]): Promise<number> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.stepRuns, db.campaigns],
    async () => {
      let count = 0;
      for (const id of enrollmentIds) {
        const e = await db.enrollments.get(id);
        const step = e && (await db.campaigns.get(e.campaignId))?.steps[e.nextStepIndex];
        if (!e || !step || e.hold !== 'needs-attention') continue;
        const runId = `${e.id}:${step.id}`;
        const run = await db.stepRuns.get(runId);
        if (run && run.state !== 'sent')
          await db.stepRuns.update(runId, { state: 'scheduled', reason: undefined, updatedAt: at });
        await db.enrollments.update(id, {
          hold: null,
          status: 'active',
          pausedBy: null,
          attempts: 0,
          nextDueAt: at,
          updatedAt: at,
        });
        count++;
      }
      return {
        result: count,
        change: {
          name: 'enrollment/retry-send',
          args: { ids: enrollmentIds, at },
          feed: {
            kind: 'email.retried',
            text: `Trying again: ${count === 1 ? 'one email' : `${count} emails`} will go now`,
          },
        },
      };
    },
    at,
  );
}

/**
 * "It did go": a send of unknown outcome is recorded as sent at its claim time, and the
 * next step is released (SPEC R8); a follow-up threads onto its Message-ID.
 * @returns how many were recorded.
 */
export async function confirmUnknownSent(enrollmentIds: readonly string[]): Promise<number> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.stepRuns, db.campaigns, db.tasks, db.mailboxes],
    async () => {
      let count = 0;
      for (const id of enrollmentIds) {
        const e = await db.enrollments.get(id);
        const step = e && (await db.campaigns.get(e.campaignId))?.steps[e.nextStepIndex];
        const run = step && (await db.stepRuns.get(`${e!.id}:${step.id}`));
        if (!e || !run || run.state !== 'unknown') continue;
        await db.stepRuns.update(run.id, {
          state: 'sent',
          sentAt: run.updatedAt,
          reason: 'confirmed sent by a person',
          updatedAt: at,
        });
        await db.enrollments.update(id, { hold: null });
        await releaseNext(id);
        count++;
      }
      return {
        result: count,
        change: {
          name: 'step-run/confirm-sent',
          args: { ids: enrollmentIds, at },
          feed: {
            kind: 'email.sent',
            text: `Recorded as sent: ${count === 1 ? 'one email' : `${count} emails`} of unknown outcome`,
          },
        },
      };
    },
    at,
  );
}
