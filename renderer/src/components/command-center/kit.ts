import { ref, type Ref } from 'vue';
import { plannedSubject, stepKindLabel } from '../../../../core/campaign';
import { mergeContext, renderTemplate } from '../../../../core/templating';
import { useDb, type CampaignDeskDb } from '../../db/database';
import { displayName, toCoreContact } from '../../db/repos/contacts';
import type { CampaignRecord, ContactRecord, EnrollmentRecord, MailboxRecord, StepRunRecord } from '../../db/records';
import { formatWhen } from '../../format';
import { useToasts } from '../../stores/toasts';

/**
 * What the Command Center's folders share: the rows each one reads come with the people,
 * campaigns and mailboxes they name (`loadRefs`), the words for a person's next step, times
 * in a mailbox's zone, and the ticked rows of a bulk action.
 */

/** The records a folder's rows name, by id. */
export interface Refs {
  contacts: Map<string, ContactRecord>;
  campaigns: Map<string, CampaignRecord>;
  mailboxes: Map<string, MailboxRecord>;
}

/**
 * Reads the given contacts (by id, indexed) and every campaign and mailbox (a handful each),
 * inside the caller's live query so they stay current.
 */
export async function loadRefs(contactIds: Iterable<string>): Promise<Refs> {
  const db = useDb();
  const ids = [...new Set(contactIds)];
  const [contacts, campaigns, mailboxes] = await Promise.all([
    db.contacts.bulkGet(ids),
    db.campaigns.toArray(),
    db.mailboxes.toArray(),
  ]);
  return {
    contacts: new Map(contacts.filter((c): c is ContactRecord => !!c).map((c) => [c.id, c])),
    campaigns: new Map(campaigns.map((c) => [c.id, c])),
    mailboxes: new Map(mailboxes.map((m) => [m.id, m])),
  };
}

/** A person's name, or "—" when the contact is gone. */
export function who(refs: Refs | undefined, contactId: string | undefined): string {
  const contact = contactId ? refs?.contacts.get(contactId) : undefined;
  return contact ? displayName(contact) : '—';
}

/**
 * A time of a mailbox's send or task, in the mailbox's zone (the person's own beside it when it
 * differs); without a mailbox (a snooze or reschedule the person typed), in this computer's zone.
 */
export function at(refs: Refs | undefined, ms: number, mailboxId?: string): string {
  const zone = mailboxId ? refs?.mailboxes.get(mailboxId)?.timeZone : undefined;
  return zone ? formatWhen(ms, zone, { besideLocal: true }) : formatWhen(ms);
}

/** A step's words as this person will get them (merge fields filled in; as written if one is empty). */
function forPerson(refs: Refs, template: string, e: EnrollmentRecord): string {
  const contact = refs.contacts.get(e.contactId);
  const mailbox = refs.mailboxes.get(e.mailboxId);
  if (!contact || !mailbox) return template;
  const rendered = renderTemplate(template, mergeContext(toCoreContact(contact), mailbox));
  return rendered.ok ? rendered.text : template;
}

/** "Email: Quick question, Ana", "Call: Call Ana", for the step a person waits on. */
export function nextStepLabel(refs: Refs | undefined, e: EnrollmentRecord): string {
  const steps = refs?.campaigns.get(e.campaignId)?.steps ?? [];
  const step = steps[e.nextStepIndex];
  if (!refs || !step) return '';
  if (step.type === 'email') {
    const subject = plannedSubject(steps, e.nextStepIndex, (template) => forPerson(refs, template, e));
    return `${stepKindLabel(step)}: ${subject}`;
  }
  return `${stepKindLabel(step)}: ${forPerson(refs, step.title, e)}`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * Runs a bulk action and says its outcome in a toast: `done` (or `done(result)`, for words that
 * depend on what the action did) once it succeeds, the error's message if it throws.
 */
export type Act = <R>(work: () => Promise<R>, done: string | ((result: R) => string)) => Promise<void>;

/** The rows ticked for a bulk action, and running an action with a toast for its outcome. */
export function usePicked(): {
  picked: Ref<Set<string>>;
  toggle: (id: string) => void;
  act: Act;
} {
  const toasts = useToasts();
  const picked = ref(new Set<string>());
  function toggle(id: string): void {
    const next = new Set(picked.value);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    picked.value = next;
  }
  async function act<R>(work: () => Promise<R>, done: string | ((result: R) => string)): Promise<void> {
    try {
      const result = await work();
      picked.value = new Set();
      toasts.show(typeof done === 'string' ? done : done(result));
    } catch (error) {
      toasts.show((error as Error).message, { kind: 'error' });
    }
  }
  return { picked, toggle, act };
}

/**
 * How many people Scheduled holds: the active ones (the `[status+nextDueAt]` index, counted
 * without reading a row) minus the active ones waiting on a person (a task open, a send held:
 * few, read from the `[hold+nextDueAt]` index, which has no entry for a person not held).
 */
export async function countScheduled(db: CampaignDeskDb): Promise<number> {
  const [active, holding] = await Promise.all([
    db.enrollments.where('[status+nextDueAt]').between(['active', -Infinity], ['active', Infinity]).count(),
    db.enrollments
      .where('[hold+nextDueAt]')
      .between(['needs-attention', -Infinity], ['task', Infinity])
      .filter((e) => e.status === 'active')
      .count(),
  ]);
  return active - holding;
}

/** Scheduled's rows: active people not waiting on someone, soonest first (`[status+nextDueAt]`). */
const scheduledRange = (db: CampaignDeskDb) =>
  db.enrollments
    .where('[status+nextDueAt]')
    .between(['active', -Infinity], ['active', Infinity])
    .filter((e) => !e.hold);

/**
 * Scheduled's first `limit` rows and how many there are in all: the page reads index entries
 * only until it is full (the few held people it passes over included), the total is
 * {@link countScheduled}.
 */
export async function readScheduledPage(
  db: CampaignDeskDb,
  limit: number,
): Promise<{ page: EnrollmentRecord[]; total: number }> {
  const [page, total] = await Promise.all([scheduledRange(db).limit(limit).toArray(), countScheduled(db)]);
  return { page, total };
}

/** Every scheduled person's enrollment id (for Select all over rows not shown). */
export async function scheduledIds(db: CampaignDeskDb): Promise<string[]> {
  return (await scheduledRange(db).primaryKeys()) as string[];
}

/**
 * Sent's newest `limit` emails (the `[state+sentAt]` index read backwards, so no older row is
 * read), how many were sent in all (an index count), and the enrollments they belong to.
 */
export async function readSentPage(
  db: CampaignDeskDb,
  limit: number,
): Promise<{ sent: StepRunRecord[]; total: number; enrollments: Map<string, EnrollmentRecord> }> {
  const range = () => db.stepRuns.where('[state+sentAt]').between(['sent', -Infinity], ['sent', Infinity]);
  const [sent, total] = await Promise.all([range().reverse().limit(limit).toArray(), range().count()]);
  const enrollments = new Map(
    (await db.enrollments.bulkGet([...new Set(sent.map((r) => r.enrollmentId))]))
      .filter((e): e is EnrollmentRecord => !!e)
      .map((e) => [e.id, e]),
  );
  return { sent, total, enrollments };
}

/** Rows a paged folder shows at first, and adds on each "Show more". */
export const PAGE = 100;
