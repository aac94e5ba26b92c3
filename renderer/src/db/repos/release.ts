import { compileCampaign, resolveEnrollment, type StepDone } from '../../../../core/resolver';
import { ZoneClock } from '../../../../core/zones';
import { sendingRules } from '../../../../core/engine/rules';
import { now } from '../change';
import { useDb } from '../database';
import type { CampaignRecord, EnrollmentRecord, MailboxRecord, StepRunRecord, TaskRecord } from '../records';
import { toCoreCampaign } from './campaigns';

/**
 * Releases the step after the last done one (SPEC R8), with core's resolver over what really
 * happened; the enrollment finishes after its last step. Runs inside the caller's transaction.
 */
export async function releaseNext(enrollmentId: string): Promise<void> {
  const db = useDb();
  const enrollment = (await db.enrollments.get(enrollmentId))!;
  const campaign = (await db.campaigns.get(enrollment.campaignId))!;
  const ids = campaign.steps.map((step) => `${enrollment.id}:${step.id}`);
  const runs = await db.stepRuns.bulkGet(ids);
  const tasks = await db.tasks.bulkGet(ids);
  const mailbox = await db.mailboxes.get(enrollment.mailboxId);
  await db.enrollments.update(
    enrollment.id,
    releasePatch(
      enrollment,
      campaign,
      (i) => runs[i],
      (i) => tasks[i],
      now(),
      mailbox,
    ),
  );
}

/**
 * SPEC R8 as a pure step: given what really happened to each of the campaign's steps for
 * this enrollment (its step run and task, by step index), the enrollment's next step and
 * when it falls due, or `finished` after the last one. Core's resolver does the dating.
 * @returns the fields to write on the enrollment (UTC ms instants).
 */
export function releasePatch(
  enrollment: EnrollmentRecord,
  campaign: CampaignRecord,
  runAt: (index: number) => StepRunRecord | undefined,
  taskAt: (index: number) => TaskRecord | undefined,
  at: number,
  mailbox?: Pick<MailboxRecord, 'sendingWindow' | 'holidays'>,
): Partial<EnrollmentRecord> {
  const done: StepDone[] = [];
  for (const [index, step] of campaign.steps.entries()) {
    const run = runAt(index);
    const task = taskAt(index);
    // A task turned into a send from the app counts when that send is done, not before.
    if (run?.edited && run.state !== 'sent' && run.state !== 'skipped') break;
    if (run?.state === 'sent' && run.sentAt !== null)
      done.push({ type: 'sent', at: run.sentAt, manual: run.manual, outside: run.outside ?? false });
    else if (run?.state === 'skipped' || task?.status === 'skipped')
      done.push({ type: 'skipped', at: task?.completedAt ?? run!.updatedAt, manual: false, outside: false });
    else if (task?.status === 'done')
      done.push({
        type: step.type === 'email' ? 'sent' : 'completed',
        at: task.completedAt!,
        manual: true,
        outside: step.type === 'email',
      });
    else break;
  }
  const next = done.length;
  if (next >= campaign.steps.length) return { status: 'finished', hold: null, nextStepIndex: next, updatedAt: at };
  const planned = resolveEnrollment(
    compileCampaign(toCoreCampaign(campaign), sendingRules(mailbox)),
    ZoneClock.for(enrollment.zone),
    enrollment.launchedAt,
    enrollment.firstSendAt,
    done,
  );
  const step = planned[next]!;
  return {
    nextStepIndex: next,
    nextDueAt: step.dueAt,
    nextAction: step.action,
    hold: null,
    attempts: 0,
    updatedAt: at,
  };
}
