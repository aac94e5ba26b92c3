import { liveQuery, type Subscription } from 'dexie';
import { composeEmail, type SentCopy } from '../../../core/compose';
import type { SendOutcome } from '../../../core/host/contract';
import { compileCampaign, resolveEnrollment, type StepDone } from '../../../core/resolver';
import { mergeContext, renderTemplate } from '../../../core/templating';
import { newMessageId, replyHeaders } from '../../../core/threading';
import { DAY_MS, ZoneClock, wallDay } from '../../../core/zones';
import { inChange, now, setClock } from '../db/change';
import { useDb } from '../db/database';
import { toCoreCampaign } from '../db/repos/campaigns';
import { displayName, toCoreContact } from '../db/repos/contacts';
import { newStepRun, type EnrollmentRecord, type StepRunRecord, type TaskRecord } from '../db/records';
import type { HostClient } from '../host/client';

/**
 * The send engine in the renderer (ARCHITECTURE.md, "one scheduled email, end to end"):
 * arms the host's scheduler with every enrollment's next due instant, and when one falls
 * due claims it (step run `sending`, Message-ID fixed) in one transaction, composes it
 * with core, sends it through the host, records the outcome in one transaction and
 * releases the next step with core's resolver (SPEC R8). Tasks are created instead of sent.
 */

/** SPEC R9: how late a send may still go by itself after the app was closed, asleep or offline. */
export const OVERDUE_GRACE_MS = 2 * 3_600_000;

/** SPEC §5: retry after 1, 5, 15 minutes, then the send needs attention. */
export const RETRY_BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000];

export class Engine {
  private online = true;
  private queue: Promise<void> = Promise.resolve();
  private subscription: Subscription | undefined;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly host: HostClient) {}

  /** Starts: follows the host's clock, recovers unfinished claims, arms every pending job. */
  async start(): Promise<void> {
    const { now: hostNow } = await this.host.call('clock/now', {});
    const follow = (at: number): void => {
      const offset = at - Date.now();
      setClock(() => Date.now() + offset);
    };
    follow(hostNow);
    this.online = (await this.host.call('net/status', {})).online;
    this.stops.push(
      this.host.on('clock/changed', ({ now: at }) => follow(at)),
      this.host.on('scheduler/due', ({ jobs, now: at }) => {
        // The host's clock at firing: follow it, so a job due "now" is not seen as a few ms early.
        follow(at);
        this.enqueue(jobs.map((job) => job.id));
      }),
      this.host.on('net/online-changed', ({ online }) => {
        if (online === this.online) return;
        this.online = online;
        void useDb()
          .feed.add({
            at: now(),
            kind: online ? 'network.online' : 'network.offline',
            text: online
              ? 'Back online: emails that fell due go out now (within two hours of their time) or wait in Overdue'
              : 'Offline: nothing is sent until the network is back; tasks and editing go on as usual',
          })
          .catch(() => undefined);
        if (online) void this.rearm();
      }),
      // The web host restarted: it knows no jobs and may have moved on; arm it afresh.
      this.host.onReconnect(() => {
        void (async () => {
          follow((await this.host.call('clock/now', {})).now);
          this.online = (await this.host.call('net/status', {})).online;
          await this.rearm();
        })().catch((error: unknown) => console.error('engine: cannot re-arm after reconnecting', error));
      }),
    );
    await this.recoverClaims();
    // Every change to what is pending re-arms the host (launch, release, pause, remove).
    this.subscription = liveQuery(() => pendingHere()).subscribe({
      next: (pending) => void this.arm(pending),
      error: (error: unknown) => console.error('engine: cannot read pending enrollments', error),
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    for (const stop of this.stops) stop();
  }

  private async arm(pending: EnrollmentRecord[]): Promise<void> {
    await this.host.call('scheduler/set', {
      jobs: pending.map((e) => ({ id: e.id, dueAt: e.nextDueAt })),
      replace: true,
    });
  }

  private async rearm(): Promise<void> {
    await this.arm(await pendingHere());
  }

  /** SPEC §5: a claim found `sending` at start-up (a crash mid-send) becomes unknown and waits for a person. */
  private async recoverClaims(): Promise<void> {
    const db = useDb();
    const stale = await db.stepRuns.where('state').equals('sending').toArray();
    for (const run of stale) {
      await inChange([db.stepRuns, db.enrollments], async () => {
        await db.stepRuns.update(run.id, {
          state: 'unknown',
          reason: 'the app stopped while this email was being sent; it may or may not have gone',
          updatedAt: now(),
        });
        await db.enrollments.update(run.enrollmentId, { hold: 'needs-attention', updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'step-run/unknown',
            args: { id: run.id },
            feed: {
              kind: 'email.unknown',
              text: `Unknown outcome: "${run.subject}" may or may not have been sent (the app stopped mid-send)`,
            },
          },
        };
      });
    }
  }

  /** Runs due enrollments one after another, in the order they fell due. */
  enqueue(ids: readonly string[]): void {
    for (const id of ids) {
      this.queue = this.queue
        .then(() => this.process(id))
        .catch((error: unknown) => console.error('engine: step failed', id, error));
    }
  }

  /** Waits until everything queued so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async process(enrollmentId: string): Promise<void> {
    if (!this.online) return; // SPEC §5: nothing leaves while offline; coming back re-arms.
    const db = useDb();
    const enrollment = await db.enrollments.get(enrollmentId);
    if (!enrollment || enrollment.status !== 'active' || enrollment.hold) return;
    if (enrollment.deviceId !== (await thisDevice())) return; // SPEC §7: only the launching device sends.
    if (enrollment.nextDueAt > now()) {
      // Handed over early (clocks a hair apart): arm it again rather than lose it.
      await this.host.tryCall('scheduler/set', {
        jobs: [{ id: enrollment.id, dueAt: enrollment.nextDueAt }],
        replace: false,
      });
      return;
    }
    const campaign = await db.campaigns.get(enrollment.campaignId);
    const contact = await db.contacts.get(enrollment.contactId);
    const mailbox = await db.mailboxes.get(enrollment.mailboxId);
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
      return;
    }
    const runId = `${enrollment.id}:${step.id}`;
    const existing = await db.stepRuns.get(runId);
    // Written by hand in the compose window (an email task sent from the app): send it as written.
    const byHand = existing?.edited === true && existing.state === 'scheduled' ? existing : undefined;

    if (step.type !== 'email' || (!byHand && step.send.timing === 'task')) {
      const context = mergeContext(toCoreContact(contact), mailbox);
      const rendered = step.type === 'email' ? undefined : renderTemplate(step.title, context);
      const title =
        step.type === 'email'
          ? `Email ${displayName(contact)}: ${step.subject ?? 'follow-up'}`
          : rendered?.ok
            ? rendered.text
            : step.title;
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
      await this.host.tryCall('notify/show', { title: 'Task due', body: task.title, tag: task.id, taskId: task.id });
      return;
    }

    // R9: a send overdue by more than the grace period is not sent silently; it waits for a person.
    if (now() - enrollment.nextDueAt > OVERDUE_GRACE_MS) {
      await inChange([db.enrollments], async () => {
        await db.enrollments.update(enrollment.id, { hold: 'overdue', updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'enrollment/overdue',
            args: { id: enrollment.id },
            feed: {
              kind: 'email.overdue',
              text: `Overdue, not sent: the email to ${displayName(contact)} was due ${new Date(enrollment.nextDueAt).toLocaleString()}; send it now, reschedule or skip it in the Command Center`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
      return;
    }
    const previous = await previousSent(enrollment, enrollment.nextStepIndex);
    const composed: ReturnType<typeof composeEmail> = byHand
      ? {
          subject: byHand.subject,
          html: byHand.html,
          text: byHand.text,
          ...(step.send.followUp && previous && !previous.outside
            ? replyHeaders({ messageId: previous.messageId, references: previous.references })
            : {}),
        }
      : composeEmail(step, toCoreContact(contact), mailbox, previous);
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
      return;
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
    const claimedOk = await db.transaction('rw', db.stepRuns, db.enrollments, async () => {
      const current = await db.enrollments.get(enrollment.id);
      if (
        !current ||
        current.status !== 'active' ||
        current.hold ||
        current.nextStepIndex !== enrollment.nextStepIndex ||
        current.nextDueAt !== enrollment.nextDueAt
      )
        return false;
      const run = await db.stepRuns.get(runId);
      if (run && run.state !== 'scheduled') return false; // already sending or done: never twice
      await db.stepRuns.put(claimed);
      return true;
    });
    if (!claimedOk) return;

    const zone = ZoneClock.for(mailbox.timeZone);
    const today = wallDay(zone.toWall(now()));
    const startOfDay = zone.fromWall(today * DAY_MS);
    const mine = await db.stepRuns
      .where('state')
      .equals('sent')
      .filter((r) => r.mailboxId === mailbox.id && r.sentAt !== null && r.sentAt >= startOfDay)
      .toArray();
    let outcome: SendOutcome;
    try {
      outcome = await this.host.call('mail/send', {
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
        },
        history: {
          sentToday: mine.length,
          lastSentAt: mine.reduce<number | null>(
            (last, r) => (last === null || r.sentAt! > last ? r.sentAt : last),
            null,
          ),
        },
      });
    } catch (error) {
      // The host went away mid-send: the email may or may not have gone. A person decides.
      outcome = { status: 'unknown', message: `the send was interrupted (${(error as Error).message})` };
    }
    const who = displayName(contact);
    if (outcome.status === 'sent') {
      await inChange([db.stepRuns, db.enrollments, db.tasks, db.campaigns], async () => {
        await db.stepRuns.put({
          ...claimed,
          state: 'sent',
          sentAt: outcome.at,
          smtpReply: outcome.response,
          updatedAt: now(),
        });
        await db.enrollments.update(enrollment.id, { attempts: 0 });
        await releaseNext(enrollment.id);
        const note = composed.note ? ` (${composed.note})` : '';
        return {
          result: undefined,
          change: {
            name: 'step-run/sent',
            args: { id: runId, sentAt: outcome.at },
            feed: {
              kind: 'email.sent',
              text: `Sent "${claimed.subject}" to ${who}${note}`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
    } else if (outcome.status === 'offline') {
      // Nothing was attempted: back to scheduled; the network's return re-arms it (SPEC §5).
      await db.stepRuns.put({ ...claimed, state: 'scheduled', updatedAt: now() });
      this.online = false;
    } else if (outcome.status === 'unknown') {
      await inChange([db.stepRuns, db.enrollments], async () => {
        await db.stepRuns.put({ ...claimed, state: 'unknown', reason: outcome.message, updatedAt: now() });
        await db.enrollments.update(enrollment.id, { hold: 'needs-attention', updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'step-run/unknown',
            args: { id: runId },
            feed: {
              kind: 'email.unknown',
              text: `Unknown outcome: "${claimed.subject}" to ${who} may or may not have been sent (${outcome.message})`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
    } else if (outcome.status === 'deferred') {
      await inChange([db.stepRuns, db.enrollments], async () => {
        await db.stepRuns.put({ ...claimed, state: 'scheduled', updatedAt: now() });
        await db.enrollments.update(enrollment.id, { nextDueAt: outcome.until, updatedAt: now() });
        const why =
          outcome.reason === 'daily-limit' ? "the mailbox's daily limit is reached" : 'the minimum gap between sends';
        return {
          result: undefined,
          change: {
            name: 'step-run/deferred',
            args: { id: runId, until: outcome.until },
            feed: {
              kind: 'email.deferred',
              text: `Waiting to send "${claimed.subject}" to ${who}: ${why}`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
    } else if (outcome.status === 'retry' && (enrollment.attempts ?? 0) < RETRY_BACKOFF_MS.length) {
      const attempts = (enrollment.attempts ?? 0) + 1;
      const wait = RETRY_BACKOFF_MS[attempts - 1]!;
      await inChange([db.stepRuns, db.enrollments], async () => {
        await db.stepRuns.put({ ...claimed, state: 'scheduled', smtpReply: outcome.message, updatedAt: now() });
        await db.enrollments.update(enrollment.id, { attempts, nextDueAt: now() + wait, updatedAt: now() });
        return {
          result: undefined,
          change: {
            name: 'step-run/retry',
            args: { id: runId, attempts },
            feed: {
              kind: 'email.retried',
              text: `Will retry "${claimed.subject}" to ${who} in ${wait / 60_000} min: ${outcome.message}`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
    } else {
      // 5xx, or retries used up: the send fails with the server's text; a 5xx pauses the enrollment.
      const message = 'message' in outcome ? outcome.message : 'unknown';
      await inChange([db.stepRuns, db.enrollments], async () => {
        await db.stepRuns.put({ ...claimed, state: 'failed', smtpReply: message, reason: message, updatedAt: now() });
        await db.enrollments.update(
          enrollment.id,
          outcome.status === 'failed'
            ? { status: 'paused', pausedBy: 'server', hold: 'needs-attention', updatedAt: now() }
            : { hold: 'needs-attention', updatedAt: now() },
        );
        return {
          result: undefined,
          change: {
            name: 'step-run/failed',
            args: { id: runId, message },
            feed: {
              kind: 'email.failed',
              text: `Failed to send "${claimed.subject}" to ${who}: ${message}`,
              campaignId: campaign.id,
              contactId: contact.id,
            },
          },
        };
      });
    }
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

/** The previous email step's sent copy, when the step before this one is an email (R10). */
export async function previousSent(enrollment: EnrollmentRecord, index: number): Promise<SentCopy | undefined> {
  const db = useDb();
  const campaign = await db.campaigns.get(enrollment.campaignId);
  const before = campaign?.steps[index - 1];
  if (!before || before.type !== 'email') return undefined;
  const run = await db.stepRuns.get(`${enrollment.id}:${before.id}`);
  if (!run || run.state !== 'sent' || !run.messageId || run.sentAt === null) return undefined;
  return {
    subject: run.subject,
    html: run.html,
    text: run.text,
    messageId: run.messageId,
    references: run.references,
    sentAt: run.sentAt,
    outside: run.outside ?? false,
  };
}

/** This device's id (written with its first change; enrollments it launches carry it). */
export async function thisDevice(): Promise<string | undefined> {
  return (await useDb().meta.get('deviceId'))?.value as string | undefined;
}

/**
 * The enrollments this device's engine runs: active, not waiting for a person, and launched
 * here (SPEC §7: another device's enrollments are shown, never sent from this one).
 */
async function pendingHere(): Promise<EnrollmentRecord[]> {
  const db = useDb();
  const device = await thisDevice();
  return db.enrollments
    .where('[status+nextDueAt]')
    .between(['active', -Infinity], ['active', Infinity])
    .filter((e) => !e.hold && e.deviceId === device)
    .toArray();
}

/**
 * Releases the step after the last done one (SPEC R8), with core's resolver over what really
 * happened; the enrollment finishes after its last step. Runs inside the caller's transaction.
 */
export async function releaseNext(enrollmentId: string): Promise<void> {
  const db = useDb();
  const enrollment = (await db.enrollments.get(enrollmentId))!;
  const campaign = (await db.campaigns.get(enrollment.campaignId))!;
  const done: StepDone[] = [];
  for (const step of campaign.steps) {
    const id = `${enrollment.id}:${step.id}`;
    const run = await db.stepRuns.get(id);
    const task = await db.tasks.get(id);
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
  if (next >= campaign.steps.length) {
    await db.enrollments.update(enrollment.id, {
      status: 'finished',
      hold: null,
      nextStepIndex: next,
      updatedAt: now(),
    });
    return;
  }
  const planned = resolveEnrollment(
    compileCampaign(toCoreCampaign(campaign)),
    ZoneClock.for(enrollment.zone),
    enrollment.launchedAt,
    enrollment.firstSendAt,
    done,
  );
  const step = planned[next]!;
  await db.enrollments.update(enrollment.id, {
    nextStepIndex: next,
    nextDueAt: step.dueAt,
    nextAction: step.action,
    hold: null,
    attempts: 0,
    updatedAt: now(),
  });
}
