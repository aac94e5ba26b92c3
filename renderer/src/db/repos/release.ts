import { releaseNextStep } from '../../../../core/engine/release';
import { afterOutOfOffice } from '../../../../core/inbox/effects';
import { keepToCalendar } from '../../../../core/resolver';
import { ZoneClock } from '../../../../core/zones';
import { sendingRules } from '../../../../core/engine/rules';
import { DAY_MS } from '../../../../core/zones';
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
 * runs and tasks (by step index), with the campaign's own R12 window (else the mailbox's) and
 * the mailbox's R13 calendar; what they moved is kept in `nextMoved` for the Scheduled folder.
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
  /** UTC ms: when the next step is released, if later than the step before it was done (a resume: R8). */
  releasedAt?: number,
): Partial<EnrollmentRecord> {
  // R12/R13: the campaign's own window over the mailbox's, and the mailbox's holidays.
  const rules = sendingRules(mailbox, campaign);
  const release = releaseNextStep({
    campaign: toCoreCampaign(campaign),
    rules,
    zone: enrollment.zone,
    launchedAt: enrollment.launchedAt,
    firstSendAt: enrollment.firstSendAt,
    runAt,
    taskAt,
    releasedAt,
  });
  if (release.status === 'finished')
    return { status: 'finished', hold: null, nextStepIndex: release.nextStepIndex, updatedAt: at };
  // Out of office (SPEC R15): a step released while the person is away (the auto-reply came
  // while the email before it was on its way) waits for the day they resume, and that day
  // keeps to R13 and R12 too (a resume on a holiday or outside the hours moves on).
  const away = afterOutOfOffice(release.nextDueAt, enrollment.outOfOfficeUntil, enrollment.zone);
  const nextDueAt =
    away === release.nextDueAt
      ? away
      : keepToCalendar(away, release.nextAction, ZoneClock.for(enrollment.zone), {
          ...rules,
          skipWeekends: campaign.skipWeekends,
        }).dueAt;
  return {
    nextStepIndex: release.nextStepIndex,
    nextDueAt,
    nextAction: release.nextAction,
    // What R12/R13 moved, kept for the Scheduled folder's "moved … and why".
    nextMoved: release.moved
      ? {
          kind: release.moved,
          dueAt: release.nextDueAt,
          ...(release.holiday !== undefined && rules.holidays
            ? {
                holiday: {
                  date: new Date(release.holiday * DAY_MS).toISOString().slice(0, 10),
                  name: rules.holidays.nameOf(release.holiday) ?? 'a day off',
                },
              }
            : {}),
        }
      : null,
    hold: null,
    attempts: 0,
    updatedAt: at,
  };
}
