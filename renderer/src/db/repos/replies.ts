import { formatWhen } from '../../../../core/when';
import { InputError, show } from '../../../../core/errors';
import type { InboxKind } from '../../../../core/inbox';
import { releasePatch } from './release';
import { inChange, now } from '../change';
import { useDb } from '../database';
import type {
  CampaignRecord,
  ContactRecord,
  EnrollmentRecord,
  InboxMessageRecord,
  MailboxRecord,
  StepRunRecord,
  TaskRecord,
} from '../records';
import { displayName } from './contacts';
import { cancelWaitingStep, REPLIED_WORDS } from './inbox';

/**
 * What the inbox heard, as the screens show it (SPEC §11): the Command Center's Replies
 * folder, Resume for a person who replied, and one person's conversation (what was sent and
 * what came back). Reads go through indexes (`inboxMessages [kind+at]` and `*contactIds`,
 * `stepRuns [enrollmentId+stepId]`), never a whole table.
 */

/** One reply in the Replies folder. Instants are UTC ms. */
export interface ReplyRow {
  /** The inbox message's id (`<mailboxId>:<uidValidity>:<uid>`). */
  id: string;
  at: number;
  /** What they wrote, quote and signature removed, as stored; '' when nothing was left. */
  text: string;
  subject: string;
  from: string | null;
  contact?: ContactRecord;
  /** The enrollment it answered (the first it matched). */
  enrollment?: EnrollmentRecord;
  campaign?: CampaignRecord;
  /** The email it answered: the step run it named, else the last email sent before it arrived. */
  answered?: { stepIndex: number; subject: string };
  /** The mailbox's zone, for times. */
  zone?: string;
}

/** How many replies the folder may show at most at first; "Show more" asks for more. */
export const REPLIES_PAGE = 50;

/**
 * The newest `limit` replies that matched someone (R14), newest first, each with its person,
 * enrollment, campaign and the step it answered. A reply from nobody we mailed is not here.
 * @returns the rows and `more`: true when older ones are left.
 */
export async function listReplies(limit = REPLIES_PAGE): Promise<{ rows: ReplyRow[]; more: boolean }> {
  const db = useDb();
  const messages = await db.inboxMessages
    .where('[kind+at]')
    .between(['reply', -Infinity], ['reply', Infinity])
    .reverse()
    .filter((m) => m.enrollmentIds.length > 0)
    .limit(limit + 1)
    .toArray();
  const page = messages.slice(0, limit);
  const enrollments = await byId(
    db.enrollments,
    page.map((m) => m.enrollmentIds[0]!),
  );
  const contacts = await byId(
    db.contacts,
    page.map((m) => m.contactIds[0] ?? ''),
  );
  const campaigns = await byId(
    db.campaigns,
    [...enrollments.values()].map((e) => e.campaignId),
  );
  const mailboxes = await byId(
    db.mailboxes,
    page.map((m) => m.mailboxId),
  );
  const rows: ReplyRow[] = [];
  for (const m of page) {
    const enrollment = enrollments.get(m.enrollmentIds[0]!);
    const campaign = enrollment && campaigns.get(enrollment.campaignId);
    rows.push({
      id: m.id,
      at: m.at,
      text: m.text ?? '',
      subject: m.subject,
      from: m.from,
      contact: contacts.get(m.contactIds[0] ?? ''),
      enrollment,
      campaign,
      answered: enrollment && campaign ? await answeredStep(m, enrollment, campaign) : undefined,
      zone: mailboxes.get(m.mailboxId)?.timeZone,
    });
  }
  return { rows, more: messages.length > limit };
}

/** How many replies matched someone (the folder's count). */
export function countReplies(): Promise<number> {
  return useDb()
    .inboxMessages.where('[kind+at]')
    .between(['reply', -Infinity], ['reply', Infinity])
    .filter((m) => m.enrollmentIds.length > 0)
    .count();
}

async function answeredStep(
  message: InboxMessageRecord,
  enrollment: EnrollmentRecord,
  campaign: CampaignRecord,
): Promise<ReplyRow['answered']> {
  const runs = await sentRuns(enrollment.id);
  const named = runs.find((r) => message.stepRunIds?.includes(r.id));
  const run = named ?? runs.filter((r) => (r.sentAt ?? 0) <= message.at).pop() ?? runs[runs.length - 1];
  if (!run) return undefined;
  const stepIndex = campaign.steps.findIndex((s) => s.id === run.stepId);
  return stepIndex < 0 ? undefined : { stepIndex, subject: run.subject };
}

/** The enrollment's sent emails, oldest first. */
async function sentRuns(enrollmentId: string): Promise<StepRunRecord[]> {
  const runs = await useDb()
    .stepRuns.where('[enrollmentId+stepId]')
    .between([enrollmentId, ''], [enrollmentId, '\uffff'])
    .filter((r) => r.state === 'sent')
    .toArray();
  return runs.sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
}

async function byId<T extends { id: string }>(
  table: { bulkGet(keys: string[]): Promise<(T | undefined)[]> },
  ids: readonly string[],
): Promise<Map<string, T>> {
  const unique = [...new Set(ids.filter((id) => id !== ''))];
  return new Map((await table.bulkGet(unique)).filter((r): r is T => !!r).map((r) => [r.id, r]));
}

/** What Resume did to one enrollment. */
export interface Resumed {
  enrollmentId: string;
  /** `active` with its next step released, or `finished` when they replied after the last step. */
  status: 'active' | 'finished';
  /** The next step's due instant, UTC ms (when active). */
  nextDueAt?: number;
}

/**
 * Resume for a person who replied (SPEC R15 "Resume is one click"): each enrollment stopped as
 * `replied` goes back to `active` and its next step is released now by R8 (core's resolver): due
 * at the later of its own instant and this moment, moved into the sending window (R12) and off
 * holidays (R13) like any release. The step it was waiting on when the reply came (skipped by
 * the stop) is waiting again; a task the stop skipped is raised again when it falls due.
 * Enrollments in any other status are left as they are. One change: the enrollments, the step
 * runs and tasks, a Live Feed row and the outbox row.
 * @returns what was resumed, in the order given.
 * @throws InputError (`ids`) when none of the ids is a replied enrollment; nothing changes.
 */
export async function resumeReplied(ids: readonly string[]): Promise<Resumed[]> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.contacts, db.campaigns, db.mailboxes, db.stepRuns, db.tasks],
    async () => {
      const found = (await db.enrollments.bulkGet([...ids])).filter(
        (e): e is EnrollmentRecord => e?.status === 'replied',
      );
      if (found.length === 0)
        throw new InputError([{ path: 'ids', message: `${show(ids)} names no one who replied and is stopped` }]);
      const done: Resumed[] = [];
      const words: string[] = [];
      for (const e of found) {
        const campaign = (await db.campaigns.get(e.campaignId))!;
        const stepIds = campaign.steps.map((step) => `${e.id}:${step.id}`);
        const runs = await db.stepRuns.bulkGet(stepIds);
        const tasks = await db.tasks.bulkGet(stepIds);
        // What the stop cancelled waits again: the email it skipped, the task it skipped.
        const waiting = stepIds[e.nextStepIndex];
        const run = runs[e.nextStepIndex];
        const task = tasks[e.nextStepIndex];
        if (waiting && run?.state === 'skipped' && run.reason === REPLIED_WORDS) {
          await db.stepRuns.delete(waiting);
          runs[e.nextStepIndex] = undefined;
        }
        if (waiting && task?.status === 'skipped' && stoppedTask(task, e)) {
          await db.tasks.delete(waiting);
          tasks[e.nextStepIndex] = undefined;
        }
        const mailbox = await db.mailboxes.get(e.mailboxId);
        const patch = releasePatch(
          e,
          campaign,
          (i) => runs[i],
          (i) => tasks[i],
          at,
          mailbox,
          at,
        );
        const status = patch.status === 'finished' ? 'finished' : 'active';
        await db.enrollments.update(e.id, { ...patch, status, pausedBy: null, hold: null, updatedAt: at });
        done.push({ enrollmentId: e.id, status, ...(status === 'active' ? { nextDueAt: patch.nextDueAt } : {}) });
        words.push(resumeWords(campaign, patch, mailbox));
      }
      const contact = found.length === 1 ? await db.contacts.get(found[0]!.contactId) : undefined;
      const who = contact ? displayName(contact) : `${found.length} people`;
      return {
        result: done,
        change: {
          name: 'enrollment/resume-replied',
          args: { ids: found.map((e) => e.id), at },
          feed: {
            kind: 'enrollment.resumed',
            text: `Resumed ${who} after their reply: ${words.join('; ')}`,
            campaignId: found[0]!.campaignId,
            contactId: found.length === 1 ? found[0]!.contactId : undefined,
          },
        },
      };
    },
    at,
  );
}

/** A skipped task is the stop's (not a person's): marked so, or (older rows) skipped the moment the enrollment stopped. */
function stoppedTask(task: TaskRecord, e: EnrollmentRecord): boolean {
  return task.cancelledBy === 'replied' || (task.cancelledBy === undefined && task.completedAt === e.updatedAt);
}

function resumeWords(
  campaign: CampaignRecord,
  patch: Partial<EnrollmentRecord>,
  mailbox: MailboxRecord | undefined,
): string {
  if (patch.status === 'finished') return `${campaign.name} had no step left, so nothing more is sent`;
  const index = patch.nextStepIndex ?? 0;
  const step = campaign.steps[index];
  const what = step?.type === 'email' ? (step.send.timing === 'task' ? 'email task' : 'email') : 'task';
  return `${campaign.name} goes on with step ${index + 1} (${what}), ${formatWhen(patch.nextDueAt ?? 0, mailbox?.timeZone ?? 'UTC')}`;
}

/**
 * Undoes {@link resumeReplied} (the toast's Undo): each enrollment that is `active` again stops
 * as `replied` once more and the step it waits on is cancelled as the reply's stop did. An email
 * that already went in between stays sent.
 * @returns how many were stopped again.
 */
export async function stopReplied(ids: readonly string[]): Promise<number> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.enrollments, db.contacts, db.campaigns, db.stepRuns, db.tasks],
    async () => {
      const found = (await db.enrollments.bulkGet([...ids])).filter(
        (e): e is EnrollmentRecord => e?.status === 'active',
      );
      for (const e of found) {
        await cancelWaitingStep(e, 'replied', at);
        await db.enrollments.update(e.id, { status: 'replied', hold: null, pausedBy: null, updatedAt: at });
      }
      const contact = found.length === 1 ? await db.contacts.get(found[0]!.contactId) : undefined;
      return {
        result: found.length,
        change: {
          name: 'enrollment/stop-replied',
          args: { ids: found.map((e) => e.id), at },
          feed: {
            kind: 'enrollment.paused',
            text: `Stopped ${contact ? displayName(contact) : `${found.length} people`} again: they replied, nothing more is sent`,
            campaignId: found[0]?.campaignId,
            contactId: found.length === 1 ? found[0]!.contactId : undefined,
          },
        },
      };
    },
    at,
  );
}

/** One thing in a person's conversation, oldest first. Instants are UTC ms. */
export type ConversationItem =
  | {
      type: 'sent';
      id: string;
      at: number;
      subject: string;
      /** The HTML as it went (sanitise before showing), and the text part. */
      html: string;
      text: string;
      campaignName: string;
      stepIndex: number;
      /** Sent by the salesperson outside the app (marked as sent): no copy of the words. */
      outside: boolean;
      /** A temporary bounce or delay noted on it. */
      deliveryProblem?: string;
      zone?: string;
    }
  | {
      type: 'received';
      id: string;
      at: number;
      kind: InboxKind;
      subject: string;
      from: string | null;
      text: string;
      returnsOn?: string | null;
      reason?: string;
      zone?: string;
    };

/**
 * Everything between the salesperson and one person (SPEC §11 "conversation view"): every
 * email sent to them in any campaign (subject, when, body as sent) and every message the inbox
 * matched to them (replies, automatic replies, bounces, unsubscribes, complaints), oldest first.
 * @returns undefined when the contact does not exist.
 */
export async function conversation(
  contactId: string,
): Promise<{ contact: ContactRecord; items: ConversationItem[] } | undefined> {
  const db = useDb();
  const contact = await db.contacts.get(contactId);
  if (!contact) return undefined;
  const enrollments = await db.enrollments
    .where('[contactId+status]')
    .between([contactId, ''], [contactId, '\uffff'])
    .toArray();
  const campaigns = await byId(
    db.campaigns,
    enrollments.map((e) => e.campaignId),
  );
  const zones = new Map((await db.mailboxes.toArray()).map((m) => [m.id, m.timeZone]));
  const items: ConversationItem[] = [];
  for (const e of enrollments) {
    const campaign = campaigns.get(e.campaignId);
    for (const run of await sentRuns(e.id))
      items.push({
        type: 'sent',
        id: run.id,
        at: run.sentAt ?? run.updatedAt,
        subject: run.subject,
        html: run.html,
        text: run.text,
        campaignName: campaign?.name ?? 'a deleted campaign',
        stepIndex: campaign ? campaign.steps.findIndex((s) => s.id === run.stepId) : -1,
        outside: run.outside ?? false,
        ...(run.deliveryProblem ? { deliveryProblem: run.deliveryProblem } : {}),
        zone: zones.get(run.mailboxId ?? e.mailboxId),
      });
  }
  for (const m of await db.inboxMessages.where('contactIds').equals(contactId).toArray())
    items.push({
      type: 'received',
      id: m.id,
      at: m.at,
      kind: m.kind,
      subject: m.subject,
      from: m.from,
      text: m.text ?? '',
      ...(m.returnsOn !== undefined ? { returnsOn: m.returnsOn } : {}),
      ...(m.reason ? { reason: m.reason } : {}),
      zone: zones.get(m.mailboxId),
    });
  items.sort((a, b) => a.at - b.at || (a.type === b.type ? 0 : a.type === 'sent' ? -1 : 1));
  return { contact, items };
}
