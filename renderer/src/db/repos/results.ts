import Papa from 'papaparse';
import {
  activityRows,
  HUBSPOT_COLUMNS,
  SALESFORCE_COLUMNS,
  type Activity,
  type CrmLayout,
} from '../../../../core/activity-export';
import { InputError, show } from '../../../../core/errors';
import {
  enrollmentCounters,
  localSlot,
  taskCounters,
  type Counters,
  type FunnelKey,
  type RunFacts,
} from '../../../../core/results';
import { useDb } from '../database';
import { campaignCountersMany } from '../results';
import type {
  CampaignRecord,
  ContactRecord,
  EnrollmentRecord,
  MailboxRecord,
  StepRunRecord,
  TaskRecord,
} from '../records';
import { displayName } from './contacts';

/**
 * What the results screen reads (issue 12). The first paint reads one kept row per campaign
 * (`campaignResults`) and a few indexed counts; the people behind a number, the next 14 days
 * and the CSV export read rows, only when asked.
 */

const DAY_MS = 86_400_000;

/**
 * Builds the kept counters of the campaigns that have none yet (a one-time count from their
 * rows; see db/results.ts). Call before a live query reads `campaignResults`: a live query may
 * not write.
 */
export async function ensureCounters(campaignIds: readonly string[]): Promise<void> {
  await campaignCountersMany(useDb(), campaignIds);
}

/** The first paint: a campaign, its mailbox, its kept counters and each step's overdue tasks at `now` (UTC ms); null when there is no such campaign. */
export async function resultsFirstPaint(
  campaignId: string,
  now: number,
): Promise<{
  campaign: CampaignRecord;
  mailbox: MailboxRecord | undefined;
  counters: Counters;
  overdue: Record<string, number>;
} | null> {
  const db = useDb();
  const campaign = await db.campaigns.get(campaignId);
  if (!campaign) return null;
  const [mailbox, kept, overdueCounts] = await Promise.all([
    campaign.mailboxId ? db.mailboxes.get(campaign.mailboxId) : undefined,
    db.campaignResults.get(campaignId),
    Promise.all(
      campaign.steps.map((step) =>
        db.tasks
          .where('[campaignId+stepId+status+dueAt]')
          .between([campaignId, step.id, 'open', -Infinity], [campaignId, step.id, 'open', now], true, false)
          .count(),
      ),
    ),
  ]);
  const overdue: Record<string, number> = {};
  campaign.steps.forEach((step, i) => (overdue[step.id] = overdueCounts[i]!));
  return { campaign, mailbox, counters: kept?.counters ?? {}, overdue };
}

/**
 * Every enrollment of a campaign, soonest `nextDueAt` first (ties by id): the campaign's slice of
 * the `[campaignId+status+nextDueAt]` index (v7; statuses are words, between '' and '\uffff'),
 * in the order the `[campaignId+nextDueAt]` index of v6 gave them.
 */
async function campaignEnrollments(campaignId: string): Promise<EnrollmentRecord[]> {
  const rows = await useDb()
    .enrollments.where('[campaignId+status+nextDueAt]')
    .between([campaignId, ''], [campaignId, '\uffff'])
    .toArray();
  return rows.sort((a, b) => a.nextDueAt - b.nextDueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One person behind a number on the results screen. */
export interface PersonRow {
  enrollmentId: string;
  contactId: string;
  name: string;
  email: string;
  status: EnrollmentRecord['status'];
}

/**
 * The people behind one number of a step's funnel: the same counters the number sums
 * (core/results.ts), so the list is exactly as long as the number. `overdue` is open tasks due
 * before `now` (UTC ms). Sorted by name.
 * @throws InputError naming `stepId` when the campaign has no such step.
 */
export async function peopleBehind(
  campaignId: string,
  stepId: string,
  key: FunnelKey,
  now: number,
): Promise<PersonRow[]> {
  const db = useDb();
  const campaign = await db.campaigns.get(campaignId);
  if (!campaign?.steps.some((s) => s.id === stepId))
    throw new InputError([{ path: 'stepId', message: `${show(stepId)} is not a step of this campaign` }]);
  const enrollments = await campaignEnrollments(campaignId);
  const ids = enrollments.flatMap((e) => campaign.steps.map((s) => `${e.id}:${s.id}`));
  const [runs, tasks] = await Promise.all([
    db.stepRuns.bulkGet(ids),
    db.tasks.bulkGet(enrollments.map((e) => `${e.id}:${stepId}`)),
  ]);
  const wanted = `step:${stepId}:${key}`;
  const chosen: EnrollmentRecord[] = [];
  enrollments.forEach((e, i) => {
    const task = tasks[i];
    const mine = runs.slice(i * campaign.steps.length, (i + 1) * campaign.steps.length) as (RunFacts | undefined)[];
    const hit =
      key === 'overdue'
        ? task?.status === 'open' && task.dueAt < now
        : enrollmentCounters(e, mine).includes(wanted) || (task ? taskCounters(task).includes(wanted) : false);
    if (hit) chosen.push(e);
  });
  const contacts = new Map(
    (await db.contacts.bulkGet(chosen.map((e) => e.contactId)))
      .filter((c): c is ContactRecord => !!c)
      .map((c) => [c.id, c]),
  );
  return chosen
    .map((e) => {
      const c = contacts.get(e.contactId);
      return {
        enrollmentId: e.id,
        contactId: e.contactId,
        name: c ? displayName(c) : 'A deleted contact',
        email: c?.email ?? '',
        status: e.status,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One day of the next 14 in the mailbox's zone: emails that will go out and tasks that fall due. */
export interface CalendarDay {
  /** `YYYY-MM-DD` in the mailbox's zone. */
  date: string;
  emails: number;
  tasks: number;
}

/**
 * The next 14 days from `now` (UTC ms; today first) in the mailbox's zone: each active,
 * unheld enrollment's next step (an email, or a task it will create) on the day of its
 * instant, and open tasks on the day they fall due. Only the next step of each person is
 * planned (SPEC R8 releases one at a time), so later steps of the same person do not show yet.
 */
export async function nextFourteenDays(campaignId: string, now: number, zone: string): Promise<CalendarDay[]> {
  const db = useDb();
  const campaign = await db.campaigns.get(campaignId);
  const today = localSlot(now, zone).date;
  const start = Date.parse(`${today}T00:00:00Z`);
  const days: CalendarDay[] = Array.from({ length: 14 }, (_, i) => ({
    date: new Date(start + i * DAY_MS).toISOString().slice(0, 10),
    emails: 0,
    tasks: 0,
  }));
  const index = new Map(days.map((d, i) => [d.date, i]));
  // 15 UTC days cover 14 local ones in any zone.
  const until = now + 15 * DAY_MS;
  const [due, open] = await Promise.all([
    db.enrollments
      .where('[campaignId+status+nextDueAt]')
      .between([campaignId, 'active', now - DAY_MS], [campaignId, 'active', until])
      .filter((e) => !e.hold)
      .toArray(),
    Promise.all(
      (campaign?.steps ?? []).map((step) =>
        db.tasks
          .where('[campaignId+stepId+status+dueAt]')
          .between([campaignId, step.id, 'open', now - DAY_MS], [campaignId, step.id, 'open', until])
          .toArray(),
      ),
    ),
  ]);
  for (const e of due) {
    const i = index.get(localSlot(e.nextDueAt, zone).date);
    if (i === undefined || e.nextDueAt < now) continue;
    if (e.nextAction === 'send_email') days[i]!.emails++;
    else days[i]!.tasks++;
  }
  for (const task of open.flat()) {
    const i = index.get(localSlot(task.dueAt, zone).date);
    if (i !== undefined) days[i]!.tasks++;
  }
  return days;
}

/**
 * A campaign's activity as a CSV file for a CRM's importer (core/activity-export.ts): every
 * email sent and every task done or skipped, oldest first, written by papaparse (RFC 4180:
 * CRLF line ends, fields with commas, quotes or line breaks quoted).
 * @returns the file's name and text. @throws InputError naming `layout` or `campaignId`.
 */
export async function exportActivity(campaignId: string, layout: CrmLayout): Promise<{ name: string; text: string }> {
  if (layout !== 'salesforce' && layout !== 'hubspot')
    throw new InputError([{ path: 'layout', message: `${show(layout)} is not salesforce or hubspot` }]);
  const db = useDb();
  const campaign = await db.campaigns.get(campaignId);
  if (!campaign) throw new InputError([{ path: 'campaignId', message: `${show(campaignId)} is not a campaign` }]);
  const enrollments = await campaignEnrollments(campaignId);
  const ids = enrollments.flatMap((e) => campaign.steps.map((s) => `${e.id}:${s.id}`));
  const [runs, tasks, contacts] = await Promise.all([
    db.stepRuns.bulkGet(ids),
    db.tasks.bulkGet(ids),
    db.contacts.bulkGet(enrollments.map((e) => e.contactId)),
  ]);
  const people = new Map(contacts.filter((c): c is ContactRecord => !!c).map((c) => [c.id, c]));
  const byEnrollment = new Map(enrollments.map((e) => [e.id, e]));
  const activities: Activity[] = [];
  const add = (run: StepRunRecord | undefined, task: TaskRecord | undefined) => {
    const e = byEnrollment.get(run?.enrollmentId ?? task?.enrollmentId ?? '');
    const person = e && people.get(e.contactId);
    const base = {
      email: person?.email ?? '',
      firstName: person?.firstName ?? '',
      lastName: person?.lastName ?? '',
      campaign: campaign.name,
    };
    if (run?.state === 'sent' && run.sentAt !== null)
      activities.push({
        ...base,
        kind: 'email',
        outcome: 'sent',
        at: run.sentAt,
        subject: run.subject,
        body: run.text,
      });
    else if (task && task.status !== 'open' && task.completedAt !== null)
      activities.push({
        ...base,
        kind: task.kind,
        outcome: task.status,
        at: task.completedAt,
        subject: task.title,
        body: task.notes,
      });
  };
  ids.forEach((_, i) => add(runs[i], tasks[i]));
  const columns = layout === 'salesforce' ? SALESFORCE_COLUMNS : HUBSPOT_COLUMNS;
  const text = Papa.unparse({
    fields: [...columns],
    data: activityRows(layout, activities).map((r) => columns.map((c) => r[c] ?? '')),
  });
  const slug = campaign.name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'campaign';
  return { name: `${slug}-${layout === 'salesforce' ? 'salesforce-tasks' : 'hubspot-emails'}.csv`, text };
}
