import { composeEmail, type ComposedEmail, type SentCopy } from '../../../core/compose';
import type { SendOutcome as HostSendOutcome } from '../../../core/host/contract';
import { mergeContext, renderTemplate } from '../../../core/templating';
import { newMessageId, replyHeaders } from '../../../core/threading';
import { inChange, now, type Change } from '../db/change';
import { useDb } from '../db/database';
import { readDeviceId } from '../db/device';
import { releasePatch } from '../db/repos/release';
import { displayName, toCoreContact } from '../db/repos/contacts';
import {
  newStepRun,
  type CampaignRecord,
  type ContactRecord,
  type EnrollmentRecord,
  type MailboxRecord,
  type StepRunRecord,
  type SuppressionRecord,
  type TaskRecord,
} from '../db/records';
import { doNotMailReason } from '../../../core/inbox/suppression';
import { savesSentCopy } from '../../../core/sent-copy';
import type { SentCopyInput } from './sent-copies';
import { footerLink, unsubscribeHeaders, type UnsubscribeLinks } from '../../../core/unsubscribe-token';
import { linksFor, unsubscribeSettings, type UnsubscribeSettings } from '../db/unsubscribe';
import { HostCallError, type HostClient } from '../host/client';
import { formatWhen } from '../format';
import { DEFAULT_OVERDUE_GRACE_MS, type Step } from '../../../core/model';

/**
 * The send pipeline (ARCHITECTURE.md, "one email, end to end"): for a batch of due
 * enrollments, reads them, decides each (task, hold, or an email composed with core), claims
 * the sends (step run `sending`, Message-ID fixed) in one transaction, hands them to the
 * host's mailer, and records the outcomes in as few transactions as the sends allow,
 * releasing next steps (SPEC R8). The engine (engine.ts) owns when a batch runs.
 */

/** SPEC R9: how late a send may still go by itself when its mailbox names no grace period. */
export const OVERDUE_GRACE_MS = DEFAULT_OVERDUE_GRACE_MS;
/** How late a send may be handled and still count as on time, whatever the grace period (R9). */
export const ON_TIME_SLACK_MS = 60_000;

/**
 * A send's outcome as the engine sees it: the host's, or `not-handed-over` when the request
 * never reached the host (no connection to it): nothing was attempted, so it is safe to send
 * at its instant once the host is back (SPEC §5), never an unknown outcome.
 */
type SendOutcome = HostSendOutcome | { status: 'not-handed-over'; message: string } | Held;

/** Not an outcome yet: the host holds the send for its minimum-gap slot (R11), UTC ms, and sends it then. */
type Held = { status: 'held'; until: number };

/** SPEC §5: retry after 1, 5, 15 minutes, then the send needs attention. */
export const RETRY_BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000];

/**
 * How many emails the engine has with the host at once: enough to keep the host's pool
 * (5 connections a mailbox) always busy; the host admits each against the limits in turn.
 */
export const SEND_CONCURRENCY = 128;

/** Outcomes recorded together in one transaction during a burst (at most 50 ms after the first). */
const RECORD_MIN = 32;

/** How many sends one claim transaction takes (the next chunk is claimed while these go). */
export const CLAIM_CHUNK = 100;

/** One email ready to claim and send: what it was composed from, and its claimed step run. */
interface Prepared {
  enrollment: EnrollmentRecord;
  campaign: CampaignRecord;
  contact: ContactRecord;
  mailbox: MailboxRecord;
  claimed: StepRunRecord;
  composed: ComposedEmail;
  /** SPEC §12: the email's unsubscribe links (its List-Unsubscribe header); none for an email written by hand. */
  links?: UnsubscribeLinks;
}

/** What the pipeline needs of the engine that runs it. */
export interface PipelineOwner {
  /** True once the engine stopped (this window is no longer the app): nothing more is handed over. */
  isStopped(): boolean;
  /** The host reported the network gone while sending: the engine waits for it to come back. */
  wentOffline(): void;
  /**
   * Called when a task falls due and the host showed no system notification for it
   * (`notify/show` answered `shown: false`, or could not be asked): the window then tells the person itself.
   */
  taskDueUnshown?: ((task: { taskId: string; title: string }) => void) | undefined;
  /** Called after a chunk's outcomes are recorded, with the sent emails whose copy goes to Sent. */
  recorded?: ((copies: SentCopyInput[]) => void) | undefined;
}

export class SendPipeline {
  /**
   * Sends waiting in the host for their minimum-gap slot (R11), by enrollment id: the claimed
   * Message-ID and the slot, UTC ms. The step run stays `sending` meanwhile; the engine does
   * not arm these, and lets one go (`mail/release-held`) when a person moves its enrollment.
   */
  readonly held = new Map<string, { messageId: string; until: number }>();
  /** The outcomes of held sends still to be recorded. */
  private readonly waits = new Set<Promise<void>>();
  /** The same, by enrollment id. */
  private readonly waitsBy = new Map<string, Promise<void>>();
  /** Sends on their way to the host, by Message-ID: told when the host holds them for a slot. */
  private readonly notices = new Map<string, (notice: { until: number }) => void>();

  constructor(
    private readonly host: HostClient,
    private readonly owner: PipelineOwner,
  ) {}

  /** The host holds a send for its slot (`mail/held`): the send on its way with that Message-ID learns it. */
  noticeHeld(notice: { messageId: string; until: number }): void {
    this.notices.get(notice.messageId)?.({ until: notice.until });
  }

  /** Resolves when everything held in the host so far has been recorded (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.waits.size > 0) await Promise.all([...this.waits]);
  }

  /**
   * Lets the sends these enrollments have waiting in the host for their slot go unsent
   * (`mail/release-held`) and resolves once their outcomes are recorded: the step runs are
   * `scheduled` again, so a person's Skip can act on them (DECISIONS 106). One the host sent
   * meanwhile is recorded sent. Enrollments with nothing held: nothing to do.
   */
  async letGo(enrollmentIds: readonly string[]): Promise<void> {
    const held = enrollmentIds.flatMap((id) => {
      const send = this.held.get(id);
      return send ? [{ id, messageId: send.messageId, recorded: this.waitsBy.get(id) }] : [];
    });
    if (held.length === 0) return;
    await this.host.call('mail/release-held', { messageIds: held.map((send) => send.messageId) });
    await Promise.all(held.map((send) => send.recorded));
  }

  private heldNotice(messageId: string): Promise<{ until: number }> {
    return new Promise((resolve) => this.notices.set(messageId, resolve));
  }

  /** Records a held send's outcome when the host answers (sent at its slot, or let go `deferred`). */
  private wait(send: Prepared, answer: Promise<SendOutcome>, until: number): void {
    const recorded = answer
      .then((outcome) => {
        this.held.delete(send.enrollment.id);
        // The host went away before the slot came: it had not begun to send it.
        const safe: SendOutcome =
          outcome.status === 'unknown' && now() < until - 1_000
            ? { status: 'not-handed-over', message: outcome.message }
            : outcome;
        return this.record([{ send, outcome: safe }]);
      })
      .catch((error: unknown) => console.error('engine: cannot record', send.claimed.id, error))
      .finally(() => {
        this.waits.delete(recorded);
        if (this.waitsBy.get(send.enrollment.id) === recorded) this.waitsBy.delete(send.enrollment.id);
      });
    this.waits.add(recorded);
    this.waitsBy.set(send.enrollment.id, recorded);
  }

  private get stopped(): boolean {
    return this.owner.isStopped();
  }

  /**
   * Handles one batch of due enrollments (the engine checked the network first): its emails
   * are claimed a chunk at a time, sent concurrently through the host's pooled transport, and
   * recorded in as few transactions as the sends allow.
   */
  async run(ids: readonly string[]): Promise<void> {
    // Reads go in one read-only transaction per chunk (1,000 emails read one `get` at a time
    // took 2–3 s; with bulkGet 0.15–0.26 s), and each chunk is composed and claimed while the
    // previous one is being sent. The claim re-checks each enrollment: a stale read sends nothing twice.
    const prepareChunk = async (chunk: readonly string[]): Promise<Prepared[]> => {
      // Its own transaction (it may make this device's key), never inside the batch's read.
      const unsubscribe = await unsubscribeSettings();
      const reads = await readBatch(chunk);
      const prepared = await Promise.all(
        chunk.map((id) =>
          this.prepare(id, reads, unsubscribe).catch((error: unknown) => {
            console.error('engine: step failed', id, error);
            return undefined;
          }),
        ),
      );
      return prepared.filter((p): p is Prepared => p !== undefined);
    };

    // Send with a bounded number in flight; record what came back whenever no record is being written,
    // so a quiet minute records each send at once and a burst records many in one transaction.
    const done: { send: Prepared; outcome: SendOutcome }[] = [];
    let recording: Promise<void> = Promise.resolve();
    let writing = false;
    let sending = true;
    let later: ReturnType<typeof setTimeout> | undefined;
    const flush = (force = false): void => {
      if (writing || done.length === 0) return;
      // While sends are still coming back, a few outcomes wait up to 50 ms to be recorded
      // together (fewer, larger transactions); the last ones are recorded at once.
      if (sending && !force && done.length < RECORD_MIN) {
        later ??= setTimeout(() => {
          later = undefined;
          flush(true);
        }, 50);
        return;
      }
      clearTimeout(later);
      later = undefined;
      writing = true;
      const chunk = done.splice(0);
      recording = recording
        .then(() => this.record(chunk))
        .catch(async (error: unknown) => {
          // One bad entry must not lose the others: each on its own; what still fails stays
          // `sending`, and the next start turns it into unknown for a person (never resent).
          console.error('engine: cannot record sends together; one by one', error);
          for (const entry of chunk)
            await this.record([entry]).catch((one: unknown) =>
              console.error('engine: cannot record', entry.send.claimed.id, one),
            );
        })
        .finally(() => {
          writing = false;
          flush();
        });
    };
    // Claims go a chunk at a time just ahead of the sends: after a crash, only what was
    // claimed and not yet recorded needs a person (unknown), never the whole batch.
    const ready: Prepared[] = [];
    let claiming = true;
    let waiters: (() => void)[] = [];
    const wake = (): void => {
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    };
    const wait = (): Promise<void> => new Promise<void>((resolve) => waiters.push(resolve));
    const claimer = (async () => {
      try {
        for (let i = 0; i < ids.length && !this.stopped; i += CLAIM_CHUNK) {
          while (ready.length > CLAIM_CHUNK / 2) await wait();
          const prepared = await prepareChunk(ids.slice(i, i + CLAIM_CHUNK));
          if (prepared.length > 0) ready.push(...(await this.claim(prepared)));
          wake();
        }
      } catch (error) {
        console.error('engine: cannot claim', error);
      } finally {
        claiming = false;
        wake();
      }
    })();
    const worker = async (): Promise<void> => {
      for (;;) {
        // Stopped (this window is no longer the app): claimed sends not yet handed over stay
        // `sending` and become unknown for a person at the next start, never sent twice.
        const send = this.stopped ? undefined : ready.shift();
        if (!send) {
          if (this.stopped) return;
          if (!claiming) return;
          await wait();
          continue;
        }
        if (ready.length <= CLAIM_CHUNK / 2) wake();
        // R11: a send the minimum gap keeps back waits in the host for its slot; the batch
        // records that it waits and goes on, and the send's outcome is recorded when it comes.
        const answer = this.send(send);
        const held = await Promise.race([answer.then(() => undefined), this.heldNotice(send.claimed.messageId!)]);
        this.notices.delete(send.claimed.messageId!);
        if (held) {
          this.held.set(send.enrollment.id, { messageId: send.claimed.messageId!, until: held.until });
          this.wait(send, answer, held.until);
          done.push({ send, outcome: { status: 'held', until: held.until } });
        } else done.push({ send, outcome: await answer });
        flush();
      }
    };
    await Promise.all([claimer, ...Array.from({ length: Math.min(SEND_CONCURRENCY, ids.length) }, worker)]);
    sending = false;
    flush();
    while (writing || done.length > 0) {
      await recording;
      flush();
    }
  }

  /**
   * Looks at one due enrollment: raises its task, holds it (overdue, blocked, a reference
   * gone) or composes its email. Only a send to make is returned, for the batch to claim.
   */
  private async prepare(
    enrollmentId: string,
    reads: BatchReads,
    unsubscribe: UnsubscribeSettings,
  ): Promise<Prepared | undefined> {
    const db = useDb();
    const enrollment = reads.enrollments.get(enrollmentId);
    if (!enrollment || enrollment.status !== 'active' || enrollment.hold) return undefined;
    if (enrollment.deviceId !== reads.device) return undefined; // SPEC §7: only the launching device sends.
    if (enrollment.nextDueAt > now()) {
      // Handed over early (clocks a hair apart): arm it again rather than lose it.
      await this.host.tryCall('scheduler/set', {
        jobs: [{ id: enrollment.id, dueAt: enrollment.nextDueAt }],
        replace: false,
      });
      return undefined;
    }
    const campaign = reads.campaigns.get(enrollment.campaignId);
    const contact = reads.contacts.get(enrollment.contactId);
    const mailbox = reads.mailboxes.get(enrollment.mailboxId);
    const step = campaign?.steps[enrollment.nextStepIndex];
    if (!campaign || !contact || !mailbox || !step) {
      const missing = !campaign
        ? 'its campaign was deleted'
        : !contact
          ? 'the person was deleted from Contacts'
          : !mailbox
            ? "the campaign's mailbox was deleted; add it again in Settings"
            : 'the campaign has no step left for this person';
      await this.holdForAttention(enrollment, step?.id ?? `step-${enrollment.nextStepIndex}`, missing);
      return undefined;
    }
    const runId = `${enrollment.id}:${step.id}`;
    const existing = reads.runs.get(runId);
    // Written by hand in the compose window (an email task sent from the app): send it as written.
    const byHand = existing?.edited === true && existing.state === 'scheduled' ? existing : undefined;

    if (step.type !== 'email' || (!byHand && step.send.timing === 'task')) {
      const context = mergeContext(toCoreContact(contact), mailbox);
      const rendered = renderTemplate(step.type === 'email' ? (step.subject ?? '') : step.title, context);
      const subject = step.type === 'email' ? (rendered.ok && rendered.text ? rendered.text : 'follow-up') : '';
      const title = step.type === 'email' ? `Email: ${subject}` : rendered.ok ? rendered.text : step.title;
      const task: TaskRecord = {
        id: runId,
        enrollmentId: enrollment.id,
        campaignId: campaign.id,
        contactId: contact.id,
        stepId: step.id,
        kind: step.type === 'email' ? 'email' : step.type,
        title: title || `${step.type} ${displayName(contact)}`,
        notes: step.type === 'email' ? '' : step.notes,
        dueAt: enrollment.nextDueAt,
        status: 'open',
        completedAt: null,
      };
      await inChange([db.tasks, db.enrollments], async () => {
        await db.tasks.put(task);
        await db.enrollments.update(enrollment.id, { hold: 'task', updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'task/create',
            args: task,
            feed: {
              kind: 'task.created',
              text: `Task due: ${task.title}`,
              taskId: task.id,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
      const notified = await this.host.tryCall('notify/show', {
        title: 'Task due',
        body: task.title,
        tag: task.id,
        taskId: task.id,
      });
      if (!notified.data?.shown) this.owner.taskDueUnshown?.({ taskId: task.id, title: task.title });
      return undefined;
    }

    // SPEC §12: an address that unsubscribed, complained or bounced is never mailed, whatever the plan says.
    const stop = doNotMailReason(contact, reads.suppressions.get(contact.emailKey));
    if (stop) {
      await this.holdForAttention(enrollment, step.id, notMailed(contact, stop));
      return undefined;
    }

    // R9: a send overdue by more than the grace period is not sent silently; it waits for a person.
    // A send handled a moment after its instant (the host fired it, the batch before it ran) is
    // on time: a grace period of 0 means "never late by more than a minute", not "always overdue".
    const grace = Math.max(mailbox.overdueGraceMs ?? OVERDUE_GRACE_MS, ON_TIME_SLACK_MS);
    if (now() - enrollment.nextDueAt > grace) {
      await inChange([db.enrollments], async () => {
        await db.enrollments.update(enrollment.id, { hold: 'overdue', updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'enrollment/overdue',
            args: { id: enrollment.id },
            feed: {
              kind: 'email.overdue',
              text: `Overdue, not sent: the email to ${displayName(contact)} was due ${formatWhen(enrollment.nextDueAt, mailbox.timeZone)}; send it now, reschedule or skip it in the Command Center`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
      return undefined;
    }
    const before = campaign.steps[enrollment.nextStepIndex - 1];
    const previous = before?.type === 'email' ? sentCopy(reads.runs.get(`${enrollment.id}:${before.id}`)) : undefined;
    // SPEC §12: every automatic campaign email carries List-Unsubscribe (the token made here,
    // offline too); one the salesperson wrote and sent by hand is a personal email and does not.
    const links = byHand ? undefined : await linksFor(unsubscribe, mailbox.email, contact.emailKey);
    const composed: ReturnType<typeof composeEmail> = byHand
      ? {
          subject: byHand.subject,
          html: byHand.html,
          text: byHand.text,
          ...(step.send.followUp && previous && !previous.outside ? replyHeaders(previous) : {}),
        }
      : composeEmail(step, toCoreContact(contact), mailbox, previous, footerLink(links!));
    const base: StepRunRecord =
      existing ??
      newStepRun({
        id: runId,
        enrollmentId: enrollment.id,
        stepId: step.id,
        mailboxId: mailbox.id,
        dueAt: enrollment.nextDueAt,
        updatedAt: now(),
      });
    if ('blocked' in composed) {
      await inChange([db.stepRuns, db.enrollments], async () => {
        await db.stepRuns.put({ ...base, state: 'blocked', reason: composed.blocked, updatedAt: now() });
        await db.enrollments.update(enrollment.id, { hold: 'needs-attention', updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'step-run/blocked',
            args: { id: runId },
            feed: {
              kind: 'email.blocked',
              text: `Not sent to ${displayName(contact)}: ${composed.blocked}`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
      return undefined;
    }

    // Claim: the Message-ID is fixed and stored before SMTP is attempted, so a retry reuses it.
    const claimed: StepRunRecord = {
      ...base,
      state: 'sending',
      messageId: base.messageId ?? newMessageId(mailbox.email),
      references: composed.references ?? [],
      subject: composed.subject,
      html: composed.html,
      text: composed.text,
      updatedAt: now(),
    };
    return { enrollment, campaign, contact, mailbox, claimed, composed, ...(links ? { links } : {}) };
  }

  /**
   * Claims sends in one transaction: each becomes `sending` with its Message-ID fixed and
   * stored before SMTP is attempted (a retry reuses it). A send whose enrollment moved on,
   * or whose step run is already sending or done, is dropped: never twice.
   * @returns the sends claimed.
   */
  private async claim(sends: readonly Prepared[]): Promise<Prepared[]> {
    const db = useDb();
    const stopped: { send: Prepared; reason: string }[] = [];
    const claimed = await db.transaction(
      'rw',
      [db.stepRuns, db.enrollments, db.contacts, db.suppressions],
      async () => {
        stopped.length = 0;
        const current = await db.enrollments.bulkGet(sends.map((p) => p.enrollment.id));
        const runs = await db.stepRuns.bulkGet(sends.map((p) => p.claimed.id));
        // SPEC §12, checked again here, just before the send: an unsubscribe, a complaint or a
        // bounce that arrived (or synced) since the batch was read stops it.
        const contacts = await db.contacts.bulkGet(sends.map((p) => p.contact.id));
        const suppressions = await db.suppressions.bulkGet(sends.map((p, i) => (contacts[i] ?? p.contact).emailKey));
        const ready = sends.filter((p, i) => {
          const e = current[i];
          const run = runs[i];
          const ok =
            !!e &&
            e.status === 'active' &&
            !e.hold &&
            e.nextStepIndex === p.enrollment.nextStepIndex &&
            e.nextDueAt === p.enrollment.nextDueAt &&
            (!run || run.state === 'scheduled');
          if (!ok) return false;
          const reason = doNotMailReason(contacts[i] ?? p.contact, suppressions[i]);
          if (reason) stopped.push({ send: p, reason: notMailed(contacts[i] ?? p.contact, reason) });
          return !reason;
        });
        await db.stepRuns.bulkPut(ready.map((p) => p.claimed));
        return ready;
      },
    );
    for (const { send, reason } of stopped) await this.holdForAttention(send.enrollment, send.claimed.stepId, reason);
    return claimed;
  }

  /** Hands one claimed email to the host's mailer; an interrupted call is an unknown outcome. */
  private async send(p: Prepared): Promise<Exclude<SendOutcome, Held>> {
    const { mailbox, contact, claimed, composed, links } = p;
    try {
      return await this.host.call('mail/send', {
        mailboxId: mailbox.id,
        smtp: mailbox.smtp,
        limits: { dailyLimit: mailbox.dailyLimit, minGapMs: mailbox.minGapMs, zone: mailbox.timeZone },
        message: {
          from: { name: mailbox.name, address: mailbox.email },
          to: { name: displayName(contact) === contact.email ? '' : displayName(contact), address: contact.email },
          subject: claimed.subject,
          html: claimed.html,
          text: claimed.text,
          messageId: claimed.messageId!,
          inReplyTo: composed.inReplyTo,
          references: composed.references,
          ...(links ? unsubscribeHeaders(links) : {}),
        },
        // The exact message comes back only when its copy goes to Sent (issue 11).
        ...(savesSentCopy(mailbox) ? { sentCopy: true } : {}),
        waitForSlot: true,
      });
    } catch (error) {
      const message = (error as Error).message;
      const delivery = error instanceof HostCallError ? error.delivery : 'refused';
      // The request never left this window: the host attempted nothing.
      if (delivery === 'unreachable') return { status: 'not-handed-over', message };
      // The host answered with an error before sending (its input check): nothing went.
      if (delivery === 'refused') return { status: 'retry', code: null, message: `not sent: ${message}` };
      // The host went away with the request: the email may or may not have gone. A person decides.
      return { status: 'unknown', message: `the send was interrupted (${message})` };
    }
  }

  /**
   * Records a chunk of send outcomes in one transaction, releasing next steps (R8). Sent
   * emails (nearly all of a burst) are written with a few bulk reads and writes; the rest
   * one by one.
   */
  private async record(chunk: readonly { send: Prepared; outcome: SendOutcome }[]): Promise<void> {
    const db = useDb();
    await inChange([db.stepRuns, db.enrollments, db.tasks, db.campaigns], async () => {
      const sent = chunk.filter(
        (entry): entry is { send: Prepared; outcome: Extract<SendOutcome, { status: 'sent' }> } =>
          entry.outcome.status === 'sent',
      );
      const changes: Change[] = sent.length > 0 ? await this.recordSent(sent) : [];
      for (const { send, outcome } of chunk) {
        if (outcome.status === 'sent') continue; // recorded in bulk above
        const change = await this.applyOutcome(send, outcome);
        if (change) changes.push(change);
      }
      return { result: undefined, change: changes };
    });
    this.owner.recorded?.(sentCopiesOf(chunk));
  }

  /**
   * Records sent emails (inside the caller's transaction): their step runs, and each
   * enrollment released to its next step from what really happened (R8), with one bulk
   * read and one bulk write per table.
   * @returns one change (outbox row, Live Feed row) per email.
   */
  private async recordSent(
    sent: readonly { send: Prepared; outcome: Extract<SendOutcome, { status: 'sent' }> }[],
  ): Promise<Change[]> {
    const db = useDb();
    const at = now();
    await db.stepRuns.bulkPut(
      sent.map(({ send, outcome }) => ({
        ...send.claimed,
        state: 'sent' as const,
        sentAt: outcome.at,
        smtpReply: outcome.response,
        ...(outcome.deliveredMessageId ? { deliveredMessageId: outcome.deliveredMessageId } : {}),
        updatedAt: at,
      })),
    );
    // The enrollments and campaigns as they are now: a person may have skipped, removed or
    // paused someone, or edited the campaign, while the email was on its way.
    const fresh = await db.enrollments.bulkGet(sent.map(({ send }) => send.enrollment.id));
    const campaigns = new Map(
      (await db.campaigns.bulkGet([...new Set(sent.map(({ send }) => send.campaign.id))]))
        .filter((c): c is CampaignRecord => !!c)
        .map((c) => [c.id, c]),
    );
    const steps = (i: number) => campaigns.get(sent[i]!.send.campaign.id)?.steps ?? [];
    const ids = sent.flatMap(({ send }, i) => steps(i).map((step) => `${send.enrollment.id}:${step.id}`));
    const allRuns = await db.stepRuns.bulkGet(ids);
    const allTasks = await db.tasks.bulkGet(ids);
    let offset = 0;
    const released: EnrollmentRecord[] = [];
    const held: { enrollment: EnrollmentRecord; reason: string }[] = [];
    for (const [i, { send }] of sent.entries()) {
      const base = offset;
      offset += steps(i).length;
      const enrollment = fresh[i];
      const campaign = campaigns.get(send.campaign.id);
      // Moved on meanwhile (skipped, removed, finished): the email went, and that is all that is recorded.
      if (!enrollment || !campaign || !stillOn(enrollment, send)) continue;
      try {
        const patch = releasePatch(
          enrollment,
          campaign,
          (index) => allRuns[base + index],
          (index) => allTasks[base + index],
          at,
          send.mailbox,
        );
        released.push({ ...enrollment, ...patch });
      } catch (error) {
        // The campaign cannot be planned as it now stands (edited into an invalid state):
        // this email is recorded as sent, and this person waits for a person.
        held.push({ enrollment, reason: `the next step cannot be planned: ${(error as Error).message}` });
      }
    }
    await db.enrollments.bulkPut([
      ...released,
      ...held.map(({ enrollment }) => ({ ...enrollment, hold: 'needs-attention' as const, updatedAt: at })),
    ]);
    for (const { enrollment, reason } of held) console.error('engine:', enrollment.id, reason);
    return sent.map(({ send, outcome }) => {
      const note = send.composed.note ? ` (${send.composed.note})` : '';
      return {
        name: 'step-run/sent',
        args: { id: send.claimed.id, sentAt: outcome.at },
        feed: {
          kind: 'email.sent' as const,
          text: `Sent "${send.claimed.subject}" to ${displayName(send.contact)}${note}`,
          campaignId: send.campaign.id,
          contactId: send.contact.id,
        },
      };
    });
  }

  /** Writes one unsent send's outcome (inside the caller's transaction; sent ones go through `recordSent`) and returns its change, if any. */
  private async applyOutcome(
    p: Prepared,
    outcome: Exclude<SendOutcome, { status: 'sent' }>,
  ): Promise<Change | undefined> {
    const db = useDb();
    const { enrollment, campaign, contact, claimed } = p;
    const runId = claimed.id;
    const who = displayName(contact);
    const about = { campaignId: campaign.id, contactId: contact.id };
    const current = await db.enrollments.get(enrollment.id);
    // R11's wait, in the host or back here: one row per campaign for a run of waits, not one per attempt.
    const waiting = (until: number, reason: 'daily-limit' | 'min-gap'): Change => ({
      name: 'step-run/deferred',
      args: { id: runId, until },
      feed: {
        kind: 'email.deferred',
        text: `Waiting to send "${claimed.subject}" to ${who}: ${reason === 'daily-limit' ? "the mailbox's daily limit is reached" : 'the minimum gap between sends'}`,
        ...about,
        coalesceMs: 10 * 60_000,
      },
    });
    if (outcome.status === 'held') {
      // Waiting in the host for its slot, still on its way (the step run stays `sending`): the
      // enrollment shows when it goes. Moved on meanwhile: its outcome, when it comes, decides.
      if (!current || !stillOn(current, p) || current.status !== 'active') return undefined;
      await db.enrollments.update(enrollment.id, {
        nextDueAt: Math.max(outcome.until, current.nextDueAt),
        updatedAt: now(),
      });
      return waiting(outcome.until, 'min-gap');
    }
    if (!current || !stillOn(current, p)) {
      // The person moved this enrollment on while the email was on its way (skipped, removed):
      // its outcome is kept on the step run only, unless a person already settled that run.
      const run = await db.stepRuns.get(runId);
      if (run?.state === 'sending')
        await db.stepRuns.put({
          ...claimed,
          state:
            outcome.status === 'offline' ||
            outcome.status === 'not-handed-over' ||
            outcome.status === 'deferred' ||
            outcome.status === 'retry'
              ? 'skipped'
              : outcome.status === 'unknown'
                ? 'unknown'
                : 'failed',
          reason: 'message' in outcome ? outcome.message : undefined,
          updatedAt: now(),
        });
      return undefined;
    }
    if (outcome.status === 'offline') {
      // Nothing was attempted: back to scheduled; the network's return re-arms it (SPEC §5).
      await db.stepRuns.put({ ...claimed, state: 'scheduled', updatedAt: now() });
      this.owner.wentOffline();
      return undefined;
    }
    if (outcome.status === 'not-handed-over') {
      // Never reached the host: back to scheduled, at its own instant (R9 applies when it comes
      // back); the reconnect re-arms it.
      await db.stepRuns.put({ ...claimed, state: 'scheduled', updatedAt: now() });
      return undefined;
    }
    if (outcome.status === 'unknown') {
      await db.stepRuns.put({ ...claimed, state: 'unknown', reason: outcome.message, updatedAt: now() });
      await db.enrollments.update(enrollment.id, { hold: 'needs-attention', updatedAt: now() });
      return {
        name: 'step-run/unknown',
        args: { id: runId },
        feed: {
          kind: 'email.unknown',
          text: `Unknown outcome: "${claimed.subject}" to ${who} may or may not have been sent (${outcome.message})`,
          ...about,
        },
      };
    }
    if (outcome.status === 'deferred') {
      await db.stepRuns.put({ ...claimed, state: 'scheduled', updatedAt: now() });
      // Never earlier than a later time a person picked while it was on its way.
      await db.enrollments.update(enrollment.id, {
        nextDueAt: Math.max(outcome.until, current.nextDueAt),
        updatedAt: now(),
      });
      return waiting(outcome.until, outcome.reason);
    }
    if (outcome.status === 'retry' && (enrollment.attempts ?? 0) < RETRY_BACKOFF_MS.length) {
      const attempts = (enrollment.attempts ?? 0) + 1;
      const wait = RETRY_BACKOFF_MS[attempts - 1]!;
      await db.stepRuns.put({ ...claimed, state: 'scheduled', smtpReply: outcome.message, updatedAt: now() });
      await db.enrollments.update(enrollment.id, {
        attempts,
        nextDueAt: Math.max(now() + wait, current.nextDueAt),
        updatedAt: now(),
      });
      return {
        name: 'step-run/retry',
        args: { id: runId, attempts },
        feed: {
          kind: 'email.retried',
          text: `Will retry "${claimed.subject}" to ${who} in ${wait / 60_000} min: ${outcome.message}`,
          ...about,
        },
      };
    }
    const message = 'message' in outcome ? outcome.message : 'unknown';
    if (outcome.status === 'retry') {
      // SPEC §5: still refused for now after the 1, 5 and 15 minute retries: it was never
      // delivered, and waits for a person in Needs attention (not Failed), its Message-ID kept.
      const tries = (enrollment.attempts ?? 0) + 1;
      const reason = `not sent after ${tries} tries: ${message}`;
      await db.stepRuns.put({ ...claimed, state: 'blocked', smtpReply: message, reason, updatedAt: now() });
      await db.enrollments.update(enrollment.id, { hold: 'needs-attention', updatedAt: now() });
      return {
        name: 'step-run/blocked',
        args: { id: runId },
        feed: {
          kind: 'email.blocked',
          text: `Not sent "${claimed.subject}" to ${who} after ${tries} tries; it waits for you in Needs attention: ${message}`,
          ...about,
        },
      };
    }
    // 5xx: the send fails with the server's text, and the enrollment pauses.
    await db.stepRuns.put({ ...claimed, state: 'failed', smtpReply: message, reason: message, updatedAt: now() });
    await db.enrollments.update(enrollment.id, {
      status: 'paused',
      pausedBy: 'server',
      hold: 'needs-attention',
      updatedAt: now(),
    });
    return {
      name: 'step-run/failed',
      args: { id: runId, message },
      feed: { kind: 'email.failed', text: `Failed to send "${claimed.subject}" to ${who}: ${message}`, ...about },
    };
  }

  /** Holds an enrollment in Needs attention with a reason a person can act on (its step run says why). */
  private async holdForAttention(enrollment: EnrollmentRecord, stepId: string, reason: string): Promise<void> {
    const db = useDb();
    const runId = `${enrollment.id}:${stepId}`;
    await inChange([db.stepRuns, db.enrollments], async () => {
      const run = await db.stepRuns.get(runId);
      await db.stepRuns.put({
        ...(run ?? newStepRun({ id: runId, enrollmentId: enrollment.id, stepId, dueAt: enrollment.nextDueAt })),
        state: 'blocked',
        reason,
        updatedAt: now(),
      });
      await db.enrollments.update(enrollment.id, { hold: 'needs-attention', updatedAt: now() });
      return {
        result: undefined,
        change: {
          name: 'step-run/blocked',
          args: { id: runId },
          feed: { kind: 'email.blocked', text: `Waiting for you: ${reason}`, campaignId: enrollment.campaignId },
        },
      };
    });
  }
}

/** The copies to save in Sent for the sent emails of a recorded chunk (their mailbox saves copies, the host gave the message). */
function sentCopiesOf(chunk: readonly { send: Prepared; outcome: SendOutcome }[]): SentCopyInput[] {
  return chunk.flatMap(({ send, outcome }) =>
    outcome.status === 'sent' && outcome.raw && savesSentCopy(send.mailbox)
      ? [
          {
            id: send.claimed.id,
            mailboxId: send.mailbox.id,
            messageId: outcome.deliveredMessageId ?? send.claimed.messageId!,
            subject: send.claimed.subject,
            to: displayName(send.contact),
            campaignId: send.campaign.id,
            contactId: send.contact.id,
            raw: outcome.raw,
            sentAt: outcome.at,
          },
        ]
      : [],
  );
}

/** Why a send waits in Needs attention instead of going to someone who must not be mailed. */
function notMailed(contact: ContactRecord, why: string): string {
  return `not sent to ${displayName(contact)}: ${why}, so it is never emailed again; remove them from the campaign or skip this email`;
}

/** What one due batch reads, read in one transaction with `bulkGet` (one `get` each took ~0.4 ms a read). */
interface BatchReads {
  device: string | undefined;
  enrollments: Map<string, EnrollmentRecord>;
  campaigns: Map<string, CampaignRecord>;
  contacts: Map<string, ContactRecord>;
  mailboxes: Map<string, MailboxRecord>;
  /** Each enrollment's current and previous step runs. */
  runs: Map<string, StepRunRecord>;
  /** The suppression rows of the batch's addresses (SPEC §12), by lower-cased address. */
  suppressions: Map<string, SuppressionRecord>;
}

async function readBatch(ids: readonly string[]): Promise<BatchReads> {
  const db = useDb();
  const byId = <T extends { id: string }>(rows: (T | undefined)[]): Map<string, T> =>
    new Map(rows.filter((r): r is T => !!r).map((r) => [r.id, r]));
  return db.transaction(
    'r',
    [db.meta, db.enrollments, db.campaigns, db.contacts, db.mailboxes, db.stepRuns, db.suppressions],
    async () => {
      const device = await readDeviceId();
      const enrollments = byId(await db.enrollments.bulkGet([...ids]));
      const all = [...enrollments.values()];
      const campaigns = byId(await db.campaigns.bulkGet([...new Set(all.map((e) => e.campaignId))]));
      const contacts = byId(await db.contacts.bulkGet(all.map((e) => e.contactId)));
      const mailboxes = byId(await db.mailboxes.bulkGet([...new Set(all.map((e) => e.mailboxId))]));
      const runIds = all.flatMap((e) => {
        const steps = campaigns.get(e.campaignId)?.steps ?? [];
        return [steps[e.nextStepIndex], steps[e.nextStepIndex - 1]]
          .filter((step): step is Step => !!step)
          .map((step) => `${e.id}:${step.id}`);
      });
      const runs = byId(await db.stepRuns.bulkGet(runIds));
      const suppressions = byId(await db.suppressions.bulkGet([...contacts.values()].map((c) => c.emailKey)));
      return { device, enrollments, campaigns, contacts, mailboxes, runs, suppressions };
    },
  );
}

/** A step run as the email it sent (for a follow-up to quote and thread onto), or undefined if it did not go. */
function sentCopy(run: StepRunRecord | undefined): SentCopy | undefined {
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

/** The previous email step's sent copy, when the step before this one is an email (R10). */
export async function previousSent(enrollment: EnrollmentRecord, index: number): Promise<SentCopy | undefined> {
  const db = useDb();
  const campaign = await db.campaigns.get(enrollment.campaignId);
  const before = campaign?.steps[index - 1];
  if (!before || before.type !== 'email') return undefined;
  return sentCopy(await db.stepRuns.get(`${enrollment.id}:${before.id}`));
}

/**
 * Whether an enrollment still waits on the step this send was claimed for: same step, and
 * neither finished nor removed (a pause meanwhile does not stop the outcome being recorded).
 */
function stillOn(enrollment: EnrollmentRecord, send: Prepared): boolean {
  return (
    enrollment.nextStepIndex === send.enrollment.nextStepIndex &&
    (enrollment.status === 'active' || enrollment.status === 'paused')
  );
}
