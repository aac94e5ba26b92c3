import { liveQuery, type Subscription } from 'dexie';
import { inChange, now, onCommitted, onPulled, setClock } from '../db/change';
import { useDb } from '../db/database';
import { DAY_MS, ZoneClock, wallDay } from '../../../core/zones';
import { readDeviceId } from '../db/device';
import type { EnrollmentRecord } from '../db/records';
import { setLetGoHeld } from '../db/repos/sends';
import type { HostClient } from '../host/client';
import { SendPipeline } from './pipeline';
import { SentCopyKeeper } from './sent-copies';

export { CLAIM_CHUNK, ON_TIME_SLACK_MS, OVERDUE_GRACE_MS, RETRY_BACKOFF_MS, SEND_CONCURRENCY } from './pipeline';

/**
 * The send engine in the renderer (ARCHITECTURE.md, "one email, end to end"): its lifecycle
 * and the host's scheduler. It follows the host's clock and network, arms the scheduler with
 * every enrollment's next due instant, and when some fall due hands them, in order, to the
 * send pipeline (pipeline.ts), which decides, claims, sends and records them.
 */

export class Engine {
  private online = true;
  private queue: Promise<void> = Promise.resolve();
  private subscription: Subscription | undefined;
  private readonly stops: (() => void)[] = [];
  /** Enrollments queued or being handled: a repeat hand-over of the same job is ignored. */
  private readonly inFlight = new Set<string>();
  private stopped = false;
  private offlineRetry: ReturnType<typeof setTimeout> | undefined;
  /**
   * What the host's scheduler holds, as this engine last told it: enrollment id → due instant
   * (UTC ms). Undefined until a full arm (start, reconnect, network back) and after a failed call.
   */
  private armed: Map<string, number> | undefined;
  /** The `mail/set-sent-today` round under way, if any (a batch waits for it). */
  private telling: Promise<void> | undefined;
  /** A pull wrote sends or mailboxes since the last round began: tell the host again. */
  private tellAgain = false;
  private readonly pipeline: SendPipeline;
  /** Saves each sent email's copy in its mailbox's Sent folder, after the send is recorded (issue 11). */
  readonly sentCopies: SentCopyKeeper;

  /**
   * @param host the host client
   * @param options.taskDueUnshown called when a task falls due and the host showed no system
   *   notification for it (`notify/show` answered `shown: false`, or could not be asked): the
   *   window then tells the person itself
   */
  constructor(
    private readonly host: HostClient,
    options: { taskDueUnshown?: (task: { taskId: string; title: string }) => void } = {},
  ) {
    this.sentCopies = new SentCopyKeeper(host);
    this.pipeline = new SendPipeline(host, {
      isStopped: () => this.stopped,
      wentOffline: () => {
        this.online = false;
      },
      taskDueUnshown: options.taskDueUnshown,
      // Only once the sends are recorded: the copy in Sent never holds up or risks the record.
      recorded: (copies) => void this.sentCopies.queue(copies),
    });
  }

  /** Starts: follows the host's clock, recovers unfinished claims, arms every pending job. */
  async start(): Promise<void> {
    this.stopped = false;
    const { now: hostNow } = await this.host.call('clock/now', {});
    const follow = (at: number): void => {
      const offset = at - Date.now();
      setClock(() => Date.now() + offset);
    };
    follow(hostNow);
    this.online = (await this.host.call('net/status', {})).online;
    this.stops.push(
      this.host.on('clock/changed', ({ now: at }) => follow(at)),
      // A change to enrollments made here (a task sent by hand, a pause, a reschedule) re-arms at
      // once, not only through the live query, which can miss a write made while it restarts.
      onCommitted((tables) => {
        if (this.stopped || this.inFlight.size > 0 || !tables.includes('enrollments')) return;
        void pendingHere()
          .then((pending) => this.arm(pending))
          .catch((error: unknown) => console.error('engine: cannot arm the host', error));
      }),
      // Another device's sends of today, or a mailbox's new zone, came with a pull: the host's
      // R11 count is behind the database's (SPEC R11 counts every sent run of the mailbox).
      onPulled((tables) => {
        if (tables.includes('stepRuns') || tables.includes('mailboxes')) this.retellSentToday();
      }),
      this.host.on('mail/held', (notice) => this.pipeline.noticeHeld(notice)),
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
              ? 'Back online: emails that fell due go out now (if no later than their mailbox’s late-send limit, 2 hours unless set) or wait in Overdue'
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
          await this.tellSentToday();
          await this.rearm();
        })().catch((error: unknown) => console.error('engine: cannot re-arm after reconnecting', error));
      }),
    );
    await this.recoverClaims();
    await this.tellSentToday();
    // A Skip of a send waiting in the host for its slot lets it go first (DECISIONS 106).
    this.stops.push(setLetGoHeld((ids) => this.pipeline.letGo(ids)));
    this.watch();
    this.sentCopies.start();
  }

  /**
   * Every change to what is pending re-arms the host (launch, release, pause, remove). While
   * a batch is being handled the watch is off (each of its record transactions would re-read
   * every pending enrollment); it comes back, and arms once, when the batch ends.
   */
  private watch(): void {
    if (this.stopped) return;
    this.subscription?.unsubscribe();
    this.subscription = liveQuery(() => pendingHere()).subscribe({
      next: (pending) =>
        void this.arm(pending).catch((error: unknown) => console.error('engine: cannot arm the host', error)),
      error: (error: unknown) => console.error('engine: cannot read pending enrollments', error),
    });
  }

  stop(): void {
    this.stopped = true;
    this.armed = undefined;
    // Sends waiting in the host for their slot come back `deferred` and are recorded scheduled:
    // the engine that runs next sends them, not a host no window listens to.
    const held = [...this.pipeline.held.values()].map((send) => send.messageId);
    if (held.length > 0) void this.host.tryCall('mail/release-held', { messageIds: held });
    this.sentCopies.stop();
    clearTimeout(this.offlineRetry);
    this.subscription?.unsubscribe();
    for (const stop of this.stops) stop();
  }

  /**
   * Arms the host with these jobs. With `force` (start, the host restarted, the network came
   * back), or when what the host holds is not known, the whole list replaces what it had;
   * otherwise only the difference goes: jobs added or moved in one `scheduler/set`, jobs gone
   * in one `scheduler/remove`. A job left as it was is not sent again: re-arming a due job that
   * a batch left as it was (offline, a failure) would only have it handed straight back.
   */
  private arm(pending: EnrollmentRecord[], force = false): Promise<void> {
    // One at a time, in the order asked: a diff is always taken against what the arm before it left.
    const run = this.arming.then(() => this.armNow(pending, force));
    this.arming = run.catch(() => undefined);
    return run;
  }
  private arming: Promise<void> = Promise.resolve();

  private async armNow(pending: EnrollmentRecord[], force: boolean): Promise<void> {
    // A send waiting in the host for its slot is not armed (it goes by itself); one whose
    // enrollment a person moved (paused, removed, rescheduled) is let go, to be recorded as it now stands.
    const held = this.pipeline.held;
    const moved = new Map(pending.map((e) => [e.id, e.nextDueAt]));
    const release = [...held].filter(([id, send]) => moved.get(id) !== send.until).map(([, send]) => send.messageId);
    if (release.length > 0) await this.host.call('mail/release-held', { messageIds: release });
    const next = new Map(pending.filter((e) => !held.has(e.id)).map((e) => [e.id, e.nextDueAt]));
    const known = this.armed;
    // Set before the call, so two arms in a row diff against each other in the order they were made.
    this.armed = next;
    try {
      if (force || !known) {
        await this.host.call('scheduler/set', {
          jobs: [...next].map(([id, dueAt]) => ({ id, dueAt })),
          replace: true,
        });
        return;
      }
      const changed = [...next].filter(([id, dueAt]) => known.get(id) !== dueAt).map(([id, dueAt]) => ({ id, dueAt }));
      const gone = [...known.keys()].filter((id) => !next.has(id));
      if (changed.length > 0) await this.host.call('scheduler/set', { jobs: changed, replace: false });
      if (gone.length > 0) await this.host.call('scheduler/remove', { ids: gone });
    } catch (error) {
      // What the host holds is unknown now: the next arm sends the whole list.
      this.armed = undefined;
      throw error;
    }
  }

  private async rearm(): Promise<void> {
    await this.arm(await pendingHere(), true);
  }

  /**
   * SPEC §5: a claim found `sending` at start-up (a crash mid-send) becomes unknown and waits
   * for a person, unless the host still held it for its slot (this window reloaded, the host
   * ran on): the host lets it go unsent, and it is scheduled again at its instant.
   */
  private async recoverClaims(): Promise<void> {
    const db = useDb();
    const released = new Set((await this.host.tryCall('mail/release-held', {})).data?.released ?? []);
    const stale = await db.stepRuns.where('state').equals('sending').toArray();
    const unsent = stale.filter((run) => run.messageId && released.has(run.messageId));
    if (unsent.length > 0)
      await inChange([db.stepRuns], async () => {
        await db.stepRuns.bulkPut(unsent.map((run) => ({ ...run, state: 'scheduled' as const, updatedAt: now() })));
        return { result: undefined, change: { name: 'step-run/released', args: { ids: unsent.map((run) => run.id) } } };
      });
    for (const run of stale.filter((r) => !unsent.includes(r))) {
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

  /**
   * Handles due enrollments in the order they fell due. Everything due together is one
   * batch: its emails are claimed in one transaction, sent concurrently through the
   * host's pooled transport, and recorded in as few transactions as the sends allow.
   */
  enqueue(ids: readonly string[]): void {
    const fresh = [...new Set(ids)].filter((id) => !this.inFlight.has(id));
    if (fresh.length === 0) return;
    if (this.inFlight.size === 0) {
      this.subscription?.unsubscribe();
      this.subscription = undefined;
    }
    for (const id of fresh) this.inFlight.add(id);
    this.queue = this.queue
      .then(() => this.processBatch(fresh))
      .catch((error: unknown) => {
        // Its jobs were handed over once and may still be due: the next arm sends the whole list.
        this.armed = undefined;
        console.error('engine: a batch failed', error);
      })
      .finally(() => {
        for (const id of fresh) this.inFlight.delete(id);
        if (this.inFlight.size === 0) this.watch();
      });
  }

  /** Waits until everything queued so far has been handled, sends held in the host included (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue;
    await this.pipeline.idle();
  }

  /**
   * SPEC R11 across restarts and devices: tells the host, once per mailbox, what the database
   * knows of its calendar day: sends recorded since its midnight in the mailbox's zone, this
   * device's (`sentToday`) apart from other devices' (`elsewhere`), and the last one's instant,
   * UTC ms. The host keeps the higher of its own count and `sentToday` (its own covers sends in
   * flight not recorded yet) and adds `elsewhere`, so a telling mid-batch is never one short.
   * At start, on reconnect, and after a pull that wrote sends or mailboxes ({@link retellSentToday}).
   */
  private async tellSentToday(): Promise<void> {
    const db = useDb();
    const mailboxes = await db.mailboxes.toArray();
    if (mailboxes.length === 0) return;
    const since = new Map(
      mailboxes.map((mailbox) => {
        const zone = ZoneClock.for(mailbox.timeZone);
        return [mailbox.id, zone.fromWall(wallDay(zone.toWall(now())) * DAY_MS)];
      }),
    );
    const earliest = Math.min(...since.values());
    const counts = new Map(
      mailboxes.map((m) => [m.id, { sentToday: 0, elsewhere: 0, lastSentAt: null as number | null }]),
    );
    const runs = (
      await db.stepRuns.where('[state+sentAt]').between(['sent', earliest], ['sent', Infinity], true, true).toArray()
    ).filter((run) => run.mailboxId !== undefined && run.sentAt !== null && run.sentAt >= since.get(run.mailboxId)!);
    // Whose send each was: the device that launched its enrollment (SPEC §7: only it sends them).
    // One whose enrollment is gone (removed) is not known to be this device's, so it counts as
    // another's: counted twice at worst (a later send waits), never missed (a limit broken).
    const device = await thisDevice();
    const enrollmentIds = [...new Set(runs.map((run) => run.enrollmentId))];
    const found = await db.enrollments.bulkGet(enrollmentIds);
    const elsewhere = new Set(enrollmentIds.filter((id, i) => found[i]?.deviceId !== device));
    for (const run of runs) {
      const count = counts.get(run.mailboxId!);
      if (!count) continue;
      if (elsewhere.has(run.enrollmentId)) count.elsewhere++;
      else count.sentToday++;
      count.lastSentAt = Math.max(count.lastSentAt ?? run.sentAt!, run.sentAt!);
    }
    for (const [mailboxId, count] of counts)
      await this.host.call('mail/set-sent-today', { mailboxId, since: since.get(mailboxId)!, ...count });
  }

  /**
   * Tells the host again what the database knows of each mailbox's day, after a pull brought
   * sends or mailboxes. Coalesced: one round at a time, and one more if pulls came meanwhile.
   * It may run during a batch, or while a send waits in the host for its slot: the host adds
   * other devices' sends to its own count of this device's (tellSentToday). A batch that starts
   * meanwhile waits for the round (processBatch), so its sends are admitted with the new count.
   */
  private retellSentToday(): void {
    this.tellAgain = true;
    if (this.stopped || this.telling) return;
    this.tellAgain = false;
    this.telling = this.tellSentToday()
      .catch((error: unknown) => console.error('engine: cannot tell the host the day’s sends', error))
      .finally(() => {
        this.telling = undefined;
        if (this.tellAgain) this.retellSentToday();
      });
  }

  private async processBatch(ids: readonly string[]): Promise<void> {
    // A round of R11 counts begun before this batch (a pull) is heard by the host first.
    await this.telling;
    // SPEC §5: nothing leaves while offline; coming back re-arms. The host is asked again
    // each time (a network that dropped and came back between its checks sends no event).
    if (!this.online) {
      const status = await this.host.tryCall('net/status', {});
      this.online = status.data?.online ?? false;
      if (!this.online) {
        // Look again in 30 s even if the host reports no change (a network that came back
        // between its checks): the jobs that fell due are armed again then.
        this.offlineRetry ??= setTimeout(() => {
          this.offlineRetry = undefined;
          if (!this.stopped) void this.rearm().catch(() => undefined);
        }, 30_000);
        return;
      }
    }
    await this.pipeline.run(ids);
  }
}

/** This device's id (written with its first change; enrollments it launches carry it). */
export function thisDevice(): Promise<string | undefined> {
  return readDeviceId();
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
