/**
 * In-browser half of the `engine` benchmark group (Chromium, real IndexedDB, the web host's
 * WebSocket): how late `scheduler/due` reaches a page, and 1,000 emails due at the same
 * instant sent end to end by the renderer's real `Engine`.
 */
import Dexie, { type DBCore, type DBCoreTransaction } from 'dexie';
import type { HostCallName } from '../../core/host/contract';
import { CampaignDeskDb, setDb } from '../../renderer/src/db/database';
import { deviceIdOrCreate, readDeviceId } from '../../renderer/src/db/device';
import type {
  CampaignRecord,
  ContactRecord,
  EnrollmentRecord,
  MailboxRecord,
  StepRunRecord,
} from '../../renderer/src/db/records';
import { Engine } from '../../renderer/src/engine/engine';
import { composeEmail } from '../../core/compose';
import { toCoreContact } from '../../renderer/src/db/repos/contacts';
import { webSocketBridge, type HostClient } from '../../renderer/src/host/client';
import { mountScreen, type Screen } from './screen';

const hostUrl = (): string => `ws://${location.host}/host`;

/** What a call to the host cost, seen from the page. */
interface CallStats {
  count: number;
  totalMs: number;
  firstStart: number;
  lastEnd: number;
  jobs: number;
  /** Calls of this name on their way at once: the time-weighted mean, and the share of time fewer than 8 were. */
  inFlight?: { now: number; since: number; weighted: number; starvedMs: number };
}

/** Adds the time since the last change of `entry`'s in-flight count to its running figures. */
function tick(entry: CallStats, at: number): void {
  const f = (entry.inFlight ??= { now: 0, since: at, weighted: 0, starvedMs: 0 });
  const span = at - f.since;
  f.weighted += f.now * span;
  if (f.now < 8) f.starvedMs += span;
  f.since = at;
}

/** A HostClient over the web host's WebSocket (the shape `useHost` builds), timing every call. */
function timedClient(stats: Map<string, CallStats>): HostClient {
  const bridge = webSocketBridge(hostUrl());
  const call: HostClient['call'] = async (name, input) => {
    const start = performance.now();
    const began = stats.get(name) ?? { count: 0, totalMs: 0, firstStart: Infinity, lastEnd: 0, jobs: 0 };
    stats.set(name, began);
    tick(began, start);
    began.inFlight!.now += 1;
    try {
      return await bridge.call(name, input);
    } finally {
      const end = performance.now();
      const entry = stats.get(name) ?? { count: 0, totalMs: 0, firstStart: Infinity, lastEnd: 0, jobs: 0 };
      if (entry === began && entry.inFlight) {
        tick(entry, end);
        entry.inFlight.now -= 1;
      }
      entry.count += 1;
      entry.totalMs += end - start;
      entry.firstStart = Math.min(entry.firstStart, start);
      entry.lastEnd = Math.max(entry.lastEnd, end);
      if (name === ('scheduler/set' satisfies HostCallName)) entry.jobs += (input as { jobs: unknown[] }).jobs.length;
      stats.set(name, entry);
    }
  };
  return {
    call,
    on: (event, listener) => bridge.on(event, listener),
    onReconnect: (listener) => bridge.onReconnect(listener),
    async tryCall(name, input) {
      try {
        return { data: await call(name, input) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    },
  };
}

/**
 * Fire latency: arms `count` jobs `spacingMs` apart (the first `leadMs` from now) with one
 * `scheduler/set`, as the engine does, and returns each job's lateness in ms: the page's
 * `Date.now()` when its `scheduler/due` event arrived, minus its due instant (the host's clock
 * is `Date.now()` too, on the same machine).
 */
async function fireLatency(count: number, spacingMs: number, leadMs: number): Promise<number[]> {
  const bridge = webSocketBridge(hostUrl());
  await bridge.call('clock/now', {});
  const lateness: number[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  bridge.on('scheduler/due', ({ jobs }) => {
    const at = Date.now();
    for (const job of jobs) lateness.push(at - job.dueAt);
    if (lateness.length >= count) done();
  });
  const first = Date.now() + leadMs;
  await bridge.call('scheduler/set', {
    jobs: Array.from({ length: count }, (_, i) => ({ id: `fire-${i}`, dueAt: first + i * spacingMs })),
    replace: true,
  });
  await all;
  return lateness;
}

/** One message as it went out, for the bare-nodemailer baseline to send again. */
interface SentMessage {
  from: { name: string; address: string };
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  messageId: string;
}

interface EngineRun {
  /** Due instant → every step run `sent` in IndexedDB (the engine's batch has ended), ms. */
  totalMs: number;
  sent: number;
  /** Due instant → the page received `scheduler/due`. */
  dueToReceiptMs: number;
  /** Receipt → the first `mail/send` call (prepare every enrollment, claim them in one transaction). */
  receiptToFirstSendMs: number;
  /** First `mail/send` call → last reply. */
  sendingMs: number;
  /** Last reply → the batch ended (the last record transaction). */
  lastReplyToEndMs: number;
  /** Read-write and read-only IndexedDB transactions during the batch. */
  transactions: { readwrite: number; readonly: number; byStores: string[] };
  /** Explicit Dexie transactions (claim, records) and the time spent in them. */
  explicit: { count: number; totalMs: number; each: number[] };
  calls: Record<string, CallStats>;
  messages: SentMessage[];
  /** The prepare phase's parts, timed alone after the run on the same data (ms for all emails). */
  parts: { perEmailReadsMs: number; composeMs: number; batchedReadsMs: number };
  /** With a screen open: the batch's end → the screen shows the final state, ms (0 without one). */
  screenSettleMs: number;
}

/**
 * Seeds a fresh database (one mailbox on the bench's SMTP server with its limits lifted,
 * `count` contacts, a one-email campaign, `count` enrollments of this device all due at one
 * instant), starts the real `Engine` against the web host, and times the due batch.
 */
async function engineSend(
  count: number,
  smtpPort: number,
  leadMs: number,
  screen: Screen = 'none',
): Promise<EngineRun> {
  const name = 'bench-engine';
  await Dexie.delete(name);
  const db = new CampaignDeskDb(name);
  const transactions = { readwrite: 0, readonly: 0 };
  /** Read-only transactions by the tables they read (a live query's re-runs show here). */
  const readonlyStores = new Map<string, number>();
  db.use({
    stack: 'dbcore',
    name: 'bench-count-transactions',
    create: (down: DBCore): DBCore => ({
      ...down,
      transaction(stores, mode, options): DBCoreTransaction {
        transactions[mode] += 1;
        if (mode === 'readonly') {
          const key = [...stores].sort().join('+');
          readonlyStores.set(key, (readonlyStores.get(key) ?? 0) + 1);
        }
        return down.transaction(stores, mode, options);
      },
    }),
  });
  const explicit = { count: 0, totalMs: 0, each: [] as number[] };
  const transaction = db.transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  (db as unknown as { transaction: (...args: unknown[]) => Promise<unknown> }).transaction = (...args) => {
    const start = performance.now();
    const running = transaction(...args);
    const end = (): void => {
      explicit.count += 1;
      explicit.totalMs += performance.now() - start;
      explicit.each.push(Math.round(performance.now() - start));
    };
    running.then(end, end);
    return running;
  };
  setDb(db);
  await db.open();

  const at = Date.now();
  const dueAt = at + leadMs;
  const deviceId = crypto.randomUUID();
  const mailbox: MailboxRecord = {
    id: 'mb1',
    name: 'Rep One',
    email: 'rep@example.com',
    timeZone: 'America/New_York',
    smtp: { host: '127.0.0.1', port: smtpPort, security: 'none', user: '' },
    hasPassword: false,
    dailyLimit: 1_000_000,
    minGapMs: 0,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const campaign: CampaignRecord = {
    id: 'c1',
    name: 'Bench',
    status: 'active',
    archived: 0,
    mailboxId: 'mb1',
    timeZoneMode: 'recipient',
    skipWeekends: false,
    taskTime: '09:00',
    createdAt: at,
    updatedAt: at,
    version: 1,
    steps: [
      {
        id: 's1',
        day: 1,
        type: 'email',
        subject: 'A question for {{ company | default: "your team" }}, {{ first_name }}',
        body:
          '<p>Hi {{ first_name }},</p><p>I noticed {{ company | default: "your team" }} is growing its operations ' +
          'team. We help teams like yours send the right email at the right time, without the busywork.</p>' +
          '<p>Worth a 15-minute call next week?</p><p>Best,<br>Rep One</p>',
        send: { timing: 'at_time', time: '09:30', followUp: false },
      },
    ],
  };
  const contacts: ContactRecord[] = Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    email: `person${i}@example.org`,
    emailKey: `person${i}@example.org`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    company: `Company ${i % 500}`,
    title: 'Head of Operations',
    phone: '+1 555 0100',
    timeZone: 'America/New_York',
    notes: '',
    custom: {},
    unsubscribed: false,
    bounced: false,
    createdAt: at,
    updatedAt: at,
    version: 1,
  }));
  const enrollments: EnrollmentRecord[] = contacts.map((contact, i) => ({
    id: `e${i}`,
    campaignId: 'c1',
    contactId: contact.id,
    mailboxId: 'mb1',
    zone: 'America/New_York',
    status: 'active',
    launchedAt: at,
    firstSendAt: dueAt,
    deviceId,
    nextStepIndex: 0,
    nextDueAt: dueAt,
    nextAction: 'send_email',
    shiftDays: 0,
    hold: null,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
  }));
  await db.transaction('rw', [db.mailboxes, db.campaigns, db.contacts, db.enrollments, db.meta], async () => {
    await deviceIdOrCreate(db, () => deviceId);
    await db.mailboxes.add(mailbox);
    await db.campaigns.add(campaign);
    await db.contacts.bulkAdd(contacts);
    await db.enrollments.bulkAdd(enrollments);
  });

  // The real app's screen on this database, live, as a salesperson would watch the burst.
  const shown = await mountScreen(screen, count);

  const stats = new Map<string, CallStats>();
  const host = timedClient(stats);
  const engine = new Engine(host);
  await engine.start();
  if (Date.now() >= dueAt) throw new Error(`seeding and starting took longer than the ${leadMs} ms lead`);
  let receivedAt = 0;
  const finished = new Promise<number>((resolve) => {
    // Registered after the engine's own listener: by now the engine has queued the batch.
    host.on('scheduler/due', () => {
      if (receivedAt !== 0) return; // a re-arm mid-batch hands the same jobs over again
      receivedAt = Date.now();
      void engine.idle().then(() => resolve(Date.now()));
    });
  });
  // Only what happens from here on is the batch's.
  transactions.readwrite = 0;
  transactions.readonly = 0;
  readonlyStores.clear();
  explicit.count = 0;
  explicit.totalMs = 0;
  explicit.each = [];
  stats.clear();
  const endedAt = await finished;
  const endedPerf = performance.now();
  const counted = {
    ...transactions,
    byStores: [...readonlyStores].sort((a, b) => b[1] - a[1]).map(([stores, n]) => `${stores} ×${n}`),
  };
  const timed = { ...explicit, each: [...explicit.each] };
  const calls = Object.fromEntries(stats);
  // The screen must end on the final state: every email sent shows.
  await shown.settled();
  const screenSettleMs = performance.now() - endedPerf;
  shown.unmount();
  engine.stop();

  const runs = await db.stepRuns.where('state').equals('sent').toArray();
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const byEnrollment = new Map(enrollments.map((e) => [e.id, e]));
  const messages = runs.map((run: StepRunRecord): SentMessage => {
    const contact = byId.get(byEnrollment.get(run.enrollmentId)!.contactId)!;
    return {
      from: { name: mailbox.name, address: mailbox.email },
      to: { name: `${contact.firstName} ${contact.lastName}`, address: contact.email },
      subject: run.subject,
      html: run.html,
      text: run.text,
      messageId: run.messageId!,
    };
  });
  const parts = await prepareParts(
    db,
    enrollments.map((e) => e.id),
  );
  db.close();
  const send = calls['mail/send'];
  const perfAtDue = endedPerf - (endedAt - dueAt);
  return {
    totalMs: endedAt - dueAt,
    sent: runs.length,
    dueToReceiptMs: receivedAt - dueAt,
    receiptToFirstSendMs: send ? send.firstStart - perfAtDue - (receivedAt - dueAt) : NaN,
    sendingMs: send ? send.lastEnd - send.firstStart : NaN,
    lastReplyToEndMs: send ? endedPerf - send.lastEnd : NaN,
    transactions: counted,
    explicit: timed,
    calls,
    messages,
    parts,
    screenSettleMs,
  };
}

/**
 * The engine's prepare phase taken apart: the reads it makes one email at a time (each
 * `get` its own read-only transaction), composing with core, and the same reads batched
 * into one transaction with `bulkGet`.
 */
async function prepareParts(
  db: CampaignDeskDb,
  ids: string[],
): Promise<{ perEmailReadsMs: number; composeMs: number; batchedReadsMs: number }> {
  let start = performance.now();
  for (const id of ids) {
    const e = (await db.enrollments.get(id))!;
    await readDeviceId(db);
    await db.campaigns.get(e.campaignId);
    await db.contacts.get(e.contactId);
    await db.mailboxes.get(e.mailboxId);
    await db.stepRuns.get(`${id}:s1`);
    await db.campaigns.get(e.campaignId);
  }
  const perEmailReadsMs = performance.now() - start;
  const campaign = (await db.campaigns.get('c1'))!;
  const mailbox = (await db.mailboxes.get('mb1'))!;
  const contacts = await db.contacts.toArray();
  const step = campaign.steps[0]!;
  if (step.type !== 'email') throw new Error('the bench campaign starts with an email');
  start = performance.now();
  for (const contact of contacts) composeEmail(step, toCoreContact(contact), mailbox, undefined);
  const composeMs = performance.now() - start;
  start = performance.now();
  await db.transaction(
    'r',
    [db.enrollments, db.meta, db.campaigns, db.contacts, db.mailboxes, db.stepRuns],
    async () => {
      const enrollments = await db.enrollments.bulkGet(ids);
      await readDeviceId(db);
      await db.campaigns.bulkGet([...new Set(enrollments.map((e) => e!.campaignId))]);
      await db.contacts.bulkGet(enrollments.map((e) => e!.contactId));
      await db.mailboxes.bulkGet([...new Set(enrollments.map((e) => e!.mailboxId))]);
      await db.stepRuns.bulkGet(ids.map((id) => `${id}:s1`));
    },
  );
  const batchedReadsMs = performance.now() - start;
  return { perEmailReadsMs, composeMs, batchedReadsMs };
}

Object.assign(window, { fireLatency, engineSend });
document.getElementById('state')!.textContent = 'ready';
