import { releaseNext } from '../../engine/engine';
import { inChange, now } from '../change';
import { useDb } from '../database';
import { newStepRun } from '../records';

/**
 * R9, the person's decision on overdue sends: "Send now" makes each due at once (the
 * engine sends it as soon as the scheduler hands it over); nothing else changes.
 * @returns how many were still overdue and are now due.
 */
export async function sendOverdueNow(enrollmentIds: readonly string[]): Promise<number> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments],
    async () => {
      let count = 0;
      for (const id of enrollmentIds) {
        const e = await db.enrollments.get(id);
        if (e?.hold !== 'overdue') continue;
        await db.enrollments.update(id, { hold: null, nextDueAt: at, updatedAt: at });
        count++;
      }
      return { result: count, change: { name: 'enrollment/send-now', args: { ids: enrollmentIds, at } } };
    },
    at,
  );
}

/**
 * Skips the email each enrollment is waiting on (overdue, or needing attention): its step
 * run is recorded skipped and the next step is released (SPEC R8).
 */
export async function skipPendingSend(enrollmentIds: readonly string[]): Promise<void> {
  const db = useDb();
  const at = now();
  await inChange(
    [db.enrollments, db.stepRuns, db.tasks, db.campaigns],
    async () => {
      for (const id of enrollmentIds) {
        const e = await db.enrollments.get(id);
        const campaign = e && (await db.campaigns.get(e.campaignId));
        const step = campaign?.steps[e!.nextStepIndex];
        if (!e || !step || (e.hold !== 'overdue' && e.hold !== 'needs-attention')) continue;
        const runId = `${e.id}:${step.id}`;
        const run = await db.stepRuns.get(runId);
        await db.stepRuns.put({
          ...(run ?? newStepRun({ id: runId, enrollmentId: e.id, stepId: step.id, dueAt: e.nextDueAt })),
          state: 'skipped',
          updatedAt: at,
        });
        // A paused enrollment (5xx) is resumed by skipping the step that failed.
        await db.enrollments.update(e.id, { hold: null, status: 'active', pausedBy: null });
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
