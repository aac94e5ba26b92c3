import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { stepFunnels } from '../../../core/results';
import { CampaignDeskDb, setDb } from './database';
import { newStepRun, type CampaignRecord, type EnrollmentRecord } from './records';
import { campaignCounters, countFromRows, countingPulledRows } from './results';

let db: CampaignDeskDb;
let n = 0;
beforeEach(async () => {
  db = new CampaignDeskDb(`results-${++n}`);
  setDb(db);
  await db.open();
});

const MONDAY_10_NY = Date.parse('2026-03-02T15:00:00Z'); // 10:00 in New York

const campaign: CampaignRecord = {
  id: 'c1',
  name: 'Spring',
  status: 'active',
  version: 1,
  archived: 0,
  mailboxId: 'm1',
  timeZoneMode: 'recipient',
  skipWeekends: false,
  taskTime: '09:00',
  steps: [
    { id: 's1', type: 'email', day: 1, subject: 'Hello', body: 'Hi', send: { timing: 'at_time', time: '10:00' } },
    { id: 's2', type: 'call', day: 3, title: 'Call', notes: '' },
  ] as CampaignRecord['steps'],
  createdAt: 0,
  updatedAt: 0,
};

const enrollment = (i: number): EnrollmentRecord => ({
  id: `e${i}`,
  campaignId: 'c1',
  contactId: `p${i}`,
  mailboxId: 'm1',
  zone: 'America/New_York',
  status: 'active',
  launchedAt: 0,
  firstSendAt: null,
  deviceId: 'd',
  nextStepIndex: 0,
  nextDueAt: MONDAY_10_NY,
  nextAction: 'send_email',
  shiftDays: 0,
  createdAt: 0,
  updatedAt: 0,
});

describe('results counters kept as rows change', () => {
  it('40 sent and 6 replied read 15 % from the kept row, equal to counting every row, through launch, claims, sends, replies and tasks', async () => {
    await db.campaigns.add(campaign); // a new campaign starts a kept row at zero
    expect((await db.campaignResults.get('c1'))?.counters).toEqual({});
    await db.enrollments.bulkAdd(Array.from({ length: 50 }, (_, i) => enrollment(i)));
    // The engine's claim and record, each in a transaction that names only stepRuns (or enrollments).
    for (let i = 0; i < 40; i++) {
      const run = newStepRun({ id: `e${i}:s1`, enrollmentId: `e${i}`, stepId: 's1', dueAt: MONDAY_10_NY });
      await db.transaction('rw', db.stepRuns, () => db.stepRuns.put({ ...run, state: 'sending' }));
      await db.transaction('rw', db.stepRuns, () =>
        db.stepRuns.put({ ...run, state: 'sent', sentAt: MONDAY_10_NY, messageId: `<m${i}@x>` }),
      );
    }
    await db.transaction('rw', db.enrollments, async () => {
      for (let i = 0; i < 6; i++) await db.enrollments.update(`e${i}`, { status: 'replied' });
      await db.enrollments.update('e6', { status: 'bounced' });
      await db.enrollments.update('e7', { outOfOfficeUntil: MONDAY_10_NY + 86_400_000 });
    });
    await db.tasks.bulkPut(
      [10, 11, 12].map((i) => ({
        id: `e${i}:s2`,
        enrollmentId: `e${i}`,
        campaignId: 'c1',
        contactId: `p${i}`,
        stepId: 's2',
        kind: 'call' as const,
        title: 'Call',
        notes: '',
        dueAt: MONDAY_10_NY + 2 * 86_400_000,
        status: 'open' as const,
        completedAt: null,
      })),
    );
    await db.tasks.update('e10:s2', { status: 'done', completedAt: 1 });
    await db.tasks.update('e11:s2', { status: 'skipped', completedAt: 1 });

    const kept = (await db.campaignResults.get('c1'))!.counters;
    expect(kept).toEqual((await countFromRows(db, ['c1'])).get('c1'));
    const [email, call] = stepFunnels(campaign.steps, kept, { s2: 1 });
    const read = (f: typeof email) => Object.fromEntries(f!.measures.map((m) => [m.label, `${m.count} · ${m.rate}`]));
    expect(read(email)).toEqual({
      'People reached': '40 · 80 %',
      Sent: '40 · 100 %',
      Replied: '6 · 15 %',
      Bounced: '1 · 3 %',
      'Out of office': '1 · 3 %',
      Unsubscribed: '0 · 0 %',
    });
    expect(read(call)).toEqual({
      'People reached': '3 · 6 %',
      'Tasks done': '1 · 33 %',
      Skipped: '1 · 33 %',
      Overdue: '1 · 33 %',
    });
    // Monday 10:00 in New York: 40 sent, 6 replied to.
    expect(kept['heat:sent:1:10']).toBe(40);
    expect(kept['heat:replied:1:10']).toBe(6);
    expect(kept['day:2026-03-02']).toBe(40);
  });

  it('the engine’s record in one transaction (runs sent, then the enrollments moved on or finished, then more writes to the same people) keeps what counting every row gives', async () => {
    await db.campaigns.add(campaign);
    await db.enrollments.bulkAdd(Array.from({ length: 10 }, (_, i) => enrollment(i)));
    const runs = Array.from({ length: 10 }, (_, i) =>
      newStepRun({ id: `e${i}:s1`, enrollmentId: `e${i}`, stepId: 's1', dueAt: MONDAY_10_NY }),
    );
    // The claim: scheduled → sending (counted by itself, no run read).
    await db.transaction('rw', db.stepRuns, () => db.stepRuns.bulkPut(runs.map((r) => ({ ...r, state: 'sending' }))));
    expect((await db.campaignResults.get('c1'))!.counters).toEqual((await countFromRows(db, ['c1'])).get('c1'));
    await db.transaction('rw', [db.stepRuns, db.enrollments], async () => {
      await db.stepRuns.bulkPut(
        runs.map((r) => ({ ...r, state: 'sent', sentAt: MONDAY_10_NY, messageId: `<${r.id}@x>` })),
      );
      // Half move on to the call (same status: nothing new counted), half finish.
      await db.enrollments.bulkPut(
        Array.from({ length: 10 }, (_, i) => ({
          ...enrollment(i),
          nextStepIndex: 1,
          status: i < 5 ? ('active' as const) : ('finished' as const),
        })),
      );
      // Then, in the same transaction, a run undone for one and a reply for another.
      await db.stepRuns.put({ ...runs[0]!, state: 'unknown' });
      await db.enrollments.update('e0', { status: 'paused' });
      await db.enrollments.update('e1', { status: 'replied' });
    });
    const kept = (await db.campaignResults.get('c1'))!.counters;
    expect(kept).toEqual((await countFromRows(db, ['c1'])).get('c1'));
    expect([kept['sent'], kept['status:finished'], kept['status:replied'], kept['step:s1:replied']]).toEqual([
      9, 5, 1, 1,
    ]);
  });

  it('the same run twice in one write, and a run object changed and put again in one transaction, keep what counting every row gives', async () => {
    await db.campaigns.add(campaign);
    await db.enrollments.bulkAdd([enrollment(0), enrollment(1)]);
    const run = newStepRun({ id: 'e0:s1', enrollmentId: 'e0', stepId: 's1', dueAt: MONDAY_10_NY });
    await db.transaction('rw', db.stepRuns, () => db.stepRuns.bulkPut([run, { ...run, state: 'sending' }]));
    expect((await db.campaignResults.get('c1'))!.counters).toEqual((await countFromRows(db, ['c1'])).get('c1'));
    expect((await db.campaignResults.get('c1'))!.counters['step:s1:reached']).toBe(1);
    await db.transaction('rw', [db.stepRuns, db.enrollments], async () => {
      const mine = { ...newStepRun({ id: 'e1:s1', enrollmentId: 'e1', stepId: 's1', dueAt: MONDAY_10_NY }) };
      Object.assign(mine, { state: 'sent', sentAt: MONDAY_10_NY });
      await db.stepRuns.put(mine);
      // The same object, changed after it was put, put again: the counts start from the stored row.
      Object.assign(mine, { state: 'unknown', sentAt: null });
      await db.stepRuns.put(mine);
      await db.enrollments.update('e1', { status: 'paused' });
    });
    const kept = (await db.campaignResults.get('c1'))!.counters;
    expect(kept).toEqual((await countFromRows(db, ['c1'])).get('c1'));
    expect(kept['sent']).toBeUndefined();
  });

  it('a pull that brings another device’s sent runs before their enrollment counts them when the enrollment comes', async () => {
    await db.campaigns.add(campaign);
    await db.transaction('rw', [db.stepRuns, db.enrollments], async () => {
      countingPulledRows();
      await db.stepRuns.bulkPut(
        [0, 1, 2].map((i) => ({
          ...newStepRun({ id: `e${i}:s1`, enrollmentId: `e${i}`, stepId: 's1', dueAt: MONDAY_10_NY }),
          state: 'sent' as const,
          sentAt: MONDAY_10_NY,
        })),
      );
      await db.enrollments.bulkPut([0, 1, 2].map((i) => ({ ...enrollment(i), nextStepIndex: 1 })));
    });
    const kept = (await db.campaignResults.get('c1'))!.counters;
    expect(kept).toEqual((await countFromRows(db, ['c1'])).get('c1'));
    expect([kept['sent'], kept['emailed'], kept['people']]).toEqual([3, 3, 3]);
  });

  it('a campaign with no kept row (written around Dexie, or before schema 4) is counted once from its rows, then kept', async () => {
    await db.campaigns.add(campaign);
    await db.campaignResults.delete('c1');
    await db.enrollments.bulkAdd([enrollment(1), enrollment(2)]);
    await db.stepRuns.put(
      newStepRun({ id: 'e1:s1', enrollmentId: 'e1', stepId: 's1', dueAt: 0, state: 'sent', sentAt: MONDAY_10_NY }),
    );
    expect(await db.campaignResults.get('c1')).toBeUndefined();
    expect((await campaignCounters(db, 'c1'))['step:s1:sent']).toBe(1);
    await db.stepRuns.put(
      newStepRun({ id: 'e2:s1', enrollmentId: 'e2', stepId: 's1', dueAt: 0, state: 'sent', sentAt: MONDAY_10_NY }),
    );
    expect((await db.campaignResults.get('c1'))!.counters['step:s1:sent']).toBe(2);
  });

  it('a step run deleted, or its enrollment removed, takes its counts away', async () => {
    await db.campaigns.add(campaign);
    await db.enrollments.bulkAdd([enrollment(1)]);
    await db.stepRuns.put(
      newStepRun({ id: 'e1:s1', enrollmentId: 'e1', stepId: 's1', dueAt: 0, state: 'sent', sentAt: MONDAY_10_NY }),
    );
    await db.enrollments.update('e1', { status: 'replied' });
    expect((await db.campaignResults.get('c1'))!.counters['step:s1:replied']).toBe(1);
    await db.stepRuns.delete('e1:s1');
    expect((await countFromRows(db, ['c1'])).get('c1')).toEqual((await db.campaignResults.get('c1'))!.counters);
    await db.enrollments.delete('e1');
    expect((await db.campaignResults.get('c1'))!.counters).toEqual({});
  });
});

describe('results counters against counting every row, random writes', () => {
  // One write of a random kind: runs (one or several in one bulk write, the same run twice
  // allowed), enrollments (status, out-of-office, moved on), deletes; several per transaction.
  type Op =
    | { kind: 'runs'; writes: { e: number; step: 's1' | 's2'; state: string; sent: boolean; outside: boolean }[] }
    | { kind: 'enrollment'; e: number; status: string; away: boolean; step: number }
    | { kind: 'delete-run'; e: number; step: 's1' | 's2' }
    | { kind: 'delete-enrollment'; e: number };
  const person = fc.integer({ min: 0, max: 3 });
  const step = fc.constantFrom('s1' as const, 's2' as const);
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('runs' as const),
      writes: fc.array(
        fc.record({
          e: person,
          step,
          state: fc.constantFrom('scheduled', 'sending', 'sent', 'unknown', 'skipped'),
          sent: fc.boolean(),
          outside: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    fc.record({
      kind: fc.constant('enrollment' as const),
      e: person,
      status: fc.constantFrom('active', 'finished', 'replied', 'bounced', 'paused'),
      away: fc.boolean(),
      step: fc.integer({ min: 0, max: 1 }),
    }),
    fc.record({ kind: fc.constant('delete-run' as const), e: person, step }),
    fc.record({ kind: fc.constant('delete-enrollment' as const), e: person }),
  );

  /** One write; `pulled`: as a sync pull writes (runs may come before their enrollment), else as the app does (runs only of an enrollment it has). */
  async function apply(o: Op, pulled: boolean): Promise<void> {
    if (o.kind === 'runs') {
      const here = new Set((await db.enrollments.toCollection().primaryKeys()) as string[]);
      const writes = pulled ? o.writes : o.writes.filter((w) => here.has(`e${w.e}`));
      await db.stepRuns.bulkPut(
        writes.map((w) => ({
          ...newStepRun({ id: `e${w.e}:${w.step}`, enrollmentId: `e${w.e}`, stepId: w.step, dueAt: MONDAY_10_NY }),
          state: w.state as 'scheduled',
          sentAt: w.sent ? MONDAY_10_NY + w.e * 3_600_000 : null,
          ...(w.outside ? { outside: true } : {}),
        })),
      );
    } else if (o.kind === 'enrollment')
      await db.enrollments.put({
        ...enrollment(o.e),
        status: o.status as 'active',
        nextStepIndex: o.step,
        outOfOfficeUntil: o.away ? MONDAY_10_NY : null,
      });
    else if (o.kind === 'delete-run') await db.stepRuns.delete(`e${o.e}:${o.step}`);
    else if (pulled) await db.enrollments.delete(`e${o.e}`);
    else {
      // The app never deletes an enrollment (it is paused, finished or removed by its status);
      // a pull may (another device's row deleted), and re-add its id later.
      return;
    }
  }

  let round = 0;
  it.each([
    ['the app’s own writes', false],
    ['sync pulls (a run may come before its enrollment)', true],
  ])(
    '%s: any sequence of transactions of writes, awaited one after another, keeps what counting every row gives',
    async (_name, pulled) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
          async (transactions) => {
            db.close();
            db = new CampaignDeskDb(`results-random-${++round}`);
            setDb(db);
            await db.open();
            await db.campaigns.add(campaign);
            await db.enrollments.bulkAdd([0, 1, 2].map(enrollment));
            for (const ops of transactions)
              await db.transaction('rw', [db.stepRuns, db.enrollments], async () => {
                if (pulled) countingPulledRows();
                for (const o of ops) await apply(o, pulled);
              });
            const kept = (await db.campaignResults.get('c1'))?.counters;
            expect(kept).toEqual((await countFromRows(db, ['c1'])).get('c1'));
          },
        ),
        { numRuns: 150 },
      );
    },
    120_000,
  );
});
