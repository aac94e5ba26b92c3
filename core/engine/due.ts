import { composeEmail, followUpHeaders, type ComposedEmail, type SentCopy } from '../compose';
import { doNotMailReason, type SuppressionReason } from '../inbox/suppression';
import { DEFAULT_OVERDUE_GRACE_MS, type Contact, type EmailStep, type Mailbox, type Step } from '../model';
import { mergeContext, renderTemplate } from '../templating';

/**
 * The decision for a due enrollment as a pure rule (SPEC §5, §7, §12, R9, R10): what the
 * engine does with an enrollment the host's scheduler handed over. The renderer's send
 * pipeline (renderer/src/engine/pipeline.ts) reads the rows, asks `decideDue`, composes a
 * send with `composeDue` and writes the result in its Dexie transaction.
 */

/** SPEC R9: how late a send may still go by itself when its mailbox names no grace period (ms). */
export const OVERDUE_GRACE_MS = DEFAULT_OVERDUE_GRACE_MS;
/** How late a send may be handled and still count as on time, whatever the grace period (R9), ms. */
export const ON_TIME_SLACK_MS = 60_000;

/** A step run as far as the decision reads it (renderer: `StepRunRecord`). */
export interface DueRun {
  state: 'scheduled' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped' | 'blocked';
  /** Written by a person in the compose window: sent as written. */
  edited?: boolean | undefined;
  subject: string;
  html: string;
  text: string;
  messageId: string | null;
  deliveredMessageId?: string | undefined;
  references: readonly string[];
  /** UTC ms, or null when it did not go. */
  sentAt: number | null;
  /** Marked as sent outside the app (R10: nothing to thread onto). */
  outside?: boolean | undefined;
}

/** The enrollment as far as the decision reads it (renderer: `EnrollmentRecord`). */
export interface DueEnrollment {
  id: string;
  /** Only `active` is sent; the rest (paused, finished, removed, replied, …) are left alone. */
  status: string;
  hold?: 'task' | 'needs-attention' | 'overdue' | null | undefined;
  /** The device that launched it (SPEC §7). */
  deviceId: string;
  /** UTC ms. */
  nextDueAt: number;
  nextStepIndex: number;
}

/** The person, in core's shape, with the marks SPEC §12 reads and the name the words use. */
export type DueContact = Contact & { bounced: boolean; unsubscribed: boolean };

/** The mailbox as far as the decision reads it. */
export type DueMailbox = Pick<Mailbox, 'name' | 'email' | 'timeZone'> & {
  /** R9's grace period, ms; absent: {@link OVERDUE_GRACE_MS}. */
  overdueGraceMs?: number | undefined;
};

export interface DueInput {
  /** UTC ms: the host's instant now. */
  now: number;
  /** This device's id (SPEC §7), undefined when not yet known. */
  device: string | undefined;
  enrollment: DueEnrollment;
  /** The campaign's steps as they stand now; undefined when the campaign was deleted. */
  campaign: { steps: readonly Step[] } | undefined;
  /** Undefined when the person was deleted from Contacts. */
  contact: DueContact | undefined;
  /** How the words name the person (`displayName`). */
  name: string;
  /** Undefined when the campaign's mailbox was deleted. */
  mailbox: DueMailbox | undefined;
  /** The workspace's suppression row for the person's address (SPEC §12), if any. */
  suppression?: { reason: SuppressionReason } | null | undefined;
  /** The step run of the campaign's step with this id for this enrollment, if any. */
  runOf: (stepId: string) => DueRun | undefined;
}

/** A task the decision raises (the pipeline adds ids, due instant and status). */
export interface DueTask {
  kind: 'email' | Exclude<Step['type'], 'email'>;
  title: string;
  notes: string;
}

/**
 * What to do with a due enrollment:
 * - `ignore`: not this device's, not active or already held: nothing.
 * - `early`: handed over before its instant (clocks a hair apart): arm it again at `dueAt`.
 * - `held`: it waits for a person in Needs attention (a reference gone, or SPEC §12 forbids
 *   mailing the person); `reason` is in words a salesperson can act on.
 * - `task`: raise `task` (a task step, or an email step whose timing is `task`) and hold it.
 * - `overdue`: R9, later than the grace period: it waits for a person, not sent.
 * - `send`: compose it ({@link composeDue}); `byHand` is the step run written by hand in the
 *   compose window, `previous` the previous email step's sent copy (R10).
 */
export type DueDecision =
  | { kind: 'ignore' }
  | { kind: 'early'; dueAt: number }
  | { kind: 'held'; stepId: string; reason: string }
  | { kind: 'task'; step: Step; task: DueTask }
  | { kind: 'overdue' }
  | { kind: 'send'; step: EmailStep; byHand: DueRun | undefined; previous: SentCopy | undefined };

/** Why a send waits in Needs attention instead of going to someone who must not be mailed (SPEC §12). */
export function notMailedReason(name: string, why: string): string {
  return `not sent to ${name}: ${why}, so it is never emailed again; remove them from the campaign or skip this email`;
}

/** A step run as the email it sent (for a follow-up to quote and thread onto), or undefined if it did not go. */
export function sentCopyOf(run: DueRun | undefined): SentCopy | undefined {
  if (!run || run.state !== 'sent' || !run.messageId || run.sentAt === null) return undefined;
  return {
    subject: run.subject,
    html: run.html,
    text: run.text,
    messageId: run.messageId,
    deliveredMessageId: run.deliveredMessageId,
    references: run.references,
    sentAt: run.sentAt,
    outside: run.outside ?? false,
  };
}

/**
 * Decides a due enrollment, in this order: only the launching device's active, unheld
 * enrollments (SPEC §7); not before its instant; its campaign, person, mailbox and step
 * still there; a task step (or email task not written by hand) raises its task; SPEC §12's
 * do-not-mail; R9's grace period (at least {@link ON_TIME_SLACK_MS}: a grace of 0 means
 * "never late by more than a minute"); else it is a send.
 * @returns the decision; never throws.
 */
export function decideDue(input: DueInput): DueDecision {
  const { enrollment, campaign, contact, mailbox } = input;
  if (enrollment.status !== 'active' || enrollment.hold) return { kind: 'ignore' };
  if (enrollment.deviceId !== input.device) return { kind: 'ignore' }; // SPEC §7: only the launching device sends.
  if (enrollment.nextDueAt > input.now) return { kind: 'early', dueAt: enrollment.nextDueAt };
  const step = campaign?.steps[enrollment.nextStepIndex];
  if (!campaign || !contact || !mailbox || !step) {
    const reason = !campaign
      ? 'its campaign was deleted'
      : !contact
        ? 'the person was deleted from Contacts'
        : !mailbox
          ? "the campaign's mailbox was deleted; add it again in Settings"
          : 'the campaign has no step left for this person';
    return { kind: 'held', stepId: step?.id ?? `step-${enrollment.nextStepIndex}`, reason };
  }
  const existing = input.runOf(step.id);
  // Written by hand in the compose window (an email task sent from the app): send it as written.
  const byHand = existing?.edited === true && existing.state === 'scheduled' ? existing : undefined;

  if (step.type !== 'email' || (!byHand && step.send.timing === 'task')) {
    const rendered = renderTemplate(
      step.type === 'email' ? (step.subject ?? '') : step.title,
      mergeContext(contact, mailbox),
    );
    const subject = step.type === 'email' ? (rendered.ok && rendered.text ? rendered.text : 'follow-up') : '';
    const title = step.type === 'email' ? `Email: ${subject}` : rendered.ok ? rendered.text : step.title;
    return {
      kind: 'task',
      step,
      task: {
        kind: step.type === 'email' ? 'email' : step.type,
        title: title || `${step.type} ${input.name}`,
        notes: step.type === 'email' ? '' : step.notes,
      },
    };
  }

  // SPEC §12: an address that unsubscribed, complained or bounced is never mailed, whatever the plan says.
  const stop = doNotMailReason(contact, input.suppression);
  if (stop) return { kind: 'held', stepId: step.id, reason: notMailedReason(input.name, stop) };

  // R9: a send overdue by more than the grace period is not sent silently; it waits for a person.
  // A send handled a moment after its instant (the host fired it, the batch before it ran) is
  // on time: a grace period of 0 means "never late by more than a minute", not "always overdue".
  const grace = Math.max(mailbox.overdueGraceMs ?? OVERDUE_GRACE_MS, ON_TIME_SLACK_MS);
  if (input.now - enrollment.nextDueAt > grace) return { kind: 'overdue' };

  const before = campaign.steps[enrollment.nextStepIndex - 1];
  const previous = before?.type === 'email' ? sentCopyOf(input.runOf(before.id)) : undefined;
  return { kind: 'send', step, byHand, previous };
}

/**
 * The email a `send` decision goes as: the one written by hand as written (with the
 * follow-up's reply headers, `followUpHeaders`), else composed by `composeEmail`.
 * @param unsubscribeLink SPEC §12: the email's own link for `{{ unsubscribe_link }}` (none for one written by hand).
 * @returns the message, or `{ blocked }` naming the empty merge fields (never sent blank).
 */
export function composeDue(
  decision: Extract<DueDecision, { kind: 'send' }>,
  contact: Contact,
  mailbox: Pick<Mailbox, 'name' | 'email' | 'timeZone'>,
  unsubscribeLink: string | undefined,
): ComposedEmail | { blocked: string } {
  const { step, byHand, previous } = decision;
  if (byHand)
    return {
      subject: byHand.subject,
      html: byHand.html,
      text: byHand.text,
      ...followUpHeaders(step, previous),
    };
  return composeEmail(step, contact, mailbox, previous, unsubscribeLink);
}

/**
 * The claim's last check, in its transaction (never twice): the enrollment is still active,
 * unheld, on the same step and instant as when it was decided, and its step run not yet
 * claimed or done (absent or `scheduled`). SPEC §12's do-not-mail is checked beside it.
 */
export function stillClaimable(
  current: Pick<DueEnrollment, 'status' | 'hold' | 'nextStepIndex' | 'nextDueAt'> | undefined,
  decided: Pick<DueEnrollment, 'nextStepIndex' | 'nextDueAt'>,
  run: Pick<DueRun, 'state'> | undefined,
): boolean {
  return (
    !!current &&
    current.status === 'active' &&
    !current.hold &&
    current.nextStepIndex === decided.nextStepIndex &&
    current.nextDueAt === decided.nextDueAt &&
    (!run || run.state === 'scheduled')
  );
}
