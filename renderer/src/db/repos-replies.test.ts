import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Step } from '../../../core/model';
import { releaseNext } from './repos/release';
import { setClock } from './change';
import { CampaignDeskDb, setDb } from './database';
import { createCampaign, saveCampaign } from './repos/campaigns';
import { createContact, type ContactInput } from './repos/contacts';
import { applyInboxBatch } from './repos/inbox';
import { launch, previewLaunch } from './repos/launch';
import { saveMailbox } from './repos/mailboxes';
import { conversation, countReplies, listReplies, resumeReplied, stopReplied } from './repos/replies';
import type { ContactRecord, EnrollmentRecord } from './records';

/**
 * The screens' side of the inbox (SPEC §11): the Replies folder's rows, Resume (R8 release)
 * and its undo, and a person's conversation, over a campaign that really launched, whose first
 * email is recorded sent with the Message-ID the reply fixtures answer.
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
const iso = (ms: number | undefined) => (ms === undefined ? 'none' : new Date(ms).toISOString());
const reply = () => applyInboxBatch(batch([{ uid: 12, raw: fixture('reply-gmail-en.eml') }]));

describe('Replies folder', () => {
  it('lists who answered, what they wrote, which campaign and which step, newest first', async () => {
    expect(await listReplies()).toEqual({ rows: [], more: false });
    await reply();
    const { rows, more } = await listReplies();
    expect(more).toBe(false);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      text: 'Hi Sam,\n\nThursday at 2pm works for me. Can you send an invite?',
      from: 'ana.lima@globex.example',
      contact: { id: ana.id },
      enrollment: { id: spring.ana.id, status: 'replied' },
      campaign: { name: 'Spring outreach' },
      answered: { stepIndex: 0, subject: 'Quick question, Ana' },
      zone: 'America/New_York',
    });
    expect(await countReplies()).toBe(1);
  });

  it('a reply from someone in no campaign is not listed', async () => {
    await applyInboxBatch(
      batch([
        {
          uid: 3,
          raw: fixture('reply-gmail-en.eml')
            .replace(/In-Reply-To:.*\r?\n/i, '')
            .replace(/References:.*\r?\n/i, '')
            .replace(/ana\.lima@globex\.example/gi, 'stranger@elsewhere.example'),
        },
      ]),
    );
    expect((await listReplies()).rows).toEqual([]);
    expect(await countReplies()).toBe(0);
  });
});

describe('Resume after a reply (R8)', () => {
  it('before the next step’s own instant: active again, day 3 at the time of day the first email went (Sat 7 Mar 09:30 EST)', async () => {
    // The follow-up was claimed and waiting when the reply came: the stop skipped it; Resume makes it wait again.
    await db.stepRuns.put({
      id: `${spring.ana.id}:s2`,
      enrollmentId: spring.ana.id,
      stepId: 's2',
      state: 'scheduled',
      dueAt: Date.parse('2026-03-07T14:30:00Z'),
      messageId: null,
      references: [],
      subject: '',
      html: '',
      text: '',
      sentAt: null,
      manual: false,
      smtpReply: null,
      updatedAt: READ_AT,
    });
    await reply();
    expect((await db.stepRuns.get(`${spring.ana.id}:s2`))?.state).toBe('skipped');
    setClock(() => Date.parse('2026-03-06T16:00:00Z'));
    expect(await resumeReplied([spring.ana.id])).toEqual([
      { enrollmentId: spring.ana.id, status: 'active', nextDueAt: Date.parse('2026-03-07T14:30:00Z') },
    ]);
    const e = (await db.enrollments.get(spring.ana.id))!;
    expect({ status: e.status, next: e.nextStepIndex, due: iso(e.nextDueAt), hold: e.hold }).toEqual({
      status: 'active',
      next: 1,
      due: '2026-03-07T14:30:00.000Z',
      hold: null,
    });
    expect(await db.stepRuns.get(`${spring.ana.id}:s2`)).toBeUndefined();
    // Only the campaign of the row: Q2, stopped by "stop the person's other campaigns", stays stopped.
    expect((await db.enrollments.get(q2.ana.id))!.status).toBe('replied');
    const feed = (await db.feed.orderBy('at').toArray()).pop()!;
    expect(feed).toMatchObject({ kind: 'enrollment.resumed', contactId: ana.id, campaignId: spring.id });
    expect(feed.text).toBe(
      'Resumed Ana Lima after their reply: Spring outreach goes on with step 2 (email), Sat 7 Mar, 09:30 EST',
    );
    expect((await db.outbox.toArray()).pop()).toMatchObject({ name: 'enrollment/resume-replied' });
  });

  it('after its own instant: due at the moment of the release (Sun 8 Mar 16:00Z), not left in the past', async () => {
    await reply();
    setClock(() => Date.parse('2026-03-08T16:00:00Z'));
    const [resumed] = await resumeReplied([spring.ana.id]);
    expect(iso(resumed!.nextDueAt)).toBe('2026-03-08T16:00:00.000Z');
  });

  it('refuses someone who did not reply, naming the ids, and changes nothing', async () => {
    const before = await db.outbox.count();
    await expect(resumeReplied([spring.bo.id])).rejects.toThrow(
      `ids: ["${spring.bo.id}"] names no one who replied and is stopped`,
    );
    expect(await db.outbox.count()).toBe(before);
  });

  it('Undo stops them again as replied', async () => {
    await reply();
    await resumeReplied([spring.ana.id]);
    expect(await stopReplied([spring.ana.id])).toBe(1);
    expect((await db.enrollments.get(spring.ana.id))!.status).toBe('replied');
  });
});

describe('conversation', () => {
  it('lists what was sent and what came back, in time order', async () => {
    await reply();
    const result = (await conversation(ana.id))!;
    expect(result.contact.id).toBe(ana.id);
    expect(result.items.map((item) => [item.type, item.subject, iso(item.at)])).toEqual([
      ['sent', 'Quick question, Ana', '2026-03-05T14:30:00.000Z'],
      ['received', expect.stringContaining('Quick question'), expect.any(String)],
    ]);
    expect(result.items[1]).toMatchObject({ kind: 'reply', text: expect.stringContaining('Thursday at 2pm') });
    expect(result.items[0]).toMatchObject({ campaignName: 'Spring outreach', stepIndex: 0 });
    expect(await conversation('nobody')).toBeUndefined();
  });
});
