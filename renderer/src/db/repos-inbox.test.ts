import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors';
import type { Step } from '../../../core/model';
import { releaseNext } from './repos/release';
import { setClock } from './change';
import { CampaignDeskDb, setDb } from './database';
import { createCampaign, saveCampaign } from './repos/campaigns';
import { createContact, deleteContacts, type ContactInput } from './repos/contacts';
import { applyInboxBatch, inboxCursor, knownInboxMessageIds } from './repos/inbox';
import { parseMessage } from '../../../core/inbox';
import { launch, previewLaunch } from './repos/launch';
import { startCapture } from './snapshot';
import { saveMailbox } from './repos/mailboxes';
import type { ContactRecord, EnrollmentRecord } from './records';
import { mintUnsubscribeToken, newUnsubscribeKey, toBase64Url } from '../../../core/unsubscribe-token';
import { unsubscribeSettings } from './unsubscribe';

/**
 * The inbox applied to the app's database (SPEC §11, R14, R15): real raw messages (the
 * classifier's fixtures, core/inbox/fixtures/) against a campaign that really launched and
 * whose first email is recorded sent with the Message-ID those messages answer.
 */

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../../../core/inbox/fixtures', name), 'utf8');

const T0 = Date.parse('2026-03-05T14:00:00Z'); // Thu 09:00 in New York
const SENT_AT = Date.parse('2026-03-05T14:30:00Z');
const READ_AT = Date.parse('2026-03-05T15:00:00Z');

const STEPS: Step[] = [
  {
    id: 's1',
    day: 1,
    type: 'email',
    subject: 'Quick question, {{ first_name }}',
    body: '<p>Do you have ten minutes this week?</p>',
    send: { timing: 'at_time', time: '09:30', followUp: false },
  },
  {
    id: 's2',
    day: 3,
    type: 'email',
    body: '<p>Just bumping this.</p>',
    send: { timing: 'same_as_previous', followUp: true },
  },
  {
    id: 's3',
    day: 5,
    type: 'email',
    subject: 'Last note',
    body: '<p>Last one.</p>',
    send: { timing: 'at_time', time: '10:00', followUp: false },
  },
];

const blank: ContactInput = {
  email: '',
  firstName: '',
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: '',
  notes: '',
  custom: {},
};

let db: CampaignDeskDb;
let n = 0;
let mailboxId: string;
let ana: ContactRecord;
let bo: ContactRecord;
let spring: { id: string; ana: EnrollmentRecord; bo: EnrollmentRecord };
let q2: { id: string; ana: EnrollmentRecord };

/** Records the enrollment's step as sent by the app with `messageId` (what the engine writes), and releases the next step (R8). */
async function sentBy(enrollment: EnrollmentRecord, stepId: string, messageId: string, at: number): Promise<void> {
  await db.transaction('rw', [db.stepRuns, db.enrollments, db.campaigns, db.tasks, db.mailboxes], async () => {
    await db.stepRuns.put({
      id: `${enrollment.id}:${stepId}`,
      enrollmentId: enrollment.id,
      stepId,
      mailboxId,
      state: 'sent',
      dueAt: at,
      messageId,
      references: [],
      subject: stepId === 's1' ? `Quick question, ${enrollment.contactId === ana.id ? 'Ana' : 'Bo'}` : 'Re: …',
      html: '',
      text: '',
      sentAt: at,
      manual: false,
      smtpReply: '250 2.0.0 Ok: queued',
      updatedAt: at,
    });
    await releaseNext(enrollment.id);
  });
}

beforeEach(async () => {
  setClock(() => T0);
  db = new CampaignDeskDb(`inbox-${++n}`);
  setDb(db);
  await db.open();
  mailboxId = (
    await saveMailbox(
      {
        name: 'Sam Rivera',
        email: 'rep@northwind.example',
        timeZone: 'America/New_York',
        smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls', user: 'rep' },
        dailyLimit: 400,
        minGapMs: 20_000,
      },
      false,
    )
  ).id;
  ana = await createContact({ ...blank, email: 'Ana.Lima@globex.example', firstName: 'Ana', lastName: 'Lima' });
  bo = await createContact({ ...blank, email: 'bo.chen@globex.example', firstName: 'Bo', lastName: 'Chen' });
  const campaign = await createCampaign('Spring outreach');
  await saveCampaign(campaign.id, { steps: STEPS }, 1);
  const [eAna, eBo] = await launch(await previewLaunch(campaign.id, [ana.id, bo.id], T0, null));
  const other = await createCampaign('Q2 follow-up');
  await saveCampaign(other.id, { steps: STEPS.slice(2).map((s) => ({ ...s, day: 1 })) }, 1);
  const [eAnaQ2] = await launch(await previewLaunch(other.id, [ana.id], T0, null));
  await sentBy(eAna!, 's1', '<cd-7a1f.s1@northwind.example>', SENT_AT);
  await sentBy(eBo!, 's1', '<cd-7a1f.s1.bo@northwind.example>', SENT_AT);
  spring = { id: campaign.id, ana: (await db.enrollments.get(eAna!.id))!, bo: (await db.enrollments.get(eBo!.id))! };
  q2 = { id: other.id, ana: eAnaQ2! };
  setClock(() => READ_AT);
});

const batch = (messages: { uid: number; raw: string }[], uidValidity = 7, lastUid = 12) => ({
  mailboxId,
  uidValidity,
  lastUid,
  messages,
});
/** The inbox's Live Feed rows, oldest first. */
const feedTexts = async () =>
  (await db.feed.orderBy('at').toArray()).filter((r) => r.kind.startsWith('inbox.')).map((r) => r.text);
const status = async (id: string) => (await db.enrollments.get(id))!.status;

describe('applyInboxBatch: replies', () => {
  it('a reply naming the Message-ID we sent stops the person as replied, in every campaign, and says so', async () => {
    const result = await applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }]));
    expect(result).toMatchObject({ read: 1, matched: 1, alreadyRead: 0 });
    expect(result.feed.map((row) => row.kind)).toEqual(['inbox.replied', 'inbox.replied']);
    expect(await status(spring.ana.id)).toBe('replied');
    expect(await status(q2.ana.id)).toBe('replied');
    expect(await status(spring.bo.id)).toBe('active');
    expect(await feedTexts()).toEqual([
      'Ana Lima replied to Spring outreach: "Hi Sam, Thursday at 2pm works for me. Can you send an invite?"; Spring outreach is stopped for them',
      'Stopped Q2 follow-up for Ana Lima: they replied to Spring outreach',
    ]);
    expect(await db.inboxMessages.get(`${mailboxId}:7:12`)).toMatchObject({
      kind: 'reply',
      from: 'ana.lima@globex.example',
      text: 'Hi Sam,\n\nThursday at 2pm works for me. Can you send an invite?',
      enrollmentIds: [spring.ana.id],
      contactIds: [ana.id],
    });
    expect(await inboxCursor(mailboxId)).toEqual({ uidValidity: 7, lastUid: 12 });
  });

  it('the provider-delivered Message-ID matches too (SPEC §5)', async () => {
    await db.stepRuns.update(`${spring.ana.id}:s1`, {
      messageId: '<ours.1@northwind.example>',
      deliveredMessageId: '<cd-7a1f.s1@northwind.example>',
    });
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }]));
    expect(await status(spring.ana.id)).toBe('replied');
  });

  it('campaign settings off: stop on reply off keeps the campaign going and says why', async () => {
    const record = (await db.campaigns.get(spring.id))!;
    await saveCampaign(spring.id, { stopOnReply: false, stopOtherCampaigns: false }, record.version);
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }]));
    expect(await status(spring.ana.id)).toBe('active');
    expect(await status(q2.ana.id)).toBe('active');
    expect((await feedTexts())[0]).toMatch(/; Spring outreach goes on \(stop on reply is off\)$/);
  });

  it('re-applying the same batch changes nothing: no row, no feed, no outbox, same cursor', async () => {
    const once = batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }]);
    await applyInboxBatch(once);
    const before = {
      enrollments: await db.enrollments.toArray(),
      feed: await db.feed.count(),
      outbox: await db.outbox.count(),
      messages: await db.inboxMessages.count(),
    };
    expect(await applyInboxBatch(once)).toEqual({ read: 0, matched: 0, alreadyRead: 1, feed: [] });
    expect({
      enrollments: await db.enrollments.toArray(),
      feed: await db.feed.count(),
      outbox: await db.outbox.count(),
      messages: await db.inboxMessages.count(),
    }).toEqual(before);
    expect(await inboxCursor(mailboxId)).toEqual({ uidValidity: 7, lastUid: 12 });
  });

  it('a UIDVALIDITY change renumbers the same message: it is not acted on twice, and the cursor starts over', async () => {
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }]));
    const feed = await db.feed.count();
    // Resumed by hand after the reply; the same reply under a new UID must not stop it again.
    await db.enrollments.update(spring.ana.id, { status: 'active' });
    expect(await applyInboxBatch(batch([{ uid: 3, raw: fixture('reply-gmail-en.eml') }], 8, 3))).toEqual({
      read: 0,
      matched: 0,
      alreadyRead: 1,
      feed: [],
    });
    expect(await status(spring.ana.id)).toBe('active');
    expect(await db.feed.count()).toBe(feed);
    expect(await inboxCursor(mailboxId)).toEqual({ uidValidity: 8, lastUid: 3 });
  });

  it('a reply with no Message-ID, renumbered by a UIDVALIDITY change, is known again and not acted on twice', async () => {
    const bare = fixture('reply-gmail-en.eml').replace(/^Message-ID: .*\r?\n/m, '');
    expect(await applyInboxBatch(batch([{ uid: 12, raw: bare }]))).toMatchObject({ read: 1, matched: 1 });
    const feed = await db.feed.count();
    await db.enrollments.update(spring.ana.id, { status: 'active' });
    expect(await applyInboxBatch(batch([{ uid: 3, raw: bare }], 8, 3))).toEqual({
      read: 0,
      matched: 0,
      alreadyRead: 1,
      feed: [],
    });
    expect(await status(spring.ana.id)).toBe('active');
    expect(await db.feed.count()).toBe(feed);
    // A different message without one is a new message.
    const other = bare.replace('Subject: Re:', 'Subject: Re: also');
    expect(await applyInboxBatch(batch([{ uid: 4, raw: other }], 8, 4))).toMatchObject({ read: 1, alreadyRead: 0 });
  });

  it('the cursor never moves back within one UIDVALIDITY', async () => {
    await applyInboxBatch(batch([], 7, 40));
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }], 7, 12));
    expect(await inboxCursor(mailboxId)).toEqual({ uidValidity: 7, lastUid: 40 });
  });

  it('a reply from an address in no campaign is recorded as read and otherwise ignored', async () => {
    const feed = await db.feed.count();
    const result = await applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-outlook-de.eml') }]));
    expect(result).toEqual({ read: 1, matched: 0, alreadyRead: 0, feed: [] });
    expect(await db.feed.count()).toBe(feed);
    expect((await db.inboxMessages.get(`${mailboxId}:7:12`))!.enrollmentIds).toEqual([]);
  });
});

describe('applyInboxBatch: messages the host built from IMAP', () => {
  it('takes core’s InboxMessage instead of raw text, and lists the Message-IDs it has read', async () => {
    const { headers, body } = await parseMessage(fixture('reply-gmail-en.eml'));
    const message = { headers, body };
    await applyInboxBatch({
      mailboxId,
      uidValidity: 7,
      lastUid: 12,
      messages: [{ uid: 12, message, receivedAt: READ_AT }],
    });
    expect(await status(spring.ana.id)).toBe('replied');
    expect(await knownInboxMessageIds(mailboxId)).toEqual(['<CAKx8V1p2mQ9f+ZrTQ7w3bN0e1R5sYvJ4hWq@mail.gmail.com>']);
  });
});

describe('applyInboxBatch: bounces', () => {
  it('a Postfix bounce: Ana (5.1.1) is bounced and stopped everywhere; Bo (5.2.2, mailbox full) is noted on his email', async () => {
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('bounce-postfix.eml') }]));
    const anaNow = (await db.contacts.get(ana.id))!;
    expect(anaNow.bounced).toBe(true);
    expect(await status(spring.ana.id)).toBe('bounced');
    expect(await status(q2.ana.id)).toBe('bounced');
    expect(await db.suppressions.get('ana.lima@globex.example')).toMatchObject({
      address: 'ana.lima@globex.example',
      reason: 'bounced',
      contactId: ana.id,
    });
    expect(await status(spring.bo.id)).toBe('active');
    expect((await db.stepRuns.get(`${spring.bo.id}:s1`))!.deliveryProblem).toBe('The mailbox is full (5.2.2)');
    expect((await db.contacts.get(bo.id))!.softBounces).toBe(1);
    expect(await feedTexts()).toEqual([
      'ana.lima@globex.example bounced: The address does not exist (5.1.1). Ana Lima is marked bounced and will not be emailed again; stopped Q2 follow-up, Spring outreach',
      'Not delivered to Bo Chen: The mailbox is full (5.2.2). Noted on "Quick question, Bo"; 3 in a row pause them',
    ]);
  });

  it('three temporary bounces in a row pause the person', async () => {
    const raw = fixture('bounce-postfix.eml');
    // Three different bounce messages (each its own Message-ID) about Bo's mailbox being full.
    const copies = [1, 2, 3].map((i) => ({
      uid: 20 + i,
      raw: raw.replace('<20260305143107.4FgH2k0Zq1z9v@mail.northwind.example>', `<bounce.${i}@mail.northwind.example>`),
    }));
    await applyInboxBatch(batch(copies, 7, 23));
    const boNow = (await db.enrollments.get(spring.bo.id))!;
    expect(boNow).toMatchObject({ status: 'paused', pausedBy: 'bounces' });
    expect((await feedTexts()).at(-1)).toBe(
      'Not delivered to Bo Chen for the third time in a row: The mailbox is full (5.2.2): paused Bo Chen in Spring outreach until you resume',
    );
  });
});

describe('applyInboxBatch: out of office', () => {
  it('pauses until the day after the return date, then resumes by itself and R8 shifts what follows', async () => {
    // "out of the office until Monday, 16 March 2026"; step 2 was due Sat 7 Mar 09:30 EST.
    expect(new Date(spring.ana.nextDueAt).toISOString()).toBe('2026-03-07T14:30:00.000Z');
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('ooo-en-outlook.eml') }]));
    const paused = (await db.enrollments.get(spring.ana.id))!;
    expect(paused).toMatchObject({ status: 'active', returnsOn: '2026-03-16', resumesOn: '2026-03-17' });
    expect(new Date(paused.nextDueAt).toISOString()).toBe('2026-03-17T13:30:00.000Z'); // Tue 09:30 EDT
    expect(new Date(paused.outOfOfficeUntil!).toISOString()).toBe('2026-03-17T04:00:00.000Z');
    expect(await status(q2.ana.id)).toBe('active'); // never counted as a reply
    expect(await feedTexts()).toEqual([
      'Ana Lima is out of the office until Mon 16 Mar 2026: Spring outreach pauses and resumes by itself on Tue 17 Mar 2026',
    ]);
    // It goes on the resume day; day 5 (Mon 9 Mar) shifts by the 10 days step 2 went late.
    await sentBy(paused, 's2', '<cd-7a1f.s2@northwind.example>', paused.nextDueAt);
    expect(new Date((await db.enrollments.get(spring.ana.id))!.nextDueAt).toISOString()).toBe(
      '2026-03-19T14:00:00.000Z',
    );
  });

  it('the resume day keeps to the mailbox’s days off and hours (R13, R12): a day off on it and weekdays 10–17 move step 2 to Wed 10:00', async () => {
    const mailbox = (await db.mailboxes.get(mailboxId))!;
    await saveMailbox(
      {
        name: mailbox.name,
        email: mailbox.email,
        timeZone: mailbox.timeZone,
        smtp: mailbox.smtp,
        dailyLimit: mailbox.dailyLimit,
        minGapMs: mailbox.minGapMs,
        id: mailboxId,
        sendingWindow: Object.fromEntries(
          ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [['10:00', '17:00']]]),
        ) as never,
        holidays: { country: 'US', extra: ['2026-03-17'], workdays: [] },
      },
      false,
    );
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('ooo-en-outlook.eml') }]));
    const paused = (await db.enrollments.get(spring.ana.id))!;
    expect(paused).toMatchObject({ returnsOn: '2026-03-16', resumesOn: '2026-03-17' });
    // Tue 17 Mar is the mailbox's day off: Wed 18 Mar, and 09:30 is before the hours: 10:00 EDT.
    expect(new Date(paused.nextDueAt).toISOString()).toBe('2026-03-18T14:00:00.000Z');
  });

  it('a Dovecot Sieve vacation reply (its own headers and words) pauses Bo until the day after 10 December', async () => {
    const vacation = [
      'Return-Path: <>',
      'Message-ID: <dovecot-sieve-1772724000-1@mail.globex.example>',
      'Date: Thu, 05 Mar 2026 15:20:00 +0000',
      'X-Sieve: Pigeonhole Sieve 0.5.19',
      'From: <bo.chen@globex.example>',
      'To: <rep@northwind.example>',
      'Subject: Abwesenheitsnotiz',
      'In-Reply-To: <cd-7a1f.s1.bo@northwind.example>',
      'References: <cd-7a1f.s1.bo@northwind.example>',
      'Auto-Submitted: auto-replied (vacation)',
      'Precedence: bulk',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Ich bin bis 10.12. nicht im Büro. Back on 10 December.',
      '',
    ].join('\r\n');
    await applyInboxBatch(batch([{ uid: 12, raw: vacation }]));
    expect(await db.enrollments.get(spring.bo.id)).toMatchObject({
      status: 'active',
      returnsOn: '2026-12-10',
      resumesOn: '2026-12-11',
    });
    expect(await feedTexts()).toEqual([
      'Bo Chen is out of the office until Thu 10 Dec 2026: Spring outreach pauses and resumes by itself on Fri 11 Dec 2026',
    ]);
  });
});

describe('applyInboxBatch: real messages from the tests’ own Postfix and Dovecot (core/inbox/fixtures/README.md)', () => {
  it('Postfix’s own bounce for an unknown mailbox and a Sieve vacation reply, as Dovecot stored them', async () => {
    // What was sent on 2026-12-03 at 06:33 (UTC) before these came back.
    const sentAt = Date.parse('2026-12-03T06:33:49Z');
    setClock(() => Date.parse('2026-12-03T06:00:00Z'));
    const mailbox = await saveMailbox(
      {
        name: 'Sam Rivera',
        email: 'rep@example.com',
        timeZone: 'America/New_York',
        smtp: { host: '127.0.0.1', port: 25441, security: 'none', user: '' },
        dailyLimit: 400,
        minGapMs: 20_000,
      },
      false,
    );
    const nobody = await createContact({
      ...blank,
      email: 'nobody-here@example.org',
      firstName: 'Nobody',
      lastName: 'Here',
    });
    const cara = await createContact({ ...blank, email: 'cara@example.com', firstName: 'Cara', lastName: 'Diaz' });
    const campaign = await createCampaign('Winter outreach');
    await saveCampaign(campaign.id, { steps: STEPS, mailboxId: mailbox.id }, 1);
    const [eNobody, eCara] = await launch(
      await previewLaunch(
        campaign.id,
        [nobody.id, cara.id],
        Date.parse('2026-12-03T06:00:00Z'),
        Date.parse('2026-12-03T06:33:00Z'),
      ),
    );
    mailboxId = mailbox.id;
    await sentBy(eNobody!, 's1', '<cd-capture.s1.nobody@example.com>', sentAt);
    await sentBy(eCara!, 's1', '<cd-capture.s1.cara2@example.com>', sentAt);
    setClock(() => Date.parse('2026-12-03T06:40:00Z'));

    await applyInboxBatch({
      mailboxId: mailbox.id,
      uidValidity: 1,
      lastUid: 2,
      messages: [
        { uid: 1, raw: fixture('real-postfix-bounce.eml') },
        { uid: 2, raw: fixture('real-dovecot-vacation.eml') },
      ],
    });
    expect((await db.contacts.get(nobody.id))!.bounced).toBe(true);
    expect(await status(eNobody!.id)).toBe('bounced');
    const away = (await db.enrollments.get(eCara!.id))!;
    expect(away).toMatchObject({ status: 'active', returnsOn: '2026-12-14', resumesOn: '2026-12-15' });
    // Day 3 was Sat 5 Dec at 01:33 EST (the time step 1 went, R6); now Tue 15 Dec at the same time.
    expect(new Date(away.nextDueAt).toISOString()).toBe('2026-12-15T06:33:00.000Z');
    expect(await feedTexts()).toEqual([
      'nobody-here@example.org bounced: The address does not exist (5.1.1). Nobody Here is marked bounced and will not be emailed again; stopped Winter outreach',
      'Cara Diaz is out of the office until Mon 14 Dec 2026: Winter outreach pauses and resumes by itself on Tue 15 Dec 2026',
    ]);
  });
});

describe('applyInboxBatch: unsubscribes and suppression', () => {
  it('an unsubscribe suppresses the address workspace-wide, synced, kept when the contact is deleted, and launch leaves them out', async () => {
    await startCapture(db); // a device with a sync server set: changes carry their rows
    const rosa = await createContact({ ...blank, email: 'rosa@brooklyn.example', firstName: 'Rosa', lastName: 'Diaz' });
    const [eRosa] = await launch(await previewLaunch(spring.id, [rosa.id], READ_AT, null));
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('unsubscribe-mailto.eml') }]));
    expect(await status(eRosa!.id)).toBe('unsubscribed');
    expect((await db.contacts.get(rosa.id))!.unsubscribed).toBe(true);
    expect(await feedTexts()).toEqual([
      'Rosa Diaz unsubscribed: rosa@brooklyn.example will not be emailed again; stopped Spring outreach',
    ]);
    // Synced like other rows: the outbox row of the batch carries the suppression.
    const last = (await db.outbox.toArray()).at(-1)!;
    expect(last.name).toBe('inbox/apply');
    expect(last.writes).toContainEqual(
      expect.objectContaining({ table: 'suppressions', id: 'rosa@brooklyn.example', op: 'put' }),
    );
    await deleteContacts([rosa.id]);
    expect(await db.suppressions.get('rosa@brooklyn.example')).toMatchObject({ reason: 'unsubscribed' });
    const again = await createContact({ ...blank, email: 'Rosa@Brooklyn.example', firstName: 'Rosa' });
    const other = await createCampaign('Summer');
    await saveCampaign(other.id, { steps: STEPS }, 1);
    const preview = await previewLaunch(other.id, [again.id], READ_AT, null);
    expect(preview.people[0]!.excluded).toBe(true);
    expect(preview.people[0]!.warnings[0]).toBe('Rosa@Brooklyn.example has unsubscribed; never emailed again');
  });

  it('a complaint (RFC 5965) suppresses the complaining address', async () => {
    const quinn = await createContact({ ...blank, email: 'quinn@hotmail.example', firstName: 'Quinn' });
    const [eQuinn] = await launch(await previewLaunch(spring.id, [quinn.id], READ_AT, null));
    await sentBy(eQuinn!, 's1', '<cd-7a1f.s1.quinn@northwind.example>', READ_AT);
    await applyInboxBatch(batch([{ uid: 12, raw: fixture('complaint-arf.eml') }]));
    expect(await status(eQuinn!.id)).toBe('unsubscribed');
    expect(await db.suppressions.get('quinn@hotmail.example')).toMatchObject({ reason: 'complaint' });
    expect(await feedTexts()).toEqual([
      'Quinn marked your email as spam: quinn@hotmail.example will not be emailed again; stopped Spring outreach',
    ]);
  });
});

describe('applyInboxBatch: the mailto of List-Unsubscribe (SPEC §12)', () => {
  /** What a mail program sends for `mailto:rep@…?subject=unsubscribe%20<token>`. */
  const mailtoRequest = (from: string, token: string) =>
    [
      `From: <${from}>`,
      'To: rep@northwind.example',
      `Subject: unsubscribe ${token}`,
      'Date: Thu, 05 Mar 2026 14:50:00 +0000',
      'Message-ID: <mailto-1@gmail.example>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This message was sent automatically to unsubscribe.',
      '',
    ].join('\r\n');

  it('unsubscribes the address its token names, even from a forwarding address, once the token checks out', async () => {
    const token = await mintUnsubscribeToken((await unsubscribeSettings()).current, 'ana.lima@globex.example');
    const result = await applyInboxBatch(batch([{ uid: 12, raw: mailtoRequest('ana.fwd@gmail.example', token) }]));
    expect(result.matched).toBe(1);
    expect(await db.inboxMessages.get(`${mailboxId}:7:12`)).toMatchObject({ kind: 'unsubscribe' });
    expect(await status(spring.ana.id)).toBe('unsubscribed');
    expect(await status(q2.ana.id)).toBe('unsubscribed');
    expect(await status(spring.bo.id)).toBe('active');
    expect(await db.suppressions.get('ana.lima@globex.example')).toMatchObject({ reason: 'unsubscribed' });
    expect(await feedTexts()).toEqual([
      'Ana Lima unsubscribed: ana.lima@globex.example will not be emailed again; stopped Q2 follow-up, Spring outreach',
    ]);
  });

  it('a forged or altered token unsubscribes nobody it names', async () => {
    const real = await mintUnsubscribeToken((await unsubscribeSettings()).current, 'mallory@evil.example');
    const [ws, , mac] = real.split('.');
    const altered = `${ws}.${toBase64Url(new TextEncoder().encode('bo.chen@globex.example'))}.${mac}`;
    const foreign = await mintUnsubscribeToken(newUnsubscribeKey('someone-else'), 'bo.chen@globex.example');
    const result = await applyInboxBatch(
      batch(
        [
          { uid: 12, raw: mailtoRequest('mallory@evil.example', altered) },
          { uid: 13, raw: mailtoRequest('mallory@evil.example', foreign).replace('mailto-1@', 'mailto-2@') },
        ],
        7,
        13,
      ),
    );
    expect(result.matched).toBe(0);
    expect(await status(spring.bo.id)).toBe('active');
    expect(await db.suppressions.count()).toBe(0);
    expect((await db.contacts.get(bo.id))!.unsubscribed).toBe(false);
  });

  it('with no enrollment left (the contact deleted), a verified token still puts the address on the list', async () => {
    const cy = await createContact({ ...blank, email: 'cy@initech.example', firstName: 'Cy' });
    const token = await mintUnsubscribeToken((await unsubscribeSettings()).current, 'cy@initech.example');
    await deleteContacts([cy.id]);
    await applyInboxBatch(batch([{ uid: 12, raw: mailtoRequest('cy.home@gmail.example', token) }]));
    expect(await db.suppressions.get('cy@initech.example')).toMatchObject({ reason: 'unsubscribed' });
    expect(await feedTexts()).toEqual([
      'cy@initech.example unsubscribed: cy@initech.example will not be emailed again',
    ]);
    // Imported again later: launch leaves them out.
    const again = await createContact({ ...blank, email: 'cy@initech.example', firstName: 'Cy' });
    const preview = await previewLaunch(spring.id, [again.id], READ_AT, null);
    expect(preview.people[0]!.warnings[0]).toBe('cy@initech.example has unsubscribed; never emailed again');
  });
});

describe('applyInboxBatch: bad input', () => {
  async function refusal(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof InputError) return error.message;
      throw error;
    }
    throw new Error('accepted');
  }

  it('names the field and the value, and stores nothing', async () => {
    const outbox = await db.outbox.count();
    expect(await refusal(applyInboxBatch(batch([{ uid: 0, raw: fixture('reply-gmail-en.eml') }])))).toBe(
      'messages[0].uid: 0 is not a whole number of at least 1',
    );
    expect(await refusal(applyInboxBatch({ ...batch([]), uidValidity: 1.5 }))).toBe(
      'uidValidity: 1.5 is not a whole number of at least 1',
    );
    expect(await refusal(applyInboxBatch({ ...batch([]), mailboxId: 'nope' }))).toBe(
      'mailboxId: "nope" is not a mailbox',
    );
    expect(await db.outbox.count()).toBe(outbox);
    expect(await inboxCursor(mailboxId)).toBeUndefined();
  });

  it('bytes that are not mail are read and ignored; the rest of the batch still applies', async () => {
    const result = await applyInboxBatch(
      batch([
        { uid: 11, raw: fixture('other-not-mime.eml') },
        { uid: 12, raw: fixture('reply-gmail-en.eml') },
      ]),
    );
    expect(result).toMatchObject({ read: 2, matched: 1, alreadyRead: 0 });
    expect(await status(spring.ana.id)).toBe('replied');
  });
});
