import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Step } from '../../../core/model';
import { WINDOW_PRESETS } from '../../../core/window';
import { setClock } from './change';
import { CampaignDeskDb, setDb } from './database';
import { createCampaign, saveCampaign } from './repos/campaigns';
import { createContact, type ContactInput } from './repos/contacts';
import { launch, previewLaunch } from './repos/launch';
import { rescheduleSends } from './repos/sends';
import { saveMailbox, type MailboxInput } from './repos/mailboxes';
import type { EnrollmentRecord } from './records';

/**
 * SPEC R12/R13 "apply to sends not yet claimed": new sending hours or days off, on the
 * mailbox or on the campaign, date again what is only planned, and leave alone what is
 * claimed, held or already a task.
 */

// Thu 5 Mar 2026, 16:00 in New York (EST, UTC−5): launched late in the afternoon.
const T0 = Date.parse('2026-03-05T21:00:00Z');
const STEPS: Step[] = [
  {
    id: 's1',
    day: 1,
    type: 'email',
    subject: 'Quick question',
    body: '<p>Ten minutes this week?</p>',
    send: { timing: 'at_time', time: '19:30', followUp: false },
  },
  {
    id: 's2',
    day: 2,
    type: 'email',
    body: '<p>Bumping this.</p>',
    send: { timing: 'same_as_previous', followUp: true },
  },
];
const blank: ContactInput = {
  email: '',
  firstName: '',
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: 'America/New_York',
  notes: '',
  custom: {},
};
const MAILBOX: MailboxInput = {
  name: 'Sam Rivera',
  email: 'rep@northwind.example',
  timeZone: 'America/New_York',
  smtp: { host: 'smtp.northwind.example', port: 587, security: 'starttls', user: 'rep' },
  dailyLimit: 400,
  minGapMs: 20_000,
  sendingWindow: null,
};
const weekdays9to17 = WINDOW_PRESETS.find((preset) => preset.id === 'weekdays-9-17')!.window!;

let db: CampaignDeskDb;
let n = 0;
let mailboxId: string;
let campaignId: string;
let ana: EnrollmentRecord;
let bo: EnrollmentRecord;

const iso = (ms: number) => new Date(ms).toISOString();
const due = async (e: EnrollmentRecord) => iso((await db.enrollments.get(e.id))!.nextDueAt);

beforeEach(async () => {
  setClock(() => T0);
  db = new CampaignDeskDb(`replan-${++n}`);
  setDb(db);
  await db.open();
  mailboxId = (await saveMailbox(MAILBOX, false)).id;
  const a = await createContact({ ...blank, email: 'ana@globex.example', firstName: 'Ana' });
  const b = await createContact({ ...blank, email: 'bo@globex.example', firstName: 'Bo' });
  const campaign = await createCampaign('Spring outreach');
  campaignId = campaign.id;
  await saveCampaign(campaign.id, { steps: STEPS }, 1);
  [ana, bo] = (await launch(await previewLaunch(campaign.id, [a.id, b.id], T0, null))) as [
    EnrollmentRecord,
    EnrollmentRecord,
  ];
});

describe('new sending hours date again the sends not yet claimed (SPEC R12, R13)', () => {
  it('the mailbox gets weekdays 09–17: Thursday 19:30 moves to Friday 09:00, and the Live Feed says how many moved', async () => {
    expect(await due(ana)).toBe('2026-03-06T00:30:00.000Z'); // Thu 19:30 EST, any time
    await saveMailbox({ ...MAILBOX, id: mailboxId, sendingWindow: weekdays9to17 }, false);
    expect(await due(ana)).toBe('2026-03-06T14:00:00.000Z'); // Fri 09:00 EST
    expect(await due(bo)).toBe('2026-03-06T14:00:00.000Z');
    expect((await db.enrollments.get(ana.id))!.nextMoved).toMatchObject({ kind: 'window' });
    expect((await db.feed.toArray()).at(-1)!.text).toBe(
      'Saved mailbox rep@northwind.example; 2 scheduled emails moved for the new hours or days off',
    );
  });

  it('a day off added on the mailbox moves the send off it; a send already claimed stays where it is', async () => {
    // Bo's email is being handed to the SMTP server right now: claimed, it is not moved.
    await db.stepRuns.put({
      id: `${bo.id}:s1`,
      enrollmentId: bo.id,
      stepId: 's1',
      mailboxId,
      state: 'sending',
      dueAt: bo.nextDueAt,
      messageId: '<bo@northwind.example>',
      references: [],
      subject: 'Quick question',
      html: '',
      text: '',
      sentAt: null,
      manual: false,
      updatedAt: T0,
    } as never);
    await saveMailbox(
      {
        ...MAILBOX,
        id: mailboxId,
        sendingWindow: weekdays9to17,
        holidays: { country: 'US', extra: ['2026-03-06'], workdays: [] },
      },
      false,
    );
    expect(await due(ana)).toBe('2026-03-09T13:00:00.000Z'); // Mon 09:00 EDT (Friday is off)
    expect(await due(bo)).toBe('2026-03-06T00:30:00.000Z');
  });

  it('the campaign gets hours of its own: its planned sends move, and the words say so', async () => {
    const current = (await db.campaigns.get(campaignId))!;
    await saveCampaign(campaignId, { sendingWindow: weekdays9to17 }, current.version);
    expect(await due(ana)).toBe('2026-03-06T14:00:00.000Z');
    expect((await db.feed.toArray()).at(-1)!.text).toBe(
      'Edited campaign Spring outreach; 2 scheduled emails moved to its new hours',
    );
  });

  it('a send the salesperson rescheduled keeps the time they picked', async () => {
    const picked = Date.parse('2026-03-11T15:00:00Z'); // Wed 11 Mar 11:00 EDT
    await rescheduleSends([ana.id], picked);
    await saveMailbox({ ...MAILBOX, id: mailboxId, sendingWindow: weekdays9to17 }, false);
    expect(await due(ana)).toBe(iso(picked));
    expect(await due(bo)).toBe('2026-03-06T14:00:00.000Z');
  });

  it('a send already due (overdue while offline) is left to R9, never made on time by new hours', async () => {
    setClock(() => Date.parse('2026-03-06T10:30:00Z')); // Fri 05:30, ten hours after it was due
    await saveMailbox({ ...MAILBOX, id: mailboxId, holidays: { extra: ['2026-04-03'], workdays: [] } as never }, false);
    expect(await due(ana)).toBe('2026-03-06T00:30:00.000Z');
  });

  it('saving the mailbox with the same hours moves nothing', async () => {
    await saveMailbox({ ...MAILBOX, id: mailboxId, name: 'Sam R.' }, false);
    expect(await due(ana)).toBe('2026-03-06T00:30:00.000Z');
    expect((await db.feed.toArray()).at(-1)!.text).toBe('Saved mailbox rep@northwind.example');
  });
});

describe('a time of day that reads as none is refused, naming the field (an early send otherwise)', () => {
  it.each([
    ['9:3', 'steps[0].send.time'],
    ['25', 'steps[0].send.time'],
    ['', 'steps[0].send.time'],
  ])('a step sent at %j: refused as %s, nothing saved, the planned send keeps its instant', async (time, path) => {
    const before = await db.campaigns.get(campaignId);
    const steps = STEPS.map((step, i) =>
      i === 0 && step.type === 'email' ? { ...step, send: { ...step.send, time } } : step,
    );
    await expect(saveCampaign(campaignId, { steps }, before!.version)).rejects.toThrow(
      `${path}: ${JSON.stringify(time)} is not a time of day (24-hour HH:mm, 00:00–23:59)`,
    );
    expect(await db.campaigns.get(campaignId)).toEqual(before);
    expect(await due(ana)).toBe('2026-03-06T00:30:00.000Z');
  });

  it('a task time of "7.5" is refused as taskTime', async () => {
    const before = await db.campaigns.get(campaignId);
    await expect(saveCampaign(campaignId, { taskTime: '7.5' }, before!.version)).rejects.toThrow(
      'taskTime: "7.5" is not a time of day (24-hour HH:mm, 00:00–23:59)',
    );
    expect(await db.campaigns.get(campaignId)).toEqual(before);
  });
});
