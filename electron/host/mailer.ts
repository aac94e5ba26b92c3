import nodemailer, { type Transporter } from 'nodemailer';
import { ZoneClock, wallDay, DAY_MS } from '../../core/zones';

/**
 * The mailer (SPEC §5, R11): one pooled nodemailer transport per mailbox, the
 * mailbox's daily limit and minimum gap enforced for every send, and every SMTP
 * outcome classified as sent, retry (4xx, connection errors) or failed (5xx).
 * It never retries by itself: the engine owns the backoff (1, 5, 15 min) so a
 * retry survives a restart and reuses the stored Message-ID.
 */

export interface SmtpSettings {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  user: string;
}

export interface Address {
  name: string;
  address: string;
}

/** One email as it goes on the wire; header values carry no line breaks (checked by the contract's schema). */
export interface OutgoingMessage {
  from: Address;
  to: Address;
  subject: string;
  html: string;
  text: string;
  /** `<id@domain>`, fixed when the send was claimed, so a retry reuses it. */
  messageId: string;
  inReplyTo?: string | undefined;
  references?: readonly string[] | undefined;
}

/** SPEC R11 for one mailbox. */
export interface SendLimits {
  dailyLimit: number;
  minGapMs: number;
  /** The mailbox's IANA zone: the day of the daily limit is its calendar day. */
  zone: string;
}

export type SendOutcome =
  | { status: 'sent'; response: string; at: number }
  | { status: 'retry'; code: number | null; message: string }
  | { status: 'failed'; code: number | null; message: string }
  | { status: 'deferred'; until: number; reason: 'daily-limit' | 'min-gap' }
  | { status: 'unknown'; message: string };

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
}

/** Pooled SMTP connections per mailbox. */
export const POOL_CONNECTIONS = 5;

export class Mailer {
  private readonly mailboxes = new Map<string, MailboxState>();

  constructor(
    private readonly passwordFor: (mailboxId: string) => Promise<string | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

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
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      auth: smtp.user ? { user: smtp.user, pass: password ?? '' } : undefined,
      connectionTimeout: 20_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
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
    };
    if (current)
      Object.assign(state, {
        day: current.day,
        sentToday: current.sentToday,
        lastSentAt: current.lastSentAt,
        slots: current.slots,
        nextFree: current.nextFree,
        // Admission stays one queue across a settings change, so the limits hold through it.
        queue: current.queue,
      });
    this.mailboxes.set(mailboxId, state);
    return state;
  }

  /**
   * Sends one message now, or says when it may go (R11).
   * @param history what the local database knows of this mailbox today (sends already made,
   *   the last send's instant, UTC ms), so limits hold across restarts; the higher count wins.
   * @returns `sent` with the server's reply; `deferred` with the next allowed instant (UTC ms);
   *   `retry` for a 4xx reply or a connection error; `failed` for a 5xx reply, with the server's text.
   */
  async send(
    mailboxId: string,
    smtp: SmtpSettings,
    limits: SendLimits,
    message: OutgoingMessage,
    history: { sentToday: number; lastSentAt: number | null } = { sentToday: 0, lastSentAt: null },
  ): Promise<SendOutcome> {
    const state = await this.state(mailboxId, smtp);
    // Admission is serial, so two concurrent sends can never both take the last slot of the day.
    const admitted = state.queue.then(() => this.admit(state, limits, history, message.messageId));
    state.queue = admitted.catch(() => undefined);
    const admission = await admitted;
    if ('status' in admission) return admission;
    return this.transfer(state, message, admission);
  }

  /**
   * R11 for one send: the daily limit and the minimum gap, counting sends in flight. A send
   * admitted reserves its slot (today's count and the last-send instant) until it ends.
   */
  private admit(
    state: MailboxState,
    limits: SendLimits,
    history: { sentToday: number; lastSentAt: number | null },
    messageId: string,
  ): SendOutcome | { at: number; undo: () => void } {
    const zone = ZoneClock.for(limits.zone);
    const now = this.now();
    const today = wallDay(zone.toWall(now));
    if (state.day !== today) {
      state.day = today;
      state.sentToday = 0;
      state.slots.clear();
      state.nextFree = Number.NEGATIVE_INFINITY;
    }
    const sentToday = Math.max(state.sentToday, history.sentToday);
    const lastSentAt = Math.max(state.lastSentAt, history.lastSentAt ?? Number.NEGATIVE_INFINITY);
    if (sentToday >= limits.dailyLimit) {
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

  /** Hands the message to the pooled transport and classifies the reply (SPEC §5). */
  private async transfer(
    state: MailboxState,
    message: OutgoingMessage,
    slot: { at: number; undo: () => void },
  ): Promise<SendOutcome> {
    const now = slot.at;
    try {
      const info = await state.transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId: message.messageId,
        inReplyTo: message.inReplyTo,
        references: message.references ? [...message.references] : undefined,
        date: new Date(now),
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      return { status: 'sent', response: String(info.response ?? ''), at: this.now() };
    } catch (error) {
      const outcome = classify(error);
      // An unknown outcome may have gone: it keeps its slot.
      if (outcome.status !== 'unknown') slot.undo();
      return outcome;
    }
  }

  /** Connects and authenticates with `smtp` (the Settings screen's check). */
  async verify(mailboxId: string, smtp: SmtpSettings): Promise<{ ok: true } | { ok: false; message: string }> {
    const state = await this.state(mailboxId, smtp);
    try {
      await state.transport.verify();
      return { ok: true };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  /** Closes every pooled connection. */
  close(): void {
    for (const state of this.mailboxes.values()) state.transport.close();
    this.mailboxes.clear();
  }
}

/**
 * SPEC §5: a 4xx reply or a connection-level error (refused, timed out, dropped) is worth
 * retrying; a 5xx reply fails the send at once. The server's text is kept either way.
 */
export function classify(error: unknown): SendOutcome {
  const e = error as { responseCode?: number; response?: string; message?: string; code?: string; command?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const message = (e.response ?? e.message ?? String(error)).trim();
  // The connection broke after the message was handed over but before the server answered:
  // it may have been accepted. Retrying could send it twice, so a person decides (SPEC §5).
  if (code === null && e.command === 'DATA') return { status: 'unknown', message };
  if (code !== null && code >= 500) return { status: 'failed', code, message };
  return { status: 'retry', code, message };
}
