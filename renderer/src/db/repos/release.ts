import { releaseNextStep } from '../../../../core/engine/release';
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
 * SPEC R8 for one enrollment, as the fields to write: core's `releaseNextStep` over its step
 * runs and tasks (by step index), with the mailbox's R12 window and R13 calendar.
 * @returns the fields to write on the enrollment (UTC ms instants); `at` is the write's instant.
 * @throws InputError when the campaign, as it now stands, cannot be planned.
 */
export function releasePatch(
  enrollment: EnrollmentRecord,
  campaign: CampaignRecord,
  runAt: (index: number) => StepRunRecord | undefined,
  taskAt: (index: number) => TaskRecord | undefined,
  at: number,
  mailbox?: Pick<MailboxRecord, 'sendingWindow' | 'holidays'>,
): Partial<EnrollmentRecord> {
  const release = releaseNextStep({
    campaign: toCoreCampaign(campaign),
    rules: sendingRules(mailbox),
    zone: enrollment.zone,
    launchedAt: enrollment.launchedAt,
    firstSendAt: enrollment.firstSendAt,
    runAt,
    taskAt,
  });
  if (release.status === 'finished')
    return { status: 'finished', hold: null, nextStepIndex: release.nextStepIndex, updatedAt: at };
  return {
    nextStepIndex: release.nextStepIndex,
    nextDueAt: release.nextDueAt,
    nextAction: release.nextAction,
    hold: null,
    attempts: 0,
    updatedAt: at,
  };
}
