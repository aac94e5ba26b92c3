import { PassThrough, Transform, type Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import { classifyTransfer, deliveredMessageId } from '../../core/engine/transfer';
import type {
  SendOutcome as ContractSendOutcome,
  OutgoingMessage,
  SendLimits,
  SmtpSettings,
} from '../../core/host/contract';
import { withMessageId } from '../../core/sent-copy';
import { ZoneClock, wallDay, DAY_MS } from '../../core/zones';
import { Scheduler, type Clock } from './scheduler';

/**
 * The mailer (SPEC §5, R11): one pooled nodemailer transport per mailbox, the
 * mailbox's daily limit and minimum gap enforced for every send, and every SMTP
 * outcome classified as sent, retry (4xx, connection errors before the data), failed
 * (5xx) or unknown (no reply after the end of the data was handed over). The mailer owns
 * R11's counters (sends today, the last send's instant): the renderer tells it once per
 * mailbox what its database knows ({@link Mailer.tellSentToday}), then the mailer counts. A
 * send kept back by the minimum gap waits here for its slot when asked to (`waitForSlot`),
 * instead of going back to the renderer to be handed over again. Nothing
 * here or in nodemailer re-sends a message whose data was handed over (the pool's
 * re-queue is off); the engine owns the backoff (1, 5, 15 min), so a retry survives
 * a restart and reuses the stored Message-ID.
 */

export type { Address, OutgoingMessage, SendLimits, SmtpSettings } from '../../core/host/contract';

/** What the mailer itself answers: every outcome of the contract but `offline`, which the services add. */
export type SendOutcome = Exclude<ContractSendOutcome, { status: 'offline' }>;

interface MailboxState {
  key: string;
  transport: Transporter;
  day: number;
  sentToday: number;
  lastSentAt: number;
  /** Sends are admitted one at a time (the limit check and the reservation), then go concurrently on the pool. */
  queue: Promise<unknown>;
  /**
   * Min-gap slots handed out, by Message-ID: sends that arrive together are deferred to
   * distinct instants `minGap` apart (not all to the same one, to collide again).
   */
  slots: Map<string, number>;
  /** The first instant no slot has been handed out for yet, UTC ms. */
  nextFree: number;
  /** The latest last-send instant found in the future after the clock went back, UTC ms. */
  correctedFrom: number;
}

/** Pooled SMTP connections per mailbox. */
export const POOL_CONNECTIONS = 5;

/**
 * The furthest a send kept back by the minimum gap waits in the host for its slot, ms: a
 * later slot is answered `deferred` (the renderer hands the send over again at that instant),
 * so a person can still skip or pause a send that would wait longer (a waiting send is on its way).
 */
export const HOLD_HORIZON_MS = 5 * 60_000;

/** What the database knew of a mailbox's day when the renderer told it (`mail/set-sent-today`). */
export interface SentToday {
  /** The start of the mailbox's calendar day the count is for, UTC ms. */
  since: number;
  /** Sends of that day this device made (as its database has recorded them). */
  sentToday: number;
  /**
   * Sends of that day other devices made (pulled by sync), counted on top of this device's:
   * the mailer's own count covers only this device, sends in flight included. Default 0.
   */
  elsewhere?: number | undefined;
  /** The last send's instant, UTC ms, or null when none is known. */
  lastSentAt: number | null;
}

/** A send waiting in the host for its minimum-gap slot. */
export interface HeldSend {
  mailboxId: string;
  messageId: string;
  /** Its slot, UTC ms. */
  until: number;
  reason: 'min-gap';
}

export class Mailer {
  private readonly mailboxes = new Map<string, MailboxState>();
  /** What the renderer told of each mailbox's day (see tellSentToday). */
  private readonly told = new Map<string, SentToday>();
  /** Sends waiting for their slot, by Message-ID: how each is woken (at its slot, or let go). */
  private readonly waiting = new Map<string, (how: 'due' | 'released') => void>();
  /** The slots' timers: the host's own scheduler on the host's clock (a test clock moved wakes them). */
  private readonly slots: Scheduler;
  private readonly held: ((send: HeldSend) => void) | undefined;

  /**
   * @param passwordFor the stored SMTP password of a mailbox
   * @param now the host's clock, UTC ms
   * @param options.clock the timers the slots wait on (default: real timers on `now`)
   * @param options.held told each time a send starts waiting in the host for its slot
   */
  constructor(
    private readonly passwordFor: (mailboxId: string) => Promise<string | undefined>,
    private readonly now: () => number = Date.now,
    options: { clock?: Clock; held?: (send: HeldSend) => void } = {},
  ) {
    this.held = options.held;
    this.slots = new Scheduler(
      (jobs) => {
        for (const job of jobs) this.wake(job.id, 'due');
      },
      options.clock ?? {
        now,
        setTimeout: (fire, ms) => setTimeout(fire, ms),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    );
  }

  /**
   * R11 across restarts and devices: what the local database knows of a mailbox's day (the
   * renderer tells it at its start, on reconnect, and after a pull brought sends). This
   * device's count and the later instant win over the mailer's own where higher (the mailer's
   * counts sends in flight the database has not recorded yet), and other devices' sends are
   * added on top; a count for another day than the mailbox's today is not used. Two tellings
   * for the same day keep the higher counts and the later instant, so one answered late (read
   * before a pull was written) never lowers them.
   */
  tellSentToday(mailboxId: string, known: SentToday): void {
    const before = this.told.get(mailboxId);
    if (before?.since !== known.since) {
      this.told.set(mailboxId, known);
      return;
    }
    const last = [before.lastSentAt, known.lastSentAt].filter((at) => at !== null);
    this.told.set(mailboxId, {
      since: known.since,
      sentToday: Math.max(before.sentToday, known.sentToday),
      elsewhere: Math.max(before.elsewhere ?? 0, known.elsewhere ?? 0),
      lastSentAt: last.length > 0 ? Math.max(...last) : null,
    });
  }

  /**
   * Lets sends waiting for their slot go back to their callers at once, answered `deferred`
   * with their slot (nothing was attempted): those with these Message-IDs, or all of them.
   * @returns the Message-IDs let go.
   */
  releaseHeld(messageIds?: readonly string[]): string[] {
    const ids = messageIds ? messageIds.filter((id) => this.waiting.has(id)) : [...this.waiting.keys()];
    this.slots.remove(ids);
    for (const id of ids) this.wake(id, 'released');
    return ids;
  }

  /** Re-checks the slots' timers (the host's clock may have jumped). */
  check(): void {
    this.slots.check();
  }

  private wake(messageId: string, how: 'due' | 'released'): void {
    const resolve = this.waiting.get(messageId);
    this.waiting.delete(messageId);
    resolve?.(how);
  }

  private async state(mailboxId: string, smtp: SmtpSettings): Promise<MailboxState> {
    const password = await this.passwordFor(mailboxId);
    const key = JSON.stringify([smtp, password ?? null]);
    const current = this.mailboxes.get(mailboxId);
    if (current && current.key === key) return current;
    current?.transport.close();
    const transport = nodemailer.createTransport({
      pool: true,
      // nodemailer's default; most providers allow at least this many connections per account.
      maxConnections: POOL_CONNECTIONS,
      ...connectionOptions(smtp, password),
      // SPEC §5: a message whose connection closed mid-send is never sent again by the pool;
      // the outcome (retry or unknown) is decided from how far the transfer got.
      maxRequeues: 0,
    });
    transport.use('stream', (mail, done) => {
      const tracker = (mail.data as { transferTracker?: TransferTracker }).transferTracker;
      if (tracker) mail.message.processFunc((input: Readable) => watchDataEnd(input, tracker));
      done();
    });
    const state: MailboxState = {
      key,
      transport,
      day: -1,
      sentToday: 0,
      lastSentAt: Number.NEGATIVE_INFINITY,
      queue: Promise.resolve(),
      slots: new Map(),
      nextFree: Number.NEGATIVE_INFINITY,
      correctedFrom: Number.NEGATIVE_INFINITY,
    };
    if (current)
      Object.assign(state, {
        day: current.day,
        sentToday: current.sentToday,
        lastSentAt: current.lastSentAt,
        slots: current.slots,
        nextFree: current.nextFree,
        correctedFrom: current.correctedFrom,
        // Admission stays one queue across a settings change, so the limits hold through it.
        queue: current.queue,
      });
    this.mailboxes.set(mailboxId, state);
    return state;
  }

  /**
   * Sends one message now, or says when it may go (R11).
   * @param options.keepRaw a sent outcome carries `raw`: the message exactly as its data went to
   *   the connection (before SMTP dot-stuffing), with the delivered Message-ID when the server
   *   replaced ours (SPEC §5), for the copy in the Sent folder.
   * @param options.waitForSlot a send kept back by the minimum gap whose slot is at most
   *   {@link HOLD_HORIZON_MS} away waits here for it (the `held` callback is told), then goes:
   *   the outcome is the send's. {@link releaseHeld} lets it go back `deferred` before then.
   * @returns `sent` with the server's reply; `deferred` with the next allowed instant (UTC ms);
   *   `retry` for a 4xx reply or a connection error, and "not sent: …" for a failure before any
   *   SMTP attempt (an unknown zone in `limits.zone`, a stored password that cannot be read, a
   *   pool that cannot be made); `failed` for a 5xx reply, with the server's text; `unknown`
   *   when the connection ended without a reply after the data was handed over. Throws only
   *   after the transfer (a bug): the engine reads that as `unknown`, never a retry.
   */
  async send(
    mailboxId: string,
    smtp: SmtpSettings,
    limits: SendLimits,
    message: OutgoingMessage,
    options: { keepRaw?: boolean; waitForSlot?: boolean } = {},
  ): Promise<SendOutcome> {
    let admission: Awaited<ReturnType<Mailer['admitted']>>;
    try {
      admission = await this.admitted(mailboxId, smtp, limits, message.messageId, options.waitForSlot === true);
    } catch (error) {
      // SPEC §5: a failure of the mailer's own before any SMTP attempt (a zone that does not
      // exist, a stored password that cannot be read, a pool that cannot be made) is answered,
      // not thrown: nothing went, so the engine tries again. A thrown error reads as `unknown`.
      return { status: 'retry', code: null, message: `not sent: ${(error as Error)?.message || String(error)}` };
    }
    if ('status' in admission) return admission;
    return this.transfer(admission.state, message, admission.slot, options.keepRaw === true);
  }

  /**
   * A send's admission (R11): its mailbox's pool, then the daily limit and the minimum gap,
   * waiting here for a min-gap slot when asked to (see {@link send}). Attempts nothing.
   * @returns the pool and the reserved slot, or the outcome that ends the send (`deferred`).
   * @throws what fails before any attempt: the stored password, the pool, an unknown zone.
   */
  private async admitted(
    mailboxId: string,
    smtp: SmtpSettings,
    limits: SendLimits,
    messageId: string,
    waitForSlot: boolean,
  ): Promise<SendOutcome | { state: MailboxState; slot: { at: number; undo: () => void } }> {
    let told: number | undefined;
    for (;;) {
      const state = await this.state(mailboxId, smtp);
      // Admission is serial, so two concurrent sends can never both take the last slot of the day.
      const admitted = state.queue.then(() => this.admit(state, mailboxId, limits, messageId));
      state.queue = admitted.catch(() => undefined);
      const admission = await admitted;
      if (!('status' in admission)) return { state, slot: admission };
      if (
        !waitForSlot ||
        admission.status !== 'deferred' ||
        admission.reason !== 'min-gap' ||
        admission.until - this.now() > HOLD_HORIZON_MS ||
        this.waiting.has(messageId)
      )
        return admission;
      const woken = new Promise<'due' | 'released'>((resolve) => this.waiting.set(messageId, resolve));
      if (told !== admission.until) {
        told = admission.until;
        this.held?.({ mailboxId, messageId, until: admission.until, reason: 'min-gap' });
      }
      this.slots.set([{ id: messageId, dueAt: admission.until }]);
      if ((await woken) === 'released') return admission;
    }
  }

  /**
   * R11 for one send: the daily limit and the minimum gap, counting sends in flight. A send
   * admitted reserves its slot (today's count and the last-send instant) until it ends.
   */
  private admit(
    state: MailboxState,
    mailboxId: string,
    limits: SendLimits,
    messageId: string,
  ): SendOutcome | { at: number; undo: () => void } {
    const zone = ZoneClock.for(limits.zone);
    const now = this.now();
    const today = wallDay(zone.toWall(now));
    const told = this.told.get(mailboxId);
    const ofToday = told !== undefined && told.since === zone.fromWall(today * DAY_MS);
    const history = {
      sentToday: ofToday ? told.sentToday : 0,
      elsewhere: ofToday ? (told.elsewhere ?? 0) : 0,
      lastSentAt: told?.lastSentAt ?? null,
    };
    if (state.day !== today) {
      state.day = today;
      state.sentToday = 0;
      state.slots.clear();
      state.nextFree = Number.NEGATIVE_INFINITY;
    }
    // This device's sends today: the mailer's own count (in-flight sends too) or the database's,
    // whichever is higher (a restarted host knows none of its own); other devices' come on top.
    const sentToday = Math.max(state.sentToday, history.sentToday);
    let recorded = history.lastSentAt ?? Number.NEGATIVE_INFINITY;
    // A recorded send from before a correction already counted (as `now` then): not again.
    if (recorded > now && recorded <= state.correctedFrom) recorded = Number.NEGATIVE_INFINITY;
    let lastSentAt = Math.max(state.lastSentAt, recorded);
    if (lastSentAt > now) {
      // The clock went back (NTP, a manual correction): the last send is "in the future", and
      // the time since it is not negative, only unknown. Count it as just now (SPEC "Clock
      // corrections": a gap is never read as negative), and let go of slots from the old clock.
      state.correctedFrom = Math.max(state.correctedFrom, lastSentAt);
      lastSentAt = now;
      state.lastSentAt = now;
      state.slots.clear();
      state.nextFree = Number.NEGATIVE_INFINITY;
    }
    if (sentToday + history.elsewhere >= limits.dailyLimit) {
      return { status: 'deferred', until: zone.fromWall((today + 1) * DAY_MS), reason: 'daily-limit' };
    }
    // Slots whose holder never came back (paused, skipped, removed) are let go once past,
    // so a later send is not kept waiting behind them.
    for (const [id, at] of state.slots) if (at < now - limits.minGapMs) state.slots.delete(id);
    state.nextFree =
      state.slots.size > 0 ? Math.max(...state.slots.values()) + limits.minGapMs : Number.NEGATIVE_INFINITY;
    if (now - lastSentAt < limits.minGapMs) {
      const slot = state.slots.get(messageId);
      let until: number;
      if (slot !== undefined && slot <= now)
        until = lastSentAt + limits.minGapMs; // its turn, a hair early
      else if (slot !== undefined)
        until = slot; // not its turn yet
      else {
        until = Math.max(lastSentAt + limits.minGapMs, state.nextFree);
        state.nextFree = until + limits.minGapMs;
        state.slots.set(messageId, until);
      }
      return { status: 'deferred', until, reason: 'min-gap' };
    }
    state.slots.delete(messageId);
    const before = { sentToday: state.sentToday, lastSentAt: state.lastSentAt };
    state.sentToday = sentToday + 1;
    state.lastSentAt = now;
    // A send that does not go gives its slot back (unless later sends have moved on since).
    const undo = (): void => {
      state.sentToday = Math.max(before.sentToday, state.sentToday - 1);
      if (state.lastSentAt === now) state.lastSentAt = before.lastSentAt;
    };
    return { at: now, undo };
  }

  /**
   * Hands the message to the pooled transport and classifies how it ended (SPEC §5): what the
   * server replied, and whether the end of the message data had reached the connection.
   */
  private async transfer(
    state: MailboxState,
    message: OutgoingMessage,
    slot: { at: number; undo: () => void },
    keepRaw: boolean,
  ): Promise<SendOutcome> {
    const now = slot.at;
    const tracker: TransferTracker = { dataHandedOver: false, ...(keepRaw ? { chunks: [] } : {}) };
    try {
      const info = (await state.transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId: message.messageId,
        inReplyTo: message.inReplyTo,
        references: message.references ? [...message.references] : undefined,
        headers: {
          ...(message.listUnsubscribe ? { 'List-Unsubscribe': message.listUnsubscribe } : {}),
          ...(message.listUnsubscribePost ? { 'List-Unsubscribe-Post': message.listUnsubscribePost } : {}),
        },
        date: new Date(now),
        disableFileAccess: true,
        disableUrlAccess: true,
        ...{ transferTracker: tracker },
      })) as { response?: unknown; serverMessageId?: unknown };
      const response = String(info.response ?? '');
      const delivered = deliveredMessageId(
        response,
        message.messageId,
        typeof info.serverMessageId === 'string' ? info.serverMessageId : undefined,
      );
      const wire = tracker.chunks ? Buffer.concat(tracker.chunks).toString('utf8') : undefined;
      return {
        status: 'sent',
        response,
        at: this.now(),
        ...(delivered ? { deliveredMessageId: delivered } : {}),
        ...(wire !== undefined ? { raw: delivered ? withMessageId(wire, delivered) : wire } : {}),
      };
    } catch (error) {
      const e = error as { responseCode?: unknown; response?: unknown; message?: unknown };
      const outcome = classifyTransfer({
        replyCode: typeof e.responseCode === 'number' ? e.responseCode : null,
        text: String(e.response ?? e.message ?? error),
        dataHandedOver: tracker.dataHandedOver,
      });
      // An unknown outcome may have gone: it keeps its slot.
      if (outcome.status !== 'unknown') slot.undo();
      return outcome;
    }
  }

  /**
   * Settings' **Test connection**: connects and authenticates with `smtp` on a connection of its
   * own (the send pool is left alone), sends nothing. `password`: the one typed in the form;
   * absent, the stored one. Never throws: a failure comes back as {@link describeSmtpFailure} words.
   */
  async verify(
    mailboxId: string,
    smtp: SmtpSettings,
    password?: string,
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    const transport = nodemailer.createTransport(
      connectionOptions(smtp, password ?? (await this.passwordFor(mailboxId))),
    );
    try {
      await transport.verify();
      return { ok: true };
    } catch (error) {
      return { ok: false, message: describeSmtpFailure(error, smtp) };
    } finally {
      transport.close();
    }
  }

  /** Closes every pooled connection; sends waiting for their slot go back `deferred`. */
  close(): void {
    this.releaseHeld();
    this.slots.stop();
    for (const state of this.mailboxes.values()) state.transport.close();
    this.mailboxes.clear();
  }
}

function connectionOptions(smtp: SmtpSettings, password: string | undefined) {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth: smtp.user ? { user: smtp.user, pass: password ?? '' } : undefined,
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

/** Node's socket and DNS codes that mean the SMTP server could not be reached, and why in words. */
const SMTP_UNREACHABLE_WHY: Record<string, string> = {
  ECONNREFUSED: 'nothing answers on that port',
  ENOTFOUND: 'the server name is not known',
  EAI_AGAIN: 'the server name is not known',
  EHOSTUNREACH: 'no network route to it',
  ENETUNREACH: 'no network route to it',
  ECONNRESET: 'the connection was cut',
  ETIMEDOUT: 'no answer in time',
};

/**
 * A failed SMTP check in a salesperson's words: a refused login (nodemailer's `EAUTH`, SMTP 535),
 * an unreachable server (the socket's code), or the server's own text.
 */
export function describeSmtpFailure(error: unknown, smtp: SmtpSettings): string {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; response?: unknown };
  const socketCode = /\b(E[A-Z_]+)\b/.exec(String(e.message ?? ''))?.[1];
  if (e.code === 'EAUTH')
    return `The mail server refused the password for ${smtp.user} (${smtp.host}): ${String(e.response ?? e.message)}. Enter the right password and save.`;
  const why = SMTP_UNREACHABLE_WHY[String(e.code)] ?? (socketCode ? SMTP_UNREACHABLE_WHY[socketCode] : undefined);
  if (why) return `Cannot reach ${smtp.host} on port ${smtp.port} (${why}). Check the server and port.`;
  if (e.code === 'ETLS' || e.code === 'ESOCKET')
    return `${smtp.host} on port ${smtp.port} did not agree on security: ${String(e.message)}. Check the Security setting (TLS for port 465, STARTTLS for 587).`;
  return `The mail server said: ${String(e.response ?? e.message ?? error)}`;
}

/** Set by the transport's stream plugin once the end of one message's data reached the connection. */
interface TransferTracker {
  dataHandedOver: boolean;
  /** When the message as it went is wanted (the copy in Sent): its bytes, in order. */
  chunks?: Buffer[];
}

/**
 * The last stage of a message's stream: the SMTP connection reads it only after the server
 * said 354 to DATA, and its end, read, is the end of the data handed to the connection (the
 * final dot goes right after). Nodemailer's own signals cannot tell this apart: a drop after
 * the dot and a drop before DATA both reject with `ECONNECTION` / `CONN`.
 */
function watchDataEnd(input: Readable, tracker: TransferTracker): Readable {
  const chunks = tracker.chunks;
  // Recording as the data passes (a 'data' listener would start the stream before SMTP reads it).
  const output = chunks
    ? new Transform({
        transform(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done(null, chunk);
        },
      })
    : new PassThrough();
  output.once('end', () => {
    tracker.dataHandedOver = true;
  });
  input.once('error', (error) => output.destroy(error));
  return input.pipe(output);
}
