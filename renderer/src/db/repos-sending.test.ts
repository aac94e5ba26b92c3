import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors';
import { setClock } from './change';
import { CampaignDeskDb, setDb } from './database';
import { createCampaign, saveCampaign } from './repos/campaigns';
import { createContact, type ContactInput } from './repos/contacts';
import { pauseEnrollments, removeEnrollments, resumeEnrollments, setCampaignPaused } from './repos/enrollments';
import { launch, previewLaunch } from './repos/launch';
import { saveMailbox } from './repos/mailboxes';
import { finishTasks, sendTaskEmail, snoozeTasks } from './repos/tasks';
import { newStepRun } from './records';

let db: CampaignDeskDb;
let n = 0;
const T0 = Date.parse('2026-03-09T14:00:00Z'); // Mon 10:00 in New York
beforeEach(async () => {
  setClock(() => T0);
  db = new CampaignDeskDb(`sending-${++n}`);
  setDb(db);
  await db.open();
});

const person = (email: string, firstName: string): ContactInput => ({
  email,
  firstName,
  lastName: '',
  company: '',
  title: '',
  phone: '',
  timeZone: 'America/New_York',
  notes: '',
  custom: {},
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

/** A launched two-step campaign (an email task on day 1, a call on day 2) for Ana and Ben. */
async function launched() {
  await saveMailbox(
    {
      name: 'Rep One',
      email: 'rep@example.com',
      timeZone: 'America/New_York',
      smtp: { host: '127.0.0.1', port: 2525, security: 'none', user: '' },
      dailyLimit: 400,
      minGapMs: 0,
    },
    false,
  );
  const campaign = await createCampaign('Q2');
  await saveCampaign(
    campaign.id,
    {
      steps: [
        {
          id: 's1',
          day: 1,
          type: 'email',
          subject: 'Hi {{ first_name }}',
          body: '<p>Hello</p>',
          send: { timing: 'task', followUp: false },
        },
        { id: 's2', day: 2, type: 'call', title: 'Call {{ first_name }}', notes: '' },
      ],
    },
    1,
  );
  const ana = await createContact(person('ana@example.org', 'Ana'));
  const ben = await createContact(person('ben@example.org', 'Ben'));
  const [a, b] = await launch(await previewLaunch(campaign.id, [ana.id, ben.id], T0, null));
  return { campaign, a: a!, b: b! };
}

/** The email task the engine raises for enrollment `id` at its due time (as engine.ts writes it). */
async function raiseTask(id: string, campaignId: string, contactId: string) {
  const e = (await db.enrollments.get(id))!;
  await db.tasks.put({
    id: `${id}:s1`,
    enrollmentId: id,
    campaignId,
    contactId,
    stepId: 's1',
    kind: 'email',
    title: 'Email Ana: Hi',
    notes: '',
    dueAt: e.nextDueAt,
    status: 'open',
    completedAt: null,
  });
  await db.enrollments.update(id, { hold: 'task' });
}

describe('pause, resume and remove', () => {
  it('pausing a person stops only them; resuming the campaign leaves them paused', async () => {
    const { campaign, a, b } = await launched();
    expect(await pauseEnrollments([a.id])).toBe(1);
    expect(await setCampaignPaused(campaign.id, true)).toBe(1);
    expect((await db.enrollments.get(b.id))!).toMatchObject({ status: 'paused', pausedBy: 'campaign' });
    expect((await db.campaigns.get(campaign.id))!.status).toBe('paused');
    expect(await setCampaignPaused(campaign.id, false)).toBe(1);
    expect((await db.enrollments.get(a.id))!).toMatchObject({ status: 'paused', pausedBy: 'person' });
    expect((await db.enrollments.get(b.id))!.status).toBe('active');
    expect(await resumeEnrollments([a.id])).toBe(1);
    expect((await db.enrollments.get(a.id))!.status).toBe('active');
    const feed = (await db.feed.orderBy('id').toArray()).map((row) => row.text);
    expect(feed.slice(-4)).toEqual([
      'Paused Ana: nothing is sent until resumed',
      'Paused Q2: 1 person waits, nothing is sent',
      'Resumed Q2 for 1 person',
      'Resumed Ana',
    ]);
  });

  it('removing a person cancels the open task and the scheduled send, and says so', async () => {
    const { campaign, a, b } = await launched();
    await raiseTask(a.id, campaign.id, a.contactId);
    await db.stepRuns.put(newStepRun({ id: `${b.id}:s1`, enrollmentId: b.id, stepId: 's1', dueAt: T0 }));
    expect(await removeEnrollments([a.id, b.id])).toEqual({ removed: 2, cancelled: 2 });
    expect((await db.tasks.get(`${a.id}:s1`))!.status).toBe('skipped');
    expect((await db.stepRuns.get(`${b.id}:s1`))!.state).toBe('skipped');
    expect((await db.enrollments.toArray()).map((e) => e.status)).toEqual(['removed', 'removed']);
    expect((await db.feed.orderBy('id').last())!.text).toBe(
      'Removed 2 people from the campaign; 2 pending steps cancelled',
    );
  });

  it('a draft campaign cannot be paused, and nothing changes', async () => {
    const draft = await createCampaign('Later');
    expect(await refusal(setCampaignPaused(draft.id, true))).toBe(`campaign: "${draft.id}" is not a launched campaign`);
    expect((await db.campaigns.get(draft.id))!.status).toBe('draft');
  });
});

describe('tasks: snooze, bulk, and an email task sent from the app', () => {
  it('snoozes to a later instant, keeping when it was first due; refuses a time in the past', async () => {
    const { campaign, a } = await launched();
    await raiseTask(a.id, campaign.id, a.contactId);
    const firstDue = (await db.tasks.get(`${a.id}:s1`))!.dueAt;
    const later = T0 + 3_600_000;
    expect(await snoozeTasks([`${a.id}:s1`], later)).toBe(1);
    expect((await db.tasks.get(`${a.id}:s1`))!).toMatchObject({ dueAt: later, firstDueAt: firstDue, status: 'open' });
    expect(await refusal(snoozeTasks([`${a.id}:s1`], T0 - 1))).toBe(
      'until: "2026-03-09T13:59:59.999Z" is not in the future',
    );
    expect((await db.tasks.get(`${a.id}:s1`))!.dueAt).toBe(later);
  });

  it('bulk complete passes over tasks already done, and over email tasks', async () => {
    const { campaign, a, b } = await launched();
    await raiseTask(a.id, campaign.id, a.contactId);
    await raiseTask(b.id, campaign.id, b.contactId);
    expect(await finishTasks([`${a.id}:s1`], 'skipped')).toBe(1);
    // An email task is never "completed" in bulk: that would record an email nobody sent.
    expect(await finishTasks([`${a.id}:s1`, `${b.id}:s1`], 'done')).toBe(0);
    expect((await db.tasks.toArray()).map((t) => t.status).sort()).toEqual(['open', 'skipped']);
    expect(await db.stepRuns.count()).toBe(0);
  });

  it('"Send now" closes the task and schedules exactly the edited text as a by-hand send', async () => {
    const { campaign, a } = await launched();
    await raiseTask(a.id, campaign.id, a.contactId);
    await sendTaskEmail(`${a.id}:s1`, { subject: 'Edited subject', html: '<p>Edited</p>', text: 'Edited' }, T0);
    expect((await db.tasks.get(`${a.id}:s1`))!.status).toBe('done');
    expect((await db.stepRuns.get(`${a.id}:s1`))!).toMatchObject({
      state: 'scheduled',
      edited: true,
      manual: true,
      subject: 'Edited subject',
      html: '<p>Edited</p>',
      dueAt: T0,
    });
    expect((await db.enrollments.get(a.id))!).toMatchObject({
      hold: null,
      nextDueAt: T0,
      nextAction: 'send_email',
      nextStepIndex: 0,
    });
  });

  it('refuses an empty subject or a time in the past, and changes nothing', async () => {
    const { campaign, a } = await launched();
    await raiseTask(a.id, campaign.id, a.contactId);
    expect(await refusal(sendTaskEmail(`${a.id}:s1`, { subject: ' ', html: '', text: '' }, T0))).toBe(
      'subject: is empty',
    );
    expect(await refusal(sendTaskEmail(`${a.id}:s1`, { subject: 'Hi', html: '', text: '' }, T0 - 3_600_000))).toBe(
      'at: "2026-03-09T13:00:00.000Z" is in the past',
    );
    expect(
      await refusal(sendTaskEmail(`${a.id}:s1`, { subject: 'Hi {{ first_name }}', html: '<p>x</p>', text: 'x' }, T0)),
    ).toBe('subject: still has a merge field ({{ … }}): replace it with the words to send');
    expect(await refusal(sendTaskEmail(`${a.id}:s1`, { subject: 'Hi', html: '', text: '' }, Number.NaN))).toBe(
      'at: pick a date and time to send it',
    );
    expect((await db.tasks.get(`${a.id}:s1`))!.status).toBe('open');
    expect(await db.stepRuns.get(`${a.id}:s1`)).toBeUndefined();
  });
});
