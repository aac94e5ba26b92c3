import 'fake-indexeddb/auto';
import { engineRig, until } from '../../../electron/host/testing/engine-rig';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Step } from '../../../core/model';
import { setClock } from '../db/change';
import { CampaignDeskDb, setDb } from '../db/database';
import { createCampaign, saveCampaign } from '../db/repos/campaigns';
import { createContact } from '../db/repos/contacts';
import { applyInboxBatch } from '../db/repos/inbox';
import { launch, previewLaunch } from '../db/repos/launch';
import { saveMailbox } from '../db/repos/mailboxes';

/**
 * The inbox and the send engine together, with the host's services in test mode (scheduler,
 * mailer, movable clock) and a real SMTP server on 127.0.0.1: what the inbox stops or
 * suppresses never reaches the server (SPEC §11, §12).
 */

const T0 = Date.parse('2026-03-09T12:00:00Z'); // Mon 08:00 in New York
const DUE = Date.parse('2026-03-09T13:30:00Z'); // 09:30
const DAY2 = Date.parse('2026-03-10T13:30:00Z');

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

interface Received {
  to: string;
  messageId: string;
  subject: string;
}

/** A real SMTP server: each message's recipient, Message-ID and subject, in arrival order. */
async function smtp(
  beforeReply?: (message: Received) => Promise<void>,
): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const { port } = await rig.smtp(({ raw, rcptTo }) => {
    const message = {
      to: rcptTo.join(','),
      messageId: /^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '?',
      subject: /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '?',
    };
    received.push(message);
    // The server holds its reply while `beforeReply` runs (mail that arrives meanwhile).
    return beforeReply?.(message);
  });
  return { port, received };
}

/** The host in test mode and a client on it. */
function host() {
  const { runtime, client } = rig.host();
  return { runtime, client };
}

const TWO_EMAILS: Step[] = [
  {
    id: 's1',
    day: 1,
    type: 'email',
    subject: 'Hi {{ first_name }}',
    body: '<p>Hello</p>',
    send: { timing: 'at_time', time: '09:30', followUp: false },
  },
  {
    id: 's2',
    day: 2,
    type: 'email',
    body: '<p>Just bumping this.</p>',
    send: { timing: 'same_as_previous', followUp: true },
  },
];

/** Ana and Bo launched into a two-email campaign on `port`; returns the database and the mailbox id. */
async function launched(port: number): Promise<{ db: CampaignDeskDb; mailboxId: string; ids: string[] }> {
  const db = new CampaignDeskDb(`inbox-engine-${++n}`);
  setDb(db);
  await db.open();
  cleanups.push(() => db.close());
  const mailbox = await saveMailbox(
    {
      name: 'Rep One',
      email: 'rep@example.com',
      timeZone: 'America/New_York',
      smtp: { host: '127.0.0.1', port, security: 'none', user: '' },
      dailyLimit: 10_000,
      minGapMs: 0,
    },
    false,
  );
  const campaign = await createCampaign('Spring outreach');
  await saveCampaign(campaign.id, { steps: TWO_EMAILS }, 1);
  const ids: string[] = [];
  for (const [email, firstName] of [
    ['ana@example.org', 'Ana'],
    ['bo@example.org', 'Bo'],
  ] as const) {
    const contact = await createContact({
      email,
      firstName,
      lastName: '',
      company: '',
      title: '',
      phone: '',
      timeZone: '',
      notes: '',
      custom: {},
    });
    ids.push(contact.id);
  }
  await launch(await previewLaunch(campaign.id, ids, T0, null));
  return { db, mailboxId: mailbox.id, ids };
}

describe('the inbox and the send engine, with the host and a real SMTP server', () => {
  it('an address suppressed after launch (as a synced unsubscribe arrives) is never sent to; it waits in Needs attention saying why', async () => {
    const server = await smtp();
    const { db } = await launched(server.port);
    // What a pull from the team server writes when Ana used one-click unsubscribe there.
    await db.suppressions.put({ id: 'ana@example.org', address: 'ana@example.org', reason: 'unsubscribed', at: T0 });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').anyOf('sent', 'blocked').count()) === 2);
    await engine.idle();
    expect(server.received.map((r) => r.to)).toEqual(['bo@example.org']);
    const runs = await db.stepRuns.toArray();
    const blocked = runs.find((r) => r.state === 'blocked')!;
    expect(blocked.reason).toBe(
      'not sent to Ana: ana@example.org has unsubscribed, so it is never emailed again; remove them from the campaign or skip this email',
    );
    expect((await db.enrollments.get(blocked.enrollmentId))!.hold).toBe('needs-attention');
    expect((await db.feed.where('kind').equals('email.blocked').toArray()).map((r) => r.text)).toEqual([
      'Waiting for you: not sent to Ana: ana@example.org has unsubscribed, so it is never emailed again; remove them from the campaign or skip this email',
    ]);
  }, 30_000);

  it('a bounced contact (marked on another device) is not sent to either', async () => {
    const server = await smtp();
    const { db, ids } = await launched(server.port);
    await db.contacts.update(ids[0]!, { bounced: true });
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').anyOf('sent', 'blocked').count()) === 2);
    await engine.idle();
    expect(server.received.map((r) => r.to)).toEqual(['bo@example.org']);
  }, 30_000);

  it('Ana replies to the email she got (In-Reply-To its real Message-ID): her follow-up never goes, Bo’s does', async () => {
    const server = await smtp();
    const { db, mailboxId } = await launched(server.port);
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(() => server.received.length === 2);
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 2);
    await engine.idle();
    const toAna = server.received.find((r) => r.to === 'ana@example.org')!;
    const reply = [
      'From: Ana <ana@example.org>',
      'To: Rep One <rep@example.com>',
      `Subject: Re: ${toAna.subject}`,
      'Date: Mon, 09 Mar 2026 10:02:00 -0400',
      'Message-ID: <reply.1@mail.example.org>',
      `In-Reply-To: ${toAna.messageId}`,
      `References: ${toAna.messageId}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Thanks, not right now. Maybe in the autumn.',
      '',
      `On Mon, Mar 9, 2026 at 9:30 AM Rep One <rep@example.com> wrote:`,
      '> Hello',
      '',
    ].join('\r\n');
    await runtime.handlers['test/set-clock']({ now: DUE + 30 * 60_000 });
    await applyInboxBatch({ mailboxId, uidValidity: 1, lastUid: 1, messages: [{ uid: 1, raw: reply }] });
    await runtime.handlers['test/set-clock']({ now: DAY2 + 60_000 });
    await until(() => server.received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await engine.idle();
    expect(server.received.map((r) => [r.to, r.subject]).sort()).toEqual([
      ['ana@example.org', 'Hi Ana'],
      ['bo@example.org', 'Hi Bo'],
      ['bo@example.org', 'Re: Hi Bo'],
    ]);
    expect(server.received.at(-1)!.to).toBe('bo@example.org');
    expect((await db.enrollments.toArray()).map((e) => e.status).sort()).toEqual(['finished', 'replied']);
  }, 30_000);

  it('an out-of-office reply that arrives while its email is still on its way pauses the person all the same: the follow-up waits for the day after the return date', async () => {
    // Cara's server answers by itself as the email is delivered, before the SMTP reply reached
    // the app (a local Postfix + Sieve vacation does this within milliseconds).
    let mailboxId = '';
    const server = await smtp(async (message) => {
      if (message.to !== 'ana@example.org') return;
      const vacation = [
        'From: <ana@example.org>',
        'To: Rep One <rep@example.com>',
        'Subject: Out of office',
        'Date: Mon, 09 Mar 2026 09:30:01 -0400',
        'Message-ID: <vacation.1@mail.example.org>',
        `In-Reply-To: ${message.messageId}`,
        `References: ${message.messageId}`,
        'Auto-Submitted: auto-replied (vacation)',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'I am out of the office and back on 11 March 2026.',
        '',
      ].join('\r\n');
      await applyInboxBatch({ mailboxId, uidValidity: 1, lastUid: 1, messages: [{ uid: 1, raw: vacation }] });
    });
    const launchedNow = await launched(server.port);
    const { db } = launchedNow;
    mailboxId = launchedNow.mailboxId;
    const { runtime, client } = host();
    await runtime.handlers['test/set-clock']({ now: T0 });
    const engine = rig.engine(client);
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 2);
    await engine.idle();
    const ana = (await db.enrollments.toArray()).find((e) => e.contactId === launchedNow.ids[0])!;
    expect(ana).toMatchObject({ status: 'active', returnsOn: '2026-03-11', resumesOn: '2026-03-12', nextStepIndex: 1 });
    // Thu 12 Mar 09:30 in New York: the follow-up's own time of day on the resume day.
    const RESUME = Date.parse('2026-03-12T13:30:00Z');
    expect(new Date(ana.nextDueAt).toISOString()).toBe(new Date(RESUME).toISOString());

    // Tuesday: only Bo's follow-up goes.
    await runtime.handlers['test/set-clock']({ now: DAY2 + 60_000 });
    await until(() => server.received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await engine.idle();
    expect(server.received.at(-1)!.to).toBe('bo@example.org');
    // Thursday 09:30: Ana's.
    await runtime.handlers['test/set-clock']({ now: RESUME });
    await until(() => server.received.length === 4);
    expect(server.received.at(-1)).toMatchObject({ to: 'ana@example.org', subject: 'Re: Hi Ana' });
  }, 30_000);
});
