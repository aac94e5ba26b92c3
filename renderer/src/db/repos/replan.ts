import { inChange, now } from '../change';
import { useDb } from '../database';
import { readDeviceId } from '../device';
import type { CampaignRecord, EnrollmentRecord, MailboxRecord } from '../records';
import { releasePatch } from './release';

/**
 * SPEC R12/R13 after a change of sending hours or days off: a window or calendar "applies to
 * sends not yet claimed", so each ongoing enrollment of the mailbox (or of the campaign)
 * whose next step is still only planned gets that step dated again by core's resolver (R8
 * over what really happened, then the new R13 and R12), never earlier than `at`. Left alone:
 * an enrollment on hold (Overdue, Needs attention), waiting to retry, paused, already due
 * (R9 judges it), launched on another device (that device sends it), one whose due instant a
 * person or a pause set (it is not what the old hours gave: rescheduled, resumed, out of
 * office), or whose next step is already claimed, sent or a task already raised. Runs
 * inside the caller's read-write transaction over enrollments, step runs, tasks, campaigns
 * and mailboxes, after the new hours are written.
 * @param scope the mailbox whose hours changed, or the campaign whose own hours changed
 * @param at the change's instant (UTC ms)
 * @param before the mailbox or the campaign as it was before the change (its old hours)
 * @returns how many enrollments got a new due instant
 */
export async function replanScheduled(
  scope: { mailboxId: string } | { campaignId: string },
  at: number,
  before: { mailbox?: MailboxRecord | undefined; campaign?: CampaignRecord | undefined },
): Promise<number> {
  const db = useDb();
  const device = await readDeviceId(db);
  const ongoing = (
    'mailboxId' in scope
      ? await db.enrollments.where('[status+nextDueAt]').between(['active', -Infinity], ['active', Infinity]).toArray()
      : await db.enrollments.where('[campaignId+status]').equals([scope.campaignId, 'active']).toArray()
  ).filter((e) => ('mailboxId' in scope ? e.mailboxId === scope.mailboxId : true));
  let replanned = 0;
  for (const enrollment of ongoing) {
    if (enrollment.deviceId !== device || enrollment.nextDueAt <= at) continue;
    if (!(await planned(enrollment))) continue;
    const campaign = await db.campaigns.get(enrollment.campaignId);
    if (!campaign) continue;
    const ids = campaign.steps.map((step) => `${enrollment.id}:${step.id}`);
    const runs = await db.stepRuns.bulkGet(ids);
    const tasks = await db.tasks.bulkGet(ids);
    const mailbox = await db.mailboxes.get(enrollment.mailboxId);
    // Only a due instant the old hours gave is theirs to change; one a person picked stays.
    const old = releasePatch(
      enrollment,
      before.campaign ?? campaign,
      (i) => runs[i],
      (i) => tasks[i],
      at,
      before.mailbox ?? mailbox,
    );
    if (old.nextDueAt !== enrollment.nextDueAt) continue;
    const patch = releasePatch(
      enrollment,
      campaign,
      (i) => runs[i],
      (i) => tasks[i],
      at,
      mailbox,
      at,
    );
    if (patch.status === 'finished' || patch.nextStepIndex !== enrollment.nextStepIndex) continue;
    if (patch.nextDueAt === enrollment.nextDueAt) continue;
    await db.enrollments.update(enrollment.id, {
      nextDueAt: patch.nextDueAt!,
      nextAction: patch.nextAction!,
      nextMoved: patch.nextMoved ?? null,
      updatedAt: at,
    });
    replanned++;
  }
  return replanned;
}

/** Whether the enrollment's next step is only planned: no hold, no retry pending, nothing claimed or raised for it. */
async function planned(e: EnrollmentRecord): Promise<boolean> {
  if (e.status !== 'active' || e.hold || (e.attempts ?? 0) > 0) return false;
  const db = useDb();
  const campaign = await db.campaigns.get(e.campaignId);
  const step = campaign?.steps[e.nextStepIndex];
  if (!step) return false;
  const id = `${e.id}:${step.id}`;
  const run = await db.stepRuns.get(id);
  if (run && run.state !== 'scheduled') return false;
  return !(await db.tasks.get(id));
}

/** Whether a mailbox's sending hours or days off differ between two versions of it. */
export function mailboxHoursChanged(before: MailboxRecord, after: MailboxRecord): boolean {
  return (
    JSON.stringify(before.sendingWindow ?? null) !== JSON.stringify(after.sendingWindow ?? null) ||
    JSON.stringify(before.holidays ?? null) !== JSON.stringify(after.holidays ?? null)
  );
}

/**
 * SPEC R12/R13 when the new hours come from another device (a sync pull wrote a mailbox's
 * sending hours or days off, or a campaign's own hours): this device's scheduled sends of that
 * mailbox or campaign are dated again, as when the hours are saved here ({@link replanScheduled};
 * only this device's enrollments, never earlier than now), in one change with a Live Feed row
 * naming how many moved. Nothing is written when the hours did not change or nothing moved.
 * @param before the rows as they were before the pull wrote them (absent: new, nothing to move)
 * @returns how many enrollments got a new due instant
 */
export async function replanAfterPull(before: {
  mailboxes: MailboxRecord[];
  campaigns: CampaignRecord[];
}): Promise<number> {
  const db = useDb();
  const mailboxes = (await db.mailboxes.bulkGet(before.mailboxes.map((m) => m.id))).flatMap((now, i) =>
    now && mailboxHoursChanged(before.mailboxes[i]!, now) ? [before.mailboxes[i]!] : [],
  );
  const campaigns = (await db.campaigns.bulkGet(before.campaigns.map((c) => c.id))).flatMap((now, i) =>
    now && JSON.stringify(before.campaigns[i]!.sendingWindow ?? null) !== JSON.stringify(now.sendingWindow ?? null)
      ? [before.campaigns[i]!]
      : [],
  );
  if (mailboxes.length === 0 && campaigns.length === 0) return 0;
  const at = now();
  return inChange(
    [db.enrollments, db.stepRuns, db.tasks, db.campaigns, db.mailboxes],
    async () => {
      let moved = 0;
      for (const mailbox of mailboxes) moved += await replanScheduled({ mailboxId: mailbox.id }, at, { mailbox });
      for (const campaign of campaigns) moved += await replanScheduled({ campaignId: campaign.id }, at, { campaign });
      const names = [...mailboxes.map((m) => m.email), ...campaigns.map((c) => c.name)].join(', ');
      return {
        result: moved,
        change: {
          name: 'enrollment/replan',
          args: { mailboxIds: mailboxes.map((m) => m.id), campaignIds: campaigns.map((c) => c.id), at },
          ...(moved > 0
            ? {
                feed: {
                  kind: 'mailbox.saved',
                  text: `Sending hours changed on another device (${names}): ${moved} scheduled ${moved === 1 ? 'email' : 'emails'} moved for the new hours or days off`,
                },
              }
            : {}),
        },
      };
    },
    at,
  );
}
