import { savesSentCopy, sentCopyRetryIn } from '../../../core/sent-copy';
import { now, onCommitted } from '../db/change';
import { useDb } from '../db/database';
import type { SentCopyRecord } from '../db/records';
import type { HostClient } from '../host/client';
import { formatWhen } from '../format';

/**
 * The copies in the Sent folder (issue 11): a sent email whose mailbox saves copies waits in
 * `sentCopies` (written after its send was recorded) until the host has appended it to the
 * mailbox's Sent folder over IMAP (`mail/save-sent`). A failure is kept on the row in words
 * (Settings shows it), said once in the Live Feed, and tried again later (1, 5, 15 minutes,
 * then hourly; at once when the mailbox is saved or the network comes back). Nothing here
 * sends over SMTP: the email already went, and a copy never makes it go again.
 */

/** What the engine hands over for one sent email whose copy goes to Sent. */
export type SentCopyInput = Omit<SentCopyRecord, 'attempts' | 'nextAt' | 'problem'>;

/** The longest a timer may wait (setTimeout's limit, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SentCopyKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly host: HostClient) {}

  /** Starts: saves what waits (copies left from before a restart), and again when a mailbox is saved. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stops.push(
      onCommitted((tables) => {
        if (tables.includes('mailboxes')) void this.retryNow();
      }),
      this.host.on('net/online-changed', ({ online }) => {
        if (online) void this.retryNow();
      }),
    );
    void this.kick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const stop of this.stops.splice(0)) stop();
  }

  /**
   * Stores copies to save (after their sends were recorded) and starts saving them. A failure
   * to store one is logged and costs only that copy, never the send.
   */
  async queue(copies: readonly SentCopyInput[]): Promise<void> {
    if (copies.length === 0) return;
    const at = now();
    try {
      await useDb().sentCopies.bulkPut(copies.map((copy) => ({ ...copy, attempts: 0, nextAt: at })));
    } catch (error) {
      console.error('sent copies: cannot keep the copies to save in Sent', error);
      return;
    }
    await this.kick();
  }

  /** Every waiting copy is tried now (the mailbox's settings or password changed, the network is back). */
  async retryNow(): Promise<void> {
    if (this.stopped) return;
    const at = now();
    await useDb()
      .sentCopies.where('nextAt')
      .above(at)
      .modify({ nextAt: at })
      .catch(() => undefined);
    await this.kick();
  }

  /** Saves every copy that is due, one at a time; resolves once they were tried. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })()
      .catch((error: unknown) => console.error('sent copies: a pass failed', error))
      .finally(() => {
        this.running = null;
        void this.arm();
      });
    return this.running;
  }

  /** Waits for the pass under way, if any (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Tries every due copy, oldest first. A failure of the mailbox itself (a refused password, an
   * unreachable server, no Sent folder) is not tried again for its other copies in the same pass:
   * they wait with the same reason, so a wrong password costs one login, not one per email.
   */
  private async pass(): Promise<void> {
    const db = useDb();
    const due = await db.sentCopies.where('nextAt').belowOrEqual(now()).sortBy('nextAt');
    const down = new Map<string, string>();
    const saved = new Map<string, SentCopyRecord[]>();
    for (const copy of due) {
      if (this.stopped) break;
      const known = down.get(copy.mailboxId);
      const zone = (await db.mailboxes.get(copy.mailboxId))?.timeZone ?? 'UTC';
      if (known !== undefined) {
        await this.failed(copy, zone, known);
        continue;
      }
      const result = await this.save(copy);
      if (result === 'saved') {
        if (copy.attempts > 0) saved.set(copy.mailboxId, [...(saved.get(copy.mailboxId) ?? []), copy]);
      } else if (result !== 'gone') {
        await this.failed(copy, zone, result.reason);
        if (result.mailboxWide) down.set(copy.mailboxId, result.reason);
      }
    }
    for (const [mailboxId, copies] of saved) await this.settled(mailboxId, copies);
  }

  /** Saves one copy: `saved`, `gone` (nothing more to do), or why it failed and whether its whole mailbox is down. */
  private async save(copy: SentCopyRecord): Promise<'saved' | 'gone' | { reason: string; mailboxWide: boolean }> {
    const db = useDb();
    const mailbox = await db.mailboxes.get(copy.mailboxId);
    // The mailbox was deleted, or saving copies was turned off since: nothing more to do.
    if (!mailbox || (mailbox.imap && !savesSentCopy(mailbox))) {
      await db.sentCopies.delete(copy.id);
      return 'gone';
    }
    if (!mailbox.imap)
      return {
        reason: `${mailbox.email} has no IMAP settings, so its Sent folder cannot be reached. Add them in Settings.`,
        mailboxWide: true,
      };
    const { data, error } = await this.host.tryCall('mail/save-sent', {
      mailboxId: mailbox.id,
      imap: mailbox.imap,
      raw: copy.raw,
      messageId: copy.messageId,
      sentAt: copy.sentAt,
    });
    if (data?.ok) {
      await db.sentCopies.delete(copy.id);
      return 'saved';
    }
    if (!data) return { reason: `Campaign Desk could not ask its host to save it (${error}).`, mailboxWide: true };
    return { reason: data.message, mailboxWide: data.state !== 'error' };
  }

  /**
   * Keeps why a copy was not saved and when it is tried again. The Live Feed hears of it once:
   * when no other copy of the mailbox already waits for the same reason.
   */
  private async failed(copy: SentCopyRecord, zone: string, reason: string): Promise<void> {
    const db = useDb();
    const attempts = copy.attempts + 1;
    const nextAt = now() + sentCopyRetryIn(attempts);
    const problem = `${reason} Campaign Desk tries again ${formatWhen(nextAt, zone)}.`;
    await db.transaction('rw', [db.sentCopies, db.feed], async () => {
      const current = await db.sentCopies.get(copy.id);
      if (!current) return;
      await db.sentCopies.put({ ...current, attempts, nextAt, problem });
      if (copy.problem?.startsWith(reason)) return;
      const told = await db.sentCopies
        .where('mailboxId')
        .equals(copy.mailboxId)
        .filter((other) => other.id !== copy.id && (other.problem?.startsWith(reason) ?? false))
        .count();
      if (told > 0) return;
      await db.feed.add({
        at: now(),
        kind: 'email.sent-copy-failed',
        text: `The email "${copy.subject}" to ${copy.to} went, but its copy could not be saved in Sent: ${problem}`,
        ...about(copy),
      });
    });
  }

  /** Copies saved after a failure: once none of the mailbox's copies waits any more, the Live Feed says so, once. */
  private async settled(mailboxId: string, copies: readonly SentCopyRecord[]): Promise<void> {
    const db = useDb();
    await db.transaction('rw', [db.sentCopies, db.feed, db.mailboxes], async () => {
      if ((await db.sentCopies.where('mailboxId').equals(mailboxId).count()) > 0) return;
      const first = copies[0]!;
      const email = (await db.mailboxes.get(mailboxId))?.email ?? 'the mailbox';
      await db.feed.add({
        at: now(),
        kind: 'email.sent-copy-saved',
        text:
          copies.length === 1
            ? `Saved the copy of "${first.subject}" to ${first.to} in Sent`
            : `Saved the copies of ${copies.length} sent emails in Sent of ${email}`,
        ...(copies.length === 1 ? about(first) : {}),
      });
    });
  }

  /** One timer for the earliest copy still waiting. */
  private async arm(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const next = await useDb()
      .sentCopies.orderBy('nextAt')
      .first()
      .catch(() => undefined);
    if (!next || this.stopped) return;
    this.timer = setTimeout(() => void this.kick(), Math.min(Math.max(next.nextAt - now(), 0), MAX_TIMER_MS));
  }
}

function about(copy: SentCopyRecord): { campaignId?: string; contactId?: string } {
  return {
    ...(copy.campaignId ? { campaignId: copy.campaignId } : {}),
    ...(copy.contactId ? { contactId: copy.contactId } : {}),
  };
}
