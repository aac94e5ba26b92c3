import { describe, expect, it } from 'vitest';
import { Campaign } from './model';
import { compileCampaign, resolveEnrollment, type StepDone } from './resolver';
import { atTime, call, email, planSteps } from './test-helpers';
import { compileWindow } from './window';
import { ZoneClock } from './zones';

const due = (steps: ReturnType<typeof planSteps>) => steps.map((step) => step.dueAt);

describe('SPEC §9 worked examples (sender zone America/New_York)', () => {
  it('1: day-1 at_time 09:30, launched 09:00 EST, is due 14:30Z and not late', () => {
    const [s1] = planSteps({ launchAt: '2026-03-06T14:00:00Z', steps: [atTime('s1', 1, '09:30')] });
    expect(s1).toMatchObject({
      dueAt: '2026-03-06T14:30:00.000Z',
      local: '2026-03-06T09:30:00.000-05:00',
      late: false,
    });
  });

  it('1b: the same launched at 15:00Z is due at launch and marked late', () => {
    const [s1] = planSteps({ launchAt: '2026-03-06T15:00:00Z', steps: [atTime('s1', 1, '09:30')] });
    expect(s1).toMatchObject({ dueAt: '2026-03-06T15:00:00.000Z', late: true });
  });

  it('2: day 3 at_time 09:00 from a Friday launch is Sunday 09:00 EDT, across the DST change', () => {
    const steps = planSteps({
      launchAt: '2026-03-06T14:00:00Z',
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 3, '09:00')],
    });
    expect(steps[1]).toMatchObject({ dueAt: '2026-03-08T13:00:00.000Z', local: '2026-03-08T09:00:00.000-04:00' });
  });

  it('3: the same with skipWeekends is Tuesday 09:00 EDT', () => {
    const steps = planSteps({
      launchAt: '2026-03-06T14:00:00Z',
      skipWeekends: true,
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 3, '09:00')],
    });
    expect(steps[1]!.dueAt).toBe('2026-03-10T13:00:00.000Z');
  });

  it('4: day 2 at 02:30 on the spring-forward night moves forward to 03:30 EDT', () => {
    const steps = planSteps({
      launchAt: '2026-03-07T15:00:00Z',
      steps: [atTime('s1', 1, '10:30'), atTime('s2', 2, '02:30')],
    });
    expect(steps[1]).toMatchObject({
      dueAt: '2026-03-08T07:30:00.000Z',
      local: '2026-03-08T03:30:00.000-04:00',
      late: false,
    });
  });

  it('5: day 2 at 01:30 on the fall-back night takes the first occurrence (EDT)', () => {
    const steps = planSteps({
      launchAt: '2026-10-31T15:00:00Z',
      steps: [atTime('s1', 1, '11:30'), atTime('s2', 2, '01:30')],
    });
    expect(steps[1]).toMatchObject({ dueAt: '2026-11-01T05:30:00.000Z', local: '2026-11-01T01:30:00.000-04:00' });
  });

  it('6: Europe/London, day 3 at 09:00 after the October change is 09:00 GMT = 09:00Z', () => {
    const steps = planSteps({
      zone: 'Europe/London',
      launchAt: '2026-10-24T09:00:00Z',
      steps: [atTime('s1', 1, '11:00'), atTime('s2', 3, '09:00')],
    });
    expect(steps[1]).toMatchObject({ dueAt: '2026-10-26T09:00:00.000Z', local: '2026-10-26T09:00:00.000+00:00' });
  });

  it('7: choose_at_launch picked 15:10Z, then day-2 same_as_previous is 10:10 EST next day', () => {
    const steps = planSteps({
      launchAt: '2026-03-06T14:00:00Z',
      firstSendAt: '2026-03-06T15:10:00Z',
      steps: [email('s1', 1, { timing: 'choose_at_launch' }), email('s2', 2, { timing: 'same_as_previous' })],
    });
    expect(due(steps)).toEqual(['2026-03-06T15:10:00.000Z', '2026-03-07T15:10:00.000Z']);
  });

  it('8: day-1 same_as_previous after a day-1 email is due at the launch instant', () => {
    const steps = planSteps({
      launchAt: '2026-03-06T14:00:00Z',
      steps: [atTime('s1', 1, '09:00'), email('s2', 1, { timing: 'same_as_previous' })],
    });
    expect(due(steps)).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-06T14:00:00.000Z']);
  });

  it('9: a day-2 call completed a day late shifts day 3 to Thursday 10:00 EDT', () => {
    const steps = planSteps({
      launchAt: '2026-03-09T13:00:00Z',
      steps: [atTime('s1', 1, '09:30'), call('s2', 2), atTime('s3', 3, '10:00')],
      events: [
        { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T13:30:02Z' },
        { contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-11T16:00:00Z' },
      ],
    });
    expect(steps[1]!.dueAt).toBe('2026-03-10T13:00:00.000Z');
    expect(steps[2]).toMatchObject({
      dueAt: '2026-03-12T14:00:00.000Z',
      local: '2026-03-12T10:00:00.000-04:00',
      late: false,
    });
  });
});

describe('DST and unusual zones', () => {
  it('a 25-hour day: day 2 after fall-back keeps the wall time (calendar days, not 24 h)', () => {
    const steps = planSteps({
      launchAt: '2026-10-31T13:00:00Z',
      steps: [atTime('s1', 1, '10:00'), atTime('s2', 2, '10:00')],
    });
    // Sat 10:00 EDT = 14:00Z; Sun 10:00 EST = 15:00Z: 25 hours apart.
    expect(due(steps)).toEqual(['2026-10-31T14:00:00.000Z', '2026-11-01T15:00:00.000Z']);
  });

  it('a 23-hour day: day 2 after spring-forward keeps the wall time', () => {
    const steps = planSteps({
      launchAt: '2026-03-07T13:00:00Z',
      steps: [atTime('s1', 1, '10:00'), atTime('s2', 2, '10:00')],
    });
    expect(due(steps)).toEqual(['2026-03-07T15:00:00.000Z', '2026-03-08T14:00:00.000Z']);
  });

  it('a half-hour offset zone (Asia/Kolkata, UTC+05:30)', () => {
    const steps = planSteps({
      zone: 'Asia/Kolkata',
      launchAt: '2026-03-06T02:00:00Z',
      steps: [atTime('s1', 1, '09:00')],
    });
    expect(steps[0]).toMatchObject({ dueAt: '2026-03-06T03:30:00.000Z', local: '2026-03-06T09:00:00.000+05:30' });
  });

  it('a 45-minute offset zone with its own DST (Australia/Lord_Howe spring-forward by 30 minutes)', () => {
    // Lord Howe moves 02:00 → 02:30 on 2026-10-04; 02:15 does not exist and moves forward by the jump.
    const steps = planSteps({
      zone: 'Australia/Lord_Howe',
      launchAt: '2026-10-03T00:00:00Z',
      steps: [atTime('s1', 1, '12:00'), atTime('s2', 2, '02:15')],
    });
    expect(steps[1]!.local).toBe('2026-10-04T02:45:00.000+11:00');
  });

  it('Etc/GMT+5 is UTC−05:00 all year (POSIX sign)', () => {
    const steps = planSteps({ zone: 'Etc/GMT+5', launchAt: '2026-07-01T12:00:00Z', steps: [atTime('s1', 1, '09:00')] });
    expect(steps[0]).toMatchObject({ dueAt: '2026-07-01T14:00:00.000Z', local: '2026-07-01T09:00:00.000-05:00' });
  });

  it('recipient mode plans in the person’s zone, falling back to the mailbox zone', () => {
    const out = planSteps({
      timeZoneMode: 'recipient',
      contacts: [{ id: 'c1', email: 'a@example.org', firstName: 'Ana', timeZone: 'Europe/Berlin' }],
      launchAt: '2026-03-06T07:00:00Z',
      steps: [atTime('s1', 1, '09:30')],
    });
    expect(out[0]!.local).toBe('2026-03-06T09:30:00.000+01:00');
  });

  it('the launch date is taken in the zone: 02:00Z Saturday is still Friday in New York', () => {
    const steps = planSteps({
      launchAt: '2026-03-07T02:00:00Z',
      steps: [atTime('s1', 1, '23:30'), atTime('s2', 2, '09:00')],
    });
    expect(due(steps)).toEqual(['2026-03-07T04:30:00.000Z', '2026-03-07T14:00:00.000Z']);
  });
});

describe('weekends (skipWeekends)', () => {
  const steps = [atTime('s1', 1, '09:00'), atTime('s2', 2, '09:00'), atTime('s3', 3, '09:00')];
  const dates = (launchAt: string) =>
    planSteps({ launchAt, skipWeekends: true, steps }).map((step) => step.local.slice(0, 10));

  it('launch on Friday: day 1 Friday, then Monday and Tuesday', () => {
    expect(dates('2026-03-06T12:00:00Z')).toEqual(['2026-03-06', '2026-03-09', '2026-03-10']);
  });

  it('launch on Saturday: day 1 stays Saturday, then Monday and Tuesday', () => {
    expect(dates('2026-03-07T12:00:00Z')).toEqual(['2026-03-07', '2026-03-09', '2026-03-10']);
  });

  it('launch on Sunday: day 1 stays Sunday, then Monday and Tuesday', () => {
    expect(dates('2026-03-08T12:00:00Z')).toEqual(['2026-03-08', '2026-03-09', '2026-03-10']);
  });

  it('R8 shift in business days: day 2 (Monday) done on Wednesday moves day 3 from Tuesday to Thursday', () => {
    const out = planSteps({
      launchAt: '2026-03-06T12:00:00Z',
      skipWeekends: true,
      steps: [atTime('s1', 1, '09:00'), call('s2', 2), atTime('s3', 3, '09:00')],
      events: [
        { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-06T14:00:00Z' },
        { contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-11T15:00:00Z' },
      ],
    });
    expect(out[2]!.local).toBe('2026-03-12T09:00:00.000-04:00');
  });

  it('R8 shift across a weekend: day 2 (Friday) done on Monday shifts one business day', () => {
    const out = planSteps({
      launchAt: '2026-03-05T12:00:00Z',
      skipWeekends: true,
      steps: [atTime('s1', 1, '09:00'), call('s2', 2), atTime('s3', 3, '09:00')],
      events: [
        { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-05T14:00:00Z' },
        { contactId: 'c1', stepId: 's2', type: 'completed', at: '2026-03-09T15:00:00Z' },
      ],
    });
    // Without the delay day 3 is Monday 03-09; done Monday is one business day after Friday → Tuesday.
    expect(out[2]!.local).toBe('2026-03-10T09:00:00.000-04:00');
  });
});

describe('R4–R8 details', () => {
  it('R5: a send time given at launch replaces an at_time first step', () => {
    const out = planSteps({
      launchAt: '2026-03-06T14:00:00Z',
      firstSendAt: '2026-03-06T18:00:00Z',
      steps: [atTime('s1', 1, '09:30')],
    });
    expect(out[0]).toMatchObject({ dueAt: '2026-03-06T18:00:00.000Z', late: false });
  });

  it('R8: a first email picked two days after launch shifts what follows by two days', () => {
    const out = planSteps({
      launchAt: '2026-03-09T13:00:00Z',
      firstSendAt: '2026-03-11T14:00:00Z',
      steps: [email('s1', 1, { timing: 'choose_at_launch' }), atTime('s2', 2, '09:00')],
    });
    expect(out[1]!.local).toBe('2026-03-12T09:00:00.000-04:00');
  });

  it('R8: a step is never due before the step ahead of it is done (same day, earlier time)', () => {
    const out = planSteps({
      launchAt: '2026-03-09T13:00:00Z',
      steps: [atTime('s1', 1, '11:00'), atTime('s2', 1, '10:00')],
    });
    expect(out[1]).toMatchObject({ dueAt: '2026-03-09T15:00:00.000Z', late: true });
  });

  it('R6: by-hand send of the previous email sets the follow-up time of day', () => {
    const out = planSteps({
      launchAt: '2026-03-09T13:00:00Z',
      steps: [email('s1', 1, { timing: 'task' }), email('s2', 3, { timing: 'same_as_previous', followUp: true })],
      events: [{ contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T19:47:31Z', manual: true }],
    });
    expect(out[1]).toMatchObject({ local: '2026-03-11T15:47:00.000-04:00', subject: 'Re: Subject s1' });
  });

  it('R6: an automatic send keeps its planned time, not the second it went out', () => {
    const out = planSteps({
      launchAt: '2026-03-09T13:00:00Z',
      steps: [atTime('s1', 1, '09:30'), email('s2', 2, { timing: 'same_as_previous' })],
      events: [{ contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T13:31:59Z' }],
    });
    expect(out[1]!.local).toBe('2026-03-10T09:30:00.000-04:00');
  });

  it('R6: P is the nearest email on an earlier day, skipping a same-day email', () => {
    const out = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      steps: [atTime('s1', 1, '08:15'), atTime('s2', 2, '11:00'), email('s3', 2, { timing: 'same_as_previous' })],
    });
    // s3's P is s1 (day 1, 08:15), but s2 is done at 11:00 on day 2 first, so s3 is released then.
    expect(out[2]).toMatchObject({ local: '2026-03-10T11:00:00.000-04:00', late: true });
  });

  it('R7: tasks fall due at taskTime on their day', () => {
    const out = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      taskTime: '08:45',
      steps: [call('s1', 1), email('s2', 2, { timing: 'task' })],
    });
    expect(out.map((s) => [s.action, s.local])).toEqual([
      ['create_task', '2026-03-09T08:45:00.000-04:00'],
      ['create_task', '2026-03-10T08:45:00.000-04:00'],
    ]);
  });

  it('R10: a follow-up of a follow-up is still "Re: " once', () => {
    const out = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      steps: [atTime('s1', 1, '09:00'), email('s2', 2, { followUp: true }, ''), email('s3', 3, { followUp: true }, '')],
    });
    expect(out.map((s) => s.subject)).toEqual(['Subject s1', 'Re: Subject s1', 'Re: Subject s1']);
  });

  it('R10: a follow-up of an email marked as sent outside the app goes with its own subject', () => {
    const out = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      steps: [email('s1', 1, { timing: 'task' }), email('s2', 2, { followUp: true }, 'Following up')],
      events: [
        { contactId: 'c1', stepId: 's1', type: 'sent', at: '2026-03-09T14:00:00Z', manual: true, outside: true },
      ],
    });
    expect(out[1]!.subject).toBe('Following up');
  });

  it('SPEC §2: an empty merge field without a default blocks that person, naming the field', () => {
    const out = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      contacts: [{ id: 'c1', email: 'x@example.org' }],
      steps: [
        email(
          's1',
          1,
          { timing: 'at_time', time: '09:00' },
          'Hi {{ first_name }}, about {{ company | default: "your team" }}',
        ),
      ],
    });
    expect(out[0]!.subject).toBeUndefined();
    expect(out[0]!.blocked).toMatch(/first_name/);
  });
});

describe('R8: a step released later than the step before it was done (a resumed enrollment)', () => {
  // Day 1 09:30 sent by itself; day 3 at 09:30. New York, launched Monday 9 March 2026.
  const campaign = Campaign.parse({
    taskTime: '09:00',
    steps: [
      { id: 's1', day: 1, type: 'email', subject: 'Hi', body: 'x', send: { timing: 'at_time', time: '09:30' } },
      { id: 's2', day: 3, type: 'email', subject: 'Again', body: 'x', send: { timing: 'at_time', time: '09:30' } },
    ],
  });
  const zone = ZoneClock.for('America/New_York');
  const launchAt = Date.parse('2026-03-09T13:00:00Z');
  const done: StepDone[] = [{ type: 'sent', at: Date.parse('2026-03-09T13:30:00Z'), manual: false, outside: false }];
  const iso = (ms: number) => new Date(ms).toISOString();

  it('released before its own instant, it keeps its own instant (Wednesday 09:30 EDT)', () => {
    const out = resolveEnrollment(
      compileCampaign(campaign),
      zone,
      launchAt,
      null,
      done,
      Date.parse('2026-03-10T15:00:00Z'),
    );
    expect(iso(out[1]!.dueAt)).toBe('2026-03-11T13:30:00.000Z');
    expect(out[1]!.late).toBe(false);
  });

  it('released after its own instant, it is due at the release, marked late', () => {
    const out = resolveEnrollment(
      compileCampaign(campaign),
      zone,
      launchAt,
      null,
      done,
      Date.parse('2026-03-12T16:05:00Z'),
    );
    expect(iso(out[1]!.dueAt)).toBe('2026-03-12T16:05:00.000Z');
    expect(out[1]!.late).toBe(true);
  });

  it('released at night after its instant, R12 moves it to the window’s next opening (Friday 08:00 EDT)', () => {
    const window = compileWindow({
      mon: [['08:00', '18:00']],
      tue: [['08:00', '18:00']],
      wed: [['08:00', '18:00']],
      thu: [['08:00', '18:00']],
      fri: [['08:00', '18:00']],
    });
    const out = resolveEnrollment(
      compileCampaign(campaign, { window }),
      zone,
      launchAt,
      null,
      done,
      Date.parse('2026-03-13T02:00:00Z'),
    );
    expect(iso(out[1]!.dueAt)).toBe('2026-03-13T12:00:00.000Z');
    expect(out[1]!.moved).toBe('window');
  });
});
