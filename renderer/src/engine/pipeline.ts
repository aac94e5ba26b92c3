import type { ComposedEmail, SentCopy } from '../../../core/compose';
import { composeDue, decideDue, notMailedReason, sentCopyOf, stillClaimable } from '../../../core/engine/due';
import {
  recordOutcome,
  sentRun,
  stillOn,
  type Held,
  type SendOutcome,
  type UnsentOutcome,
} from '../../../core/engine/outcome';
import { newMessageId } from '../../../core/threading';
import { inChange, now, type Change } from '../db/change';
import { ignoreWrites } from '../db/capture';
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
import type { Step } from '../../../core/model';

/**
 * The send pipeline (ARCHITECTURE.md, "one email, end to end"): for a batch of due
 * enrollments, reads them, decides each with core (core/engine/due.ts: task, hold, overdue, or an
 * email composed with core), claims the sends (step run `sending`, Message-ID fixed) in one
 * transaction, hands them to the host's mailer, and records the outcomes as core decides them
 * (core/engine/outcome.ts) in as few transactions as the sends allow, releasing next steps
 * (SPEC R8, core/engine/release.ts). This file reads and writes; the rules are in core. The
 * engine (engine.ts) owns when a batch runs.
 */

/** The rules' constants live in core beside their rules; re-exported for the engine's users. */
export { ON_TIME_SLACK_MS, OVERDUE_GRACE_MS } from '../../../core/engine/due';
export { RETRY_BACKOFF_MS } from '../../../core/engine/outcome';

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
   * Looks at one due enrollment: core's `decideDue` says whether to raise its task, hold it
   * (overdue, blocked, a reference gone, not to be mailed) or compose its email (`composeDue`);
   * this writes what it decided. Only a send to make is returned, for the batch to claim.
   */
  private async prepare(
    enrollmentId: string,
    reads: BatchReads,
    unsubscribe: UnsubscribeSettings,
  ): Promise<Prepared | undefined> {
    const db = useDb();
    const enrollment = reads.enrollments.get(enrollmentId);
    if (!enrollment) return undefined;
    const campaign = reads.campaigns.get(enrollment.campaignId);
    const contact = reads.contacts.get(enrollment.contactId);
    const mailbox = reads.mailboxes.get(enrollment.mailboxId);
    const person = contact && {
      ...toCoreContact(contact),
      bounced: contact.bounced,
      unsubscribed: contact.unsubscribed,
    };
    const decision = decideDue({
      now: now(),
      device: reads.device,
      enrollment,
      campaign,
      contact: person,
      name: contact ? displayName(contact) : '',
      mailbox,
      suppression: contact && reads.suppressions.get(contact.emailKey),
      runOf: (stepId) => reads.runs.get(`${enrollment.id}:${stepId}`),
    });
    if (decision.kind === 'ignore') return undefined;
    if (decision.kind === 'early') {
      // Handed over early (clocks a hair apart): arm it again rather than lose it.
      await this.host.tryCall('scheduler/set', {
        jobs: [{ id: enrollment.id, dueAt: decision.dueAt }],
        replace: false,
      });
      return undefined;
    }
    if (decision.kind === 'held') {
      await this.holdForAttention(enrollment, decision.stepId, decision.reason);
      return undefined;
    }
    // decideDue holds an enrollment whose campaign, person or mailbox is gone.
    if (!campaign || !contact || !person || !mailbox) return undefined;
    if (decision.kind === 'task') {
      const task: TaskRecord = {
        id: `${enrollment.id}:${decision.step.id}`,
        enrollmentId: enrollment.id,
        campaignId: campaign.id,
        contactId: contact.id,
        stepId: decision.step.id,
        ...decision.task,
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
    if (decision.kind === 'overdue') {
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
    const { step, byHand } = decision;
    const runId = `${enrollment.id}:${step.id}`;
    // SPEC §12: every automatic campaign email carries List-Unsubscribe (the token made here,
    // offline too); one the salesperson wrote and sent by hand is a personal email and does not.
    const links = byHand ? undefined : await linksFor(unsubscribe, mailbox.email, contact.emailKey);
    const composed = composeDue(decision, person, mailbox, links && footerLink(links));
    const base: StepRunRecord =
      reads.runs.get(runId) ??
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
        // The claim records no change (the send's outcome does): the sync capture need not read
        // each step run as it was before the put.
        ignoreWrites();
        stopped.length = 0;
        const current = await db.enrollments.bulkGet(sends.map((p) => p.enrollment.id));
        const runs = await db.stepRuns.bulkGet(sends.map((p) => p.claimed.id));
        // SPEC §12, checked again here, just before the send: an unsubscribe, a complaint or a
        // bounce that arrived (or synced) since the batch was read stops it.
        const contacts = await db.contacts.bulkGet(sends.map((p) => p.contact.id));
        const suppressions = await db.suppressions.bulkGet(sends.map((p, i) => (contacts[i] ?? p.contact).emailKey));
        const ready = sends.filter((p, i) => {
          if (!stillClaimable(current[i], p.enrollment, runs[i])) return false;
          const contact = contacts[i] ?? p.contact;
          const reason = doNotMailReason(contact, suppressions[i]);
          if (reason) stopped.push({ send: p, reason: notMailedReason(displayName(contact), reason) });
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
      // The host refused the call before running it (its input check, an unknown call, a page it
      // does not serve): nothing was attempted, so it is tried again.
      const type = error instanceof HostCallError ? error.type : 'internal';
      if (delivery === 'refused' && type !== 'internal')
        return { status: 'retry', code: null, message: `not sent: ${message}` };
      // An `internal` error can come after the transfer: the mailer answers its own failures as
      // outcomes (those before any attempt are a retry "not sent: …"), so a thrown error is the
      // host's or the page's transport failing (a rejected Electron invoke, an unreadable reply, a
      // host bug after the server accepted the data). A retry could send the email twice (SPEC §5):
      // a person decides.
      if (delivery === 'refused')
        return { status: 'unknown', message: `the host failed while sending, the email may have gone (${message})` };
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
      sent.map(({ send, outcome }) => ({ ...send.claimed, ...sentRun(outcome), updatedAt: at })),
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
      if (!enrollment || !campaign || !stillOn(enrollment, send.enrollment.nextStepIndex)) continue;
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

  /**
   * Writes one unsent send's outcome as core's `recordOutcome` decides it (inside the caller's
   * transaction; sent ones go through `recordSent`) and returns its change, if any.
   */
  private async applyOutcome(p: Prepared, outcome: UnsentOutcome): Promise<Change | undefined> {
    const db = useDb();
    const { enrollment, campaign, contact, claimed } = p;
    const current = await db.enrollments.get(enrollment.id);
    const decided = recordOutcome({
      outcome,
      now: now(),
      claimed: enrollment,
      current,
      runState:
        outcome.status === 'held' || (current && stillOn(current, enrollment.nextStepIndex))
          ? undefined
          : (await db.stepRuns.get(claimed.id))?.state,
      subject: claimed.subject,
      name: displayName(contact),
    });
    if (decided.run) await db.stepRuns.put({ ...claimed, ...decided.run, updatedAt: now() });
    if (decided.enrollment) await db.enrollments.update(enrollment.id, { ...decided.enrollment, updatedAt: now() });
    if (decided.offline) this.owner.wentOffline();
    if (!decided.change) return undefined;
    const { name, args, feed } = decided.change;
    return {
      name,
      args: { id: claimed.id, ...args },
      feed: { ...feed, campaignId: campaign.id, contactId: contact.id },
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

/** The previous email step's sent copy, when the step before this one is an email (R10). */
export async function previousSent(enrollment: EnrollmentRecord, index: number): Promise<SentCopy | undefined> {
  const db = useDb();
  const campaign = await db.campaigns.get(enrollment.campaignId);
  const before = campaign?.steps[index - 1];
  if (!before || before.type !== 'email') return undefined;
  return sentCopyOf(await db.stepRuns.get(`${enrollment.id}:${before.id}`));
}
