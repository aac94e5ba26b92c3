import 'fake-indexeddb/auto';
import { inProcessHost } from '../../../electron/host/testing/in-process';
import { engineRig, until } from '../../../electron/host/testing/engine-rig';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostCallName } from '../../../core/host/contract';
import { announcePulled, setClock } from '../db/change';
import { CampaignDeskDb, setDb } from '../db/database';
import { createCampaign, saveCampaign } from '../db/repos/campaigns';
import { createContact } from '../db/repos/contacts';
import { launch, previewLaunch } from '../db/repos/launch';
import { saveMailbox, type MailboxInput } from '../db/repos/mailboxes';
import { CLAIM_CHUNK, Engine, RETRY_BACKOFF_MS, SEND_CONCURRENCY } from './engine';
import { startRawSmtp } from '../../../electron/host/testing/raw-smtp';
import type { HostClient as Client } from '../host/client';
import { sendTaskEmail } from '../db/repos/tasks';
import { rescheduleSends } from '../db/repos/sends';
import { removeEnrollments } from '../db/repos/enrollments';
import { sendOverdueNow, skipPendingSend } from '../db/repos/sends';
import type { Step } from '../../../core/model';
import { newStepRun, type CampaignRecord } from '../db/records';

/**
 * The send engine with real parts around it: the host's services in test mode (scheduler,
 * mailer, movable clock, forced offline), a real SMTP server on 127.0.0.1, and the app's
 * database (fake-indexeddb in Node). The browser tests drive the same through the screens.
 */

const T0 = Date.parse('2026-03-09T12:00:00Z');
const DUE = Date.parse('2026-03-09T13:30:00Z'); // 09:30 in New York

let cleanups: (() => Promise<void> | void)[] = [];
let n = 0;
beforeEach(() => {
  setClock(() => T0);
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const rig = engineRig((cleanup) => cleanups.push(cleanup));

/** A real SMTP server: every message's Message-ID, and its Date header as an ISO instant, in arrival order. */
async function smtp(): Promise<{ port: number; received: string[]; dates: string[] }> {
  const received: string[] = [];
  const dates: string[] = [];
  const { port } = await rig.smtp(({ raw }) => {
    received.push(/^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '?');
    dates.push(new Date(/^Date: (.*)$/im.exec(raw)?.[1] ?? NaN).toISOString());
  });
  return { port, received, dates };
}

/** The host in test mode, and a client on it that counts the calls made of it. */
function host() {
  const { runtime, client, calls: made } = rig.host();
  const calls = { get: (name: HostCallName) => made.filter((call) => call.name === name).length };
  return { runtime, client, calls };
}

const ONE_EMAIL: Step[] = [
  {
    id: 's1',
    day: 1,
    type: 'email',
    subject: 'Hi {{ first_name }}',
    body: '<p>Hello</p>',
    send: { timing: 'at_time', time: '09:30', followUp: false },
  },
];

/** `people` contacts launched into a campaign of `steps` (default: one email at 09:30 in the mailbox's zone) on `port`. */
async function launched(
  people: number,
  port: number,
  steps: Step[] = ONE_EMAIL,
  limits: {
    minGapMs?: number;
    dailyLimit?: number;
    overdueGraceMs?: number;
    sendingWindow?: MailboxInput['sendingWindow'];
    campaignWindow?: CampaignRecord['sendingWindow'];
  } = {},
): Promise<CampaignDeskDb> {
  const db = new CampaignDeskDb(`engine-${++n}`);
  setDb(db);
  await db.open();
  cleanups.push(() => db.close());
  await saveMailbox(
    {
      name: 'Rep One',
      email: 'rep@example.com',
      timeZone: 'America/New_York',
      smtp: { host: '127.0.0.1', port, security: 'none', user: '' },
      dailyLimit: limits.dailyLimit ?? 10_000,
      minGapMs: limits.minGapMs ?? 0,
      ...(limits.overdueGraceMs === undefined ? {} : { overdueGraceMs: limits.overdueGraceMs }),
      ...(limits.sendingWindow === undefined ? {} : { sendingWindow: limits.sendingWindow }),
    },
    false,
  );
  const campaign = await createCampaign('Burst');
  await saveCampaign(
    campaign.id,
    { steps, ...(limits.campaignWindow === undefined ? {} : { sendingWindow: limits.campaignWindow }) },
    1,
  );
  const ids: string[] = [];
  for (let i = 0; i < people; i++) {
    const contact = await createContact({
      email: `p${i}@example.org`,
      firstName: `P${i}`,
      lastName: '',
      company: '',
      title: '',
      phone: '',
      timeZone: 'America/New_York',
      notes: '',
      custom: {},
    });
    ids.push(contact.id);
  }
  await launch(await previewLaunch(campaign.id, ids, T0, null));
  return db;
}

describe('the send engine, with the host and a real SMTP server', () => {
  it(`a burst larger than one claim chunk (${CLAIM_CHUNK}) goes out once each, and every step run is recorded sent`, async () => {
    const server = await smtp();
    const people = CLAIM_CHUNK * 2 + 50;
    const db = await launched(people, server.port);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === people);
    await engine.idle();
    expect(server.received).toHaveLength(people);
    expect(new Set(server.received).size).toBe(people);
    expect(await db.stepRuns.where('state').anyOf('sending', 'scheduled', 'unknown').count()).toBe(0);
    expect((await db.enrollments.toArray()).every((e) => e.status === 'finished')).toBe(true);
  }, 60_000);

  it('offline across the due time: nothing is sent, the host is not re-armed over and over, and it goes once when back', async () => {
    const server = await smtp();
    const db = await launched(1, server.port);
    const { runtime, client, calls } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    await runtime.handlers['test/set-offline']({ offline: true });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(server.received).toHaveLength(0);
    // Armed at start-up and perhaps once after the batch: not in a loop.
    expect(calls.get('scheduler/set') ?? 0).toBeLessThanOrEqual(2);
    await runtime.handlers['test/set-offline']({ offline: false });
    await until(() => server.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.received).toHaveLength(1);
    expect((await db.stepRuns.toArray())[0]!.state).toBe('sent');
  }, 30_000);

  it('R6: an email task sent by hand from the compose window makes the follow-up due at the time it really went', async () => {
    const server = await smtp();
    const db = await launched(1, server.port, [
      {
        id: 's1',
        day: 1,
        type: 'email',
        subject: 'Intro',
        body: '<p>Hello</p>',
        send: { timing: 'task', followUp: false },
      },
      { id: 's2', day: 3, type: 'email', body: '<p>Bump</p>', send: { timing: 'same_as_previous', followUp: true } },
    ]);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    // The task falls due at 09:00 in New York; the salesperson writes it at 15:17 and sends it.
    await runtime.handlers['test/set-clock']({ now: Date.parse('2026-03-09T13:00:00Z') });
    await until(async () => (await db.tasks.count()) === 1);
    const sentAt = Date.parse('2026-03-09T19:17:00Z'); // 15:17 EDT
    await runtime.handlers['test/set-clock']({ now: sentAt });
    const task = (await db.tasks.toArray())[0]!;
    await sendTaskEmail(task.id, { subject: 'Intro, by hand', html: '<p>Hi</p>', text: 'Hi' }, sentAt);
    await until(() => server.received.length === 1);
    await until(async () => (await db.enrollments.toArray())[0]!.nextStepIndex === 1);
    // Day 3 at 15:17 in New York, not the task's 09:00.
    expect(new Date((await db.enrollments.toArray())[0]!.nextDueAt).toISOString()).toBe('2026-03-11T19:17:00.000Z');
  }, 30_000);

  it('R9: the grace period is the mailbox’s setting: 45 minutes late goes with the default 2 hours, waits in Overdue with 30 minutes', async () => {
    const outcomes: string[] = [];
    for (const overdueGraceMs of [undefined, 30 * 60_000]) {
      setClock(() => T0);
      const { port, received } = await smtp();
      const db = await launched(1, port, ONE_EMAIL, overdueGraceMs === undefined ? {} : { overdueGraceMs });
      expect((await db.mailboxes.toArray())[0]!.overdueGraceMs).toBe(overdueGraceMs ?? 2 * 3_600_000);
      // The app was closed across the due instant and opens 45 minutes after it.
      setClock(() => DUE + 45 * 60_000);
      const { runtime, client } = host();
      await runtime.handlers['test/set-clock']({ now: DUE + 45 * 60_000 });
      const engine = rig.engine(client);
      await engine.start();
      // Settled: the send recorded as sent (not just received), or the person held as overdue.
      const sent = async () => (await db.stepRuns.toArray()).some((run) => run.state === 'sent');
      await until(async () => (await sent()) || (await db.enrollments.toArray())[0]!.hold === 'overdue');
      outcomes.push((await sent()) && received.length === 1 ? 'sent' : 'overdue');
      await engine.stop();
    }
    expect(outcomes).toEqual(['sent', 'overdue']);
  }, 30_000);

  it('R12: the mailbox’s sending window moves the first email to 10:00 and the next one into Wednesday’s window', async () => {
    const workday: [string, string][] = [['10:00', '18:00']];
    const { port, received } = await smtp();
    const db = await launched(
      1,
      port,
      [
        ...ONE_EMAIL,
        {
          id: 's2',
          day: 2,
          type: 'email',
          subject: 'Evening note',
          body: '<p>Later</p>',
          send: { timing: 'at_time', time: '19:00', followUp: false },
        },
      ],
      { sendingWindow: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday } },
    );
    // 09:30 on Monday is before the window: planned for 10:00 EDT.
    expect(new Date((await db.enrollments.toArray())[0]!.nextDueAt).toISOString()).toBe('2026-03-09T14:00:00.000Z');
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: Date.parse('2026-03-09T14:00:00Z') });
    await until(async () => (await db.enrollments.toArray())[0]!.nextStepIndex === 1);
    expect(received).toHaveLength(1);
    // Day 2 at 19:00 is after Tuesday's window: the engine releases it for Wednesday 10:00 EDT.
    expect(new Date((await db.enrollments.toArray())[0]!.nextDueAt).toISOString()).toBe('2026-03-11T14:00:00.000Z');
  }, 30_000);

  it('R12: a campaign’s own window overrides the mailbox’s, at launch and in every release, and says the step was moved', async () => {
    const mailboxDay: [string, string][] = [['10:00', '18:00']];
    const campaignDay: [string, string][] = [['11:00', '12:00']];
    const { port, received } = await smtp();
    const db = await launched(
      1,
      port,
      [
        ...ONE_EMAIL,
        {
          id: 's2',
          day: 2,
          type: 'email',
          subject: 'Evening note',
          body: '<p>Later</p>',
          send: { timing: 'at_time', time: '19:00', followUp: false },
        },
      ],
      {
        sendingWindow: { mon: mailboxDay, tue: mailboxDay, wed: mailboxDay, thu: mailboxDay, fri: mailboxDay },
        campaignWindow: { mon: campaignDay, tue: campaignDay, wed: campaignDay, thu: campaignDay, fri: campaignDay },
      },
    );
    // Monday 09:30 EDT is before the campaign's 11:00 (the mailbox's would open at 10:00): 15:00Z.
    const first = (await db.enrollments.toArray())[0]!;
    expect(new Date(first.nextDueAt).toISOString()).toBe('2026-03-09T15:00:00.000Z');
    expect(first.nextMoved).toEqual({ kind: 'window', dueAt: first.nextDueAt });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: Date.parse('2026-03-09T15:00:00Z') });
    await until(async () => (await db.enrollments.toArray())[0]!.nextStepIndex === 1);
    expect(received).toHaveLength(1);
    // Day 2 at 19:00 is after Tuesday's hours: released for Wednesday 11:00 EDT, the campaign's opening.
    const next = (await db.enrollments.toArray())[0]!;
    expect(new Date(next.nextDueAt).toISOString()).toBe('2026-03-11T15:00:00.000Z');
    expect(next.nextMoved).toEqual({ kind: 'window', dueAt: next.nextDueAt });
  }, 30_000);

  it('R9: a grace period of 0 still sends what falls due while the app runs (handled a moment late is on time)', async () => {
    const { port, received } = await smtp();
    const db = await launched(3, port, ONE_EMAIL, { overdueGraceMs: 0 });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.toArray()).filter((run) => run.state === 'sent').length === 3);
    expect(received).toHaveLength(3);
    expect((await db.enrollments.toArray()).filter((e) => e.hold === 'overdue')).toHaveLength(0);
  }, 30_000);

  it('R11: people held by the minimum gap each get their own "Waiting to send" row, named and filed under them', async () => {
    const { port, received } = await smtp();
    const db = await launched(3, port, ONE_EMAIL, { minGapMs: 120_000 });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    const waiting = () =>
      db.feed.where('[kind+at]').between(['email.deferred', -Infinity], ['email.deferred', Infinity]).toArray();
    // One goes; the other two are held for the gap (their next due instant moves past DUE).
    await until(
      async () => received.length === 1 && (await db.enrollments.filter((e) => e.nextDueAt! > DUE).count()) === 2,
    );
    const names = new Map((await db.contacts.toArray()).map((c) => [c.id, c.firstName]));
    const rows = (await waiting()).map((row) => ({ who: names.get(row.contactId!), text: row.text }));
    const sent = (await db.stepRuns.toArray()).filter((run) => run.state === 'sent');
    expect(sent).toHaveLength(1);
    const first = names.get((await db.enrollments.get(sent[0]!.enrollmentId))!.contactId);
    expect(rows.map((row) => row.who).sort()).toEqual(['P0', 'P1', 'P2'].filter((name) => name !== first));
    for (const row of rows)
      expect(row.text).toBe(`Waiting to send "Hi ${row.who}" to ${row.who}: the minimum gap between sends`);
  }, 30_000);

  it('R11 in the host: three emails due at once with a 60 s minimum gap go at 09:30:00, 09:31:00 and 09:32:00, one mail/send each', async () => {
    const server = await smtp();
    const db = await launched(3, server.port, ONE_EMAIL, { minGapMs: 60_000 });
    const { runtime, client, calls } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => server.received.length === 1);
    // The other two wait in the host; the Scheduled folder shows each at its slot.
    await until(async () => (await db.enrollments.filter((e) => e.nextDueAt > DUE).count()) === 2);
    const slots = (await db.enrollments.toArray()).map((e) => e.nextDueAt).filter((at) => at > DUE);
    expect(slots.map((at) => Math.floor((at - DUE) / 1000))).toEqual(expect.arrayContaining([60, 120]));
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    await until(() => server.received.length === 2);
    await runtime.handlers['test/set-clock']({ now: DUE + 120_000 });
    await until(() => server.received.length === 3);
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 3);
    await engine.idle();
    expect(server.dates).toEqual(['2026-03-09T13:30:00.000Z', '2026-03-09T13:31:00.000Z', '2026-03-09T13:32:00.000Z']);
    expect(new Set(server.received).size).toBe(3);
    expect(calls.get('mail/send')).toBe(3);
    expect((await db.enrollments.toArray()).every((e) => e.status === 'finished')).toBe(true);
  }, 30_000);

  it('R11 in the host: with a daily limit of 2 the third email goes at midnight in the mailbox’s zone, and a restarted host is told the day’s count', async () => {
    const server = await smtp();
    const db = await launched(3, server.port, ONE_EMAIL, { dailyLimit: 2 });
    const first = host();
    await first.runtime.handlers['test/set-clock']({ now: T0 });
    const engine = new Engine(first.client);
    let stopFirst: (() => Promise<void>) | undefined = async () => {
      engine.stop();
      await engine.idle();
      await engine.sentCopies.idle();
    };
    cleanups.push(() => stopFirst?.());
    await engine.start();
    await first.runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => server.received.length === 2);
    const midnight = Date.parse('2026-03-10T04:00:00Z'); // 00:00 EDT
    await until(async () => (await db.enrollments.filter((e) => e.nextDueAt === midnight).count()) === 1);
    const third = (await db.enrollments.filter((e) => e.nextDueAt === midnight).toArray())[0]!;

    // The app restarts half an hour later with a fresh host, and the salesperson moves the third to 10:05.
    await stopFirst();
    stopFirst = undefined;
    await first.runtime.close();
    const second = host();
    await second.runtime.handlers['test/set-clock']({ now: DUE + 30 * 60_000 });
    setClock(() => DUE + 30 * 60_000);
    const again = rig.engine(second.client);
    await again.start();
    await rescheduleSends([third.id], DUE + 35 * 60_000);
    await second.runtime.handlers['test/set-clock']({ now: DUE + 35 * 60_000 });
    // The new host was told today's two sends: the third waits for midnight again.
    await until(async () => (await db.enrollments.get(third.id))!.nextDueAt === midnight);
    expect(server.received).toHaveLength(2);
    await second.runtime.handlers['test/set-clock']({ now: midnight });
    await until(() => server.received.length === 3);
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 3);
    expect(server.dates).toEqual(['2026-03-09T13:30:00.000Z', '2026-03-09T13:30:00.000Z', '2026-03-10T04:00:00.000Z']);
  }, 30_000);

  it('R11 across devices: two sends of today pulled from another device fill a daily limit of 2, so this device’s email waits for midnight', async () => {
    const server = await smtp();
    const db = await launched(1, server.port, ONE_EMAIL, { dailyLimit: 2 });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    const [mailbox] = await db.mailboxes.toArray();
    const enrollment = (await db.enrollments.toArray())[0]!;
    // A pull brings the same mailbox's two sends of this morning (07:00 and 07:10 EDT) from the
    // rep's other computer, written as the sync client writes pulled rows, and announced.
    const morning = Date.parse('2026-03-09T11:00:00Z');
    await db.stepRuns.bulkPut(
      [0, 1].map((i) => ({
        ...newStepRun({
          id: `other-device.${i}:s1`,
          enrollmentId: `other-device.${i}`,
          stepId: 's1',
          mailboxId: mailbox!.id,
          dueAt: morning + i * 600_000,
          updatedAt: morning + i * 600_000,
        }),
        state: 'sent' as const,
        sentAt: morning + i * 600_000,
      })),
    );
    announcePulled(['stepRuns']);

    await runtime.handlers['test/set-clock']({ now: DUE });
    const midnight = Date.parse('2026-03-10T04:00:00Z'); // 00:00 EDT
    await until(async () => (await db.enrollments.get(enrollment.id))!.nextDueAt === midnight);
    expect(server.received).toEqual([]);
    await runtime.handlers['test/set-clock']({ now: midnight });
    await until(() => server.received.length === 1);
    expect(server.dates).toEqual(['2026-03-10T04:00:00.000Z']);
  }, 30_000);

  it('R11 across devices, told while this device’s own send is on its way: a daily limit of 3 holds (own 2 + pulled 1), the third person waits for midnight', async () => {
    // A real SMTP server that keeps its reply to the second email until the test lets it go.
    const received: string[] = [];
    let letSecondGo: () => void = () => undefined;
    const secondWaits = new Promise<void>((resolve) => (letSecondGo = resolve));
    const { port } = await rig.smtp(({ raw }) => {
      received.push(/^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '?');
      return received.length === 2 ? secondWaits : undefined;
    });
    const db = await launched(3, port, ONE_EMAIL, { dailyLimit: 3, minGapMs: 60_000 });
    const { runtime, client, calls } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = new Engine(client);
    cleanups.push(async () => {
      letSecondGo();
      engine.stop();
      await engine.idle();
      await engine.sentCopies.idle();
    });
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => received.length === 1);
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    // The second email's data reached the server, which has not answered yet: the host counts
    // it, this database has not recorded it.
    await until(() => received.length === 2);
    const [mailbox] = await db.mailboxes.toArray();
    const mine = (await db.enrollments.toArray())[0]!;
    // Now a pull brings one send of this morning from the rep's other computer, with its enrollment.
    const morning = Date.parse('2026-03-09T11:00:00Z');
    await db.enrollments.put({ ...mine, id: 'other-device.1', deviceId: 'other-device', status: 'finished' });
    await db.stepRuns.put({
      ...newStepRun({
        id: 'other-device.1:s1',
        enrollmentId: 'other-device.1',
        stepId: 's1',
        mailboxId: mailbox!.id,
        dueAt: morning,
        updatedAt: morning,
      }),
      state: 'sent',
      sentAt: morning,
    });
    const told = calls.get('mail/set-sent-today');
    announcePulled(['stepRuns', 'enrollments']);
    // The host hears the day again, read while the second email is not recorded yet.
    await until(() => calls.get('mail/set-sent-today') > told);
    expect((await db.stepRuns.where('state').equals('sent').count()) < 3).toBe(true);
    letSecondGo();
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 3);

    // Own 2 + pulled 1 = the limit of 3: the third person's email waits for 00:00 EDT.
    await runtime.handlers['test/set-clock']({ now: DUE + 120_000 });
    const midnight = Date.parse('2026-03-10T04:00:00Z');
    const third = (await db.stepRuns.where('state').noneOf(['sent']).toArray())[0]!;
    await until(async () => (await db.enrollments.get(third.enrollmentId))!.nextDueAt === midnight);
    expect(received).toHaveLength(2);
    await runtime.handlers['test/set-clock']({ now: midnight });
    await until(() => received.length === 3);
  }, 30_000);

  it('R11 in the host: a person removed while their email waits in the host for its slot is never sent it', async () => {
    const server = await smtp();
    const db = await launched(3, server.port, ONE_EMAIL, { minGapMs: 60_000 });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.enrollments.filter((e) => e.nextDueAt > DUE).count()) === 2);
    // The one waiting for 09:31 is removed from the campaign.
    const next = (await db.enrollments.filter((e) => e.nextDueAt > DUE).sortBy('nextDueAt'))[0]!;
    await removeEnrollments([next.id]);
    await until(async () => (await db.stepRuns.get(`${next.id}:s1`))?.state === 'skipped');
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    await runtime.handlers['test/set-clock']({ now: DUE + 120_000 });
    await until(() => server.received.length === 2);
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 2);
    await engine.idle();
    expect(server.received).toHaveLength(2);
    const sent = await db.stepRuns.where('state').equals('sent').toArray();
    expect(sent.map((run) => run.enrollmentId)).not.toContain(next.id);
  }, 30_000);

  it('R11 in the host: a person who skips an email while it waits in the host for its slot is never sent it, and the skip is recorded', async () => {
    const server = await smtp();
    const db = await launched(3, server.port, ONE_EMAIL, { minGapMs: 60_000 });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.enrollments.filter((e) => e.nextDueAt > DUE).count()) === 2);
    // The one waiting for 09:31 is skipped in the Command Center.
    const next = (await db.enrollments.filter((e) => e.nextDueAt > DUE).sortBy('nextDueAt'))[0]!;
    expect((await db.stepRuns.get(`${next.id}:s1`))?.state).toBe('sending');
    await skipPendingSend([next.id]);
    expect((await db.stepRuns.get(`${next.id}:s1`))?.state).toBe('skipped');
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    await runtime.handlers['test/set-clock']({ now: DUE + 120_000 });
    await until(() => server.received.length === 2);
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 2);
    await engine.idle();
    expect(server.received).toHaveLength(2);
    const sent = await db.stepRuns.where('state').equals('sent').toArray();
    expect(sent.map((run) => run.enrollmentId)).not.toContain(next.id);
    expect((await db.stepRuns.get(`${next.id}:s1`))?.state).toBe('skipped');
  }, 30_000);

  it('R11 in the host: the page’s connection drops while the host holds a send for its slot: the email goes once, not by the host at the slot and by the page again', async () => {
    const server = await smtp();
    const db = await launched(2, server.port, ONE_EMAIL, { minGapMs: 60_000 });
    rig.pageSocket();
    const { runtime } = rig.host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    let web = await rig.webHost(runtime);
    const port = web.port;
    const client = rig.pageClient(port);
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => server.received.length === 1);
    await until(async () => (await db.stepRuns.where('state').equals('sending').count()) === 1);
    const held = (await db.stepRuns.where('state').equals('sending').toArray())[0]!;
    // The connection drops; the host runs on and the page connects again.
    await web.close();
    web = await rig.webHost(runtime, port);
    cleanups.push(() => web.close());
    await until(async () => (await db.stepRuns.get(held.id))?.state !== 'sending');
    await until(async () => (await client.tryCall('clock/now', {})).data !== undefined);
    for (const later of [60_000, 120_000, 180_000]) await runtime.handlers['test/set-clock']({ now: DUE + later });
    await until(async () => (await db.stepRuns.get(held.id))?.state === 'sent');
    await engine.idle();
    expect(server.received.filter((id) => id === held.messageId)).toHaveLength(1);
    expect(server.received).toHaveLength(2);
  }, 60_000);

  it('R11 in the host: a window that reloads while the host holds its send for the gap gets it back unsent (scheduled, not unknown), and it goes once', async () => {
    const server = await smtp();
    const db = await launched(1, server.port, ONE_EMAIL, { minGapMs: 60_000 });
    const { runtime } = host();
    await runtime.handlers['test/set-clock']({ now: DUE });
    setClock(() => DUE);
    const [mailbox] = await db.mailboxes.toArray();
    const [enrollment] = await db.enrollments.toArray();
    const send = (messageId: string) =>
      runtime.handlers['mail/send']({
        mailboxId: mailbox!.id,
        smtp: mailbox!.smtp,
        limits: { dailyLimit: 100, minGapMs: 60_000, zone: 'America/New_York' },
        message: {
          from: { name: 'Rep One', address: 'rep@example.com' },
          to: { name: '', address: 'p0@example.org' },
          subject: 'Hi P0',
          html: '<p>Hello</p>',
          text: 'Hello',
          messageId,
        },
        waitForSlot: true,
      });
    // The window before the reload: one email went, and its claim on this person waits in the host for 09:31.
    expect((await send('<other-1@example.com>')).status).toBe('sent');
    await db.stepRuns.put(
      newStepRun({
        id: `${enrollment!.id}:s1`,
        enrollmentId: enrollment!.id,
        stepId: 's1',
        mailboxId: mailbox!.id,
        dueAt: DUE,
        state: 'sending',
        messageId: '<held-1@example.com>',
        subject: 'Hi P0',
      }),
    );
    const held = send('<held-1@example.com>');
    // The reloaded window's engine starts on the same host.
    const { client } = inProcessHost<Client>(runtime);
    const engine = rig.engine(client);
    await engine.start();
    expect(await held).toMatchObject({ status: 'deferred', reason: 'min-gap' });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 0);
    expect(await db.stepRuns.where('state').equals('unknown').count()).toBe(0);
    // It is sent again by this window, at its slot, with the Message-ID it was claimed with.
    await runtime.handlers['test/set-clock']({ now: DUE + 60_000 });
    await until(async () => (await db.stepRuns.get(`${enrollment!.id}:s1`))?.state === 'sent');
    await engine.idle();
    expect(server.received).toEqual(['<other-1@example.com>', '<held-1@example.com>']);
    expect(server.dates[1]).toBe('2026-03-09T13:31:00.000Z');
  }, 30_000);

  it('SPEC §5: Exchange Online replaced the Message-ID, so the follow-up replies to the delivered one', async () => {
    const delivered = '<AM0PR01MB6417A1B2C3@AM0PR01MB6417.eurprd01.prod.exchangelabs.com>';
    const peer = await startRawSmtp((n) =>
      n === 1 ? `250 2.0.0 OK ${delivered} [Hostname=AM0PR01MB6417.eurprd01.prod.exchangelabs.com]` : '250 2.0.0 OK',
    );
    cleanups.push(peer.close);
    const db = await launched(1, peer.port, [
      ...ONE_EMAIL,
      { id: 's2', day: 2, type: 'email', body: '<p>Bump</p>', send: { timing: 'same_as_previous', followUp: true } },
    ]);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.get((await db.enrollments.toArray())[0]!.id + ':s1'))?.state === 'sent');
    const first = (await db.stepRuns.toArray())[0]!;
    expect(first.deliveredMessageId).toBe(delivered);
    await runtime.handlers['test/set-clock']({ now: DUE + 86_400_000 });
    await until(() => peer.received.length === 2);
    const followUp = peer.received[1]!.replace(/\r\n[ \t]+/g, ' ');
    expect(/^In-Reply-To: (.*)$/im.exec(followUp)?.[1]).toBe(delivered);
    expect(/^References: (.*)$/im.exec(followUp)?.[1]).toBe(`${first.messageId} ${delivered}`);
  }, 30_000);

  it('SPEC §5: a 4xx that still refuses after the 1, 5 and 15 minute retries waits in Needs attention, not Failed', async () => {
    const peer = await startRawSmtp(() => '451 4.7.0 Try again later');
    cleanups.push(peer.close);
    const db = await launched(1, peer.port);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    let at = DUE;
    await runtime.handlers['test/set-clock']({ now: at });
    for (const [i, wait] of RETRY_BACKOFF_MS.entries()) {
      // Refused for now: back to scheduled, due again `wait` later.
      await until(() => peer.received.length === i + 1);
      await until(async () => (await db.enrollments.toArray())[0]?.attempts === i + 1);
      at += wait;
      await runtime.handlers['test/set-clock']({ now: at });
    }
    await until(async () => (await db.stepRuns.toArray())[0]?.state === 'blocked');
    const [run] = await db.stepRuns.toArray();
    const [enrollment] = await db.enrollments.toArray();
    expect(peer.received).toHaveLength(4);
    expect(new Set(peer.messageIds()).size).toBe(1); // one Message-ID through every try
    expect(run!.reason).toBe('not sent after 4 tries: 451 4.7.0 Try again later');
    expect(enrollment).toMatchObject({ status: 'active', hold: 'needs-attention' });
  }, 30_000);

  it('SPEC §5: the host answers `internal` after the SMTP server took the email: Needs attention (unknown), one copy, never retried', async () => {
    const server = await smtp();
    const db = await launched(2, server.port);
    const [ana, bo] = await db.enrollments.orderBy('contactId').toArray();
    const anaEmail = (await db.contacts.get(ana!.contactId))!.email;
    // Bo's email goes after the first retry would have (1 minute): when it is sent, the engine has
    // handled that instant, so a retry of Ana's would have gone by then.
    const later = DUE + RETRY_BACKOFF_MS[0]! + 60_000;
    await rescheduleSends([bo!.id], later);
    rig.pageSocket();
    const { runtime } = rig.host();
    // The real services' mail/send, failing after the mailer's send resolved (a host bug after the transfer).
    const send = runtime.handlers['mail/send'];
    runtime.handlers['mail/send'] = async (input) => {
      const outcome = await send(input);
      if (input.message.to.address === anaEmail) throw new Error(`the host lost the outcome (${outcome.status})`);
      return outcome;
    };
    await runtime.handlers['test/set-clock']({ now: T0 });
    const web = await rig.webHost(runtime);
    cleanups.push(() => web.close());
    const client = rig.pageClient(web.port);
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(
      async () => server.received.length === 1 && (await db.stepRuns.get(`${ana!.id}:s1`))?.state !== 'sending',
    );
    expect((await db.stepRuns.get(`${ana!.id}:s1`))?.state).toBe('unknown');
    expect(server.received).toHaveLength(1);
    expect(await db.enrollments.get(ana!.id)).toMatchObject({ status: 'active', hold: 'needs-attention' });
    expect((await db.stepRuns.get(`${ana!.id}:s1`))?.reason).toBe(
      'the host failed while sending, the email may have gone (the host lost the outcome (sent))',
    );
    // Past the 1-minute retry: only Bo's email goes; Ana's is never sent again.
    await runtime.handlers['test/set-clock']({ now: later });
    await until(async () => (await db.stepRuns.get(`${bo!.id}:s1`))?.state === 'sent');
    await engine.idle();
    const anaRun = (await db.stepRuns.get(`${ana!.id}:s1`))!;
    expect(server.received).toEqual([anaRun.messageId, (await db.stepRuns.get(`${bo!.id}:s1`))!.messageId]);
    expect(anaRun.state).toBe('unknown');
  }, 30_000);

  it('arming by difference: one rescheduled person is one call carrying only their job, a removed one only their id; a restarted host is armed with everything', async () => {
    const { port, received } = await smtp();
    const db = await launched(5, port);
    rig.pageSocket();
    // What each web host was asked to arm, in order.
    const start = async (at: number, now: number) => {
      const { runtime } = rig.host();
      const arms: { call: string; input: unknown }[] = [];
      for (const name of ['scheduler/set', 'scheduler/remove'] as const) {
        const handler = runtime.handlers[name] as (input: unknown) => Promise<never>;
        (runtime.handlers as Record<string, unknown>)[name] = (input: unknown) => {
          arms.push({ call: name, input });
          return handler(input);
        };
      }
      await runtime.handlers['test/set-clock']({ now });
      const web = await rig.webHost(runtime, at);
      const stop = async () => {
        await web.close();
        await runtime.close();
      };
      return { runtime, arms, stop, port: web.port };
    };
    const first = await start(0, T0);
    let stopFirst: (() => Promise<void>) | undefined = first.stop;
    cleanups.push(() => stopFirst?.());
    const client = rig.pageClient(first.port);
    const engine = rig.engine(client);
    await engine.start();
    const people = await db.enrollments.orderBy('id').toArray();
    const everyone = people.map((e) => ({ id: e.id, dueAt: DUE })).sort((a, b) => a.id.localeCompare(b.id));
    const sorted = (input: unknown) => {
      const { jobs, replace } = input as { jobs: { id: string; dueAt: number }[]; replace: boolean };
      return { jobs: [...jobs].sort((a, b) => a.id.localeCompare(b.id)), replace };
    };
    // At start: the whole list, once.
    await until(() => first.arms.length === 1);
    expect(first.arms[0]!.call).toBe('scheduler/set');
    expect(sorted(first.arms[0]!.input)).toEqual({ jobs: everyone, replace: true });

    // One person's email moved to 11:00 EDT: one call, carrying that job only.
    const later = Date.parse('2026-03-09T15:00:00Z');
    await rescheduleSends([people[1]!.id], later);
    await until(() => first.arms.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.arms.slice(1)).toEqual([
      { call: 'scheduler/set', input: { jobs: [{ id: people[1]!.id, dueAt: later }], replace: false } },
    ]);

    // One person removed from the campaign: one call, their id only.
    await removeEnrollments([people[3]!.id]);
    await until(() => first.arms.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.arms.slice(2)).toEqual([{ call: 'scheduler/remove', input: { ids: [people[3]!.id] } }]);

    // The web host restarts on the same port knowing no jobs: the page reconnects and arms it with everyone pending.
    await first.stop();
    stopFirst = undefined;
    const second = await start(first.port, T0 + 60_000);
    cleanups.push(second.stop);
    await until(() => second.arms.length >= 1);
    expect(sorted(second.arms[0]!.input)).toEqual({
      jobs: everyone
        .filter((job) => job.id !== people[3]!.id)
        .map((job) => (job.id === people[1]!.id ? { ...job, dueAt: later } : job)),
      replace: true,
    });
    // And what it was armed with goes: three at 09:30, the moved one at 11:00, none to the removed person.
    await second.runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => received.length === 3);
    await second.runtime.handlers['test/set-clock']({ now: later });
    await until(() => received.length === 4);
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 4);
    await engine.idle();
    expect(received).toHaveLength(4);
  }, 60_000);

  it('SPEC §5: the web host killed mid-burst: only sends it was handed are unknown; the rest go once it is back', async () => {
    // The SMTP server holds every reply, so the sends handed to the host are still in flight when it dies.
    let hold = true;
    const held: (() => void)[] = [];
    const received: string[] = [];
    const server = await rig.smtp(({ raw }) => {
      received.push(/^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '?');
      if (hold) return new Promise<void>((resolve) => held.push(resolve));
    });
    const people = SEND_CONCURRENCY + 60;
    const db = await launched(people, server.port);

    // A real web host and the renderer's real WebSocket client (the `ws` package stands in for the browser's).
    rig.pageSocket();
    let handed = 0;
    const start = async (port: number, now: number) => {
      const { runtime } = rig.host();
      const send = runtime.handlers['mail/send'];
      runtime.handlers['mail/send'] = (input) => {
        handed++;
        return send(input);
      };
      await runtime.handlers['test/set-clock']({ now });
      const web = await rig.webHost(runtime, port);
      return { runtime, web, port: web.port };
    };
    const first = await start(0, T0);
    const client = rig.pageClient(first.port);
    const engine = rig.engine(client);
    await engine.start();
    await first.runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => handed === SEND_CONCURRENCY);
    const handedBeforeKill = handed;

    // Killed: its sockets cut, its mailer gone.
    await first.web.close();
    first.runtime.close();
    await until(async () => (await db.stepRuns.where('state').anyOf('sending').count()) === 0);
    await engine.idle();
    expect(await db.stepRuns.where('state').equals('unknown').count()).toBe(handedBeforeKill);
    expect(await db.stepRuns.where('state').equals('scheduled').count()).toBe(people - handedBeforeKill);

    // Back a minute later on the same port: the page reconnects, and what never reached the host goes once.
    hold = false;
    for (const release of held.splice(0)) release();
    const before = received.length;
    const second = await start(first.port, DUE + 60_000);
    cleanups.push(async () => {
      second.runtime.close();
      await second.web.close();
    });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === people - handedBeforeKill);
    await engine.idle();
    expect(received.length - before).toBe(people - handedBeforeKill);
    expect(new Set(received).size).toBe(received.length); // nothing twice
    expect(await db.stepRuns.where('state').equals('unknown').count()).toBe(handedBeforeKill);
  }, 60_000);
});

describe('Send now (early), confirmed after the email already went', () => {
  const TWO_EMAILS: Step[] = [
    ...ONE_EMAIL,
    {
      id: 's2',
      day: 3,
      type: 'email',
      subject: 'Checking in, {{ first_name }}',
      body: '<p>Again</p>',
      send: { timing: 'at_time', time: '09:30', followUp: false },
    },
  ];

  it('Send now (early) moves only a person still on the step the confirmation named: step 1 went at its time while the question was open, so step 2 is not sent early', async () => {
    const server = await smtp();
    const db = await launched(1, server.port, TWO_EMAILS);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = new Engine(client);
    cleanups.push(async () => {
      engine.stop();
      await engine.idle();
      await engine.sentCopies.idle();
    });
    await engine.start();
    const [person] = await db.enrollments.toArray();
    // The confirmation opens at 08:00 EDT naming step 1 ("planned for 09:30"); the person waits.
    const asked = new Map([[person!.id, person!.nextStepIndex]]);
    expect(asked.get(person!.id)).toBe(0);
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.enrollments.get(person!.id))?.nextStepIndex === 1);
    await engine.idle();
    expect(server.received).toHaveLength(1);
    const day3 = (await db.enrollments.get(person!.id))!.nextDueAt;
    expect(new Date(day3).toISOString()).toBe('2026-03-11T13:30:00.000Z');

    // Send now is confirmed after step 1 went: nothing is moved, step 2 keeps its day-3 instant.
    expect(await sendOverdueNow([person!.id], asked)).toBe(0);
    expect((await db.enrollments.get(person!.id))!.nextDueAt).toBe(day3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await engine.idle();
    expect(server.received).toHaveLength(1);

    // Asked about step 2 (the confirmation opened now), Send now does send it early.
    expect(await sendOverdueNow([person!.id], new Map([[person!.id, 1]]))).toBe(1);
    await until(() => server.received.length === 2);
    await until(async () => (await db.enrollments.get(person!.id))?.status === 'finished');
  }, 30_000);
});
