import { describe, expect, it } from 'vitest';
import { InputError } from './errors';
import { plan } from './plan';
import { windowDraft, windowFromDraft, windowProblems } from './window';
import { atTime, call, email, planSteps, scenario, type ScenarioInput } from './test-helpers';

/** Monday–Friday 08:00–18:00, SPEC R12's default shape. */
const WEEKDAYS_8_TO_6 = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['08:00', '18:00']]]));

function refusal(input: ScenarioInput): string {
  try {
    plan(scenario(input));
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('R12 sending windows: worked examples', () => {
  it('a send at 18:30 on a Friday, after the window closed at 18:00, goes Monday 08:00 in Z', () => {
    // Fri 2026-03-13 18:30 EDT = 22:30Z; Monday 16 March 08:00 EDT = 12:00Z.
    const [s1] = planSteps({
      launchAt: '2026-03-13T14:00:00Z',
      sendingWindow: WEEKDAYS_8_TO_6,
      steps: [atTime('s1', 1, '18:30')],
    });
    expect(s1).toMatchObject({
      dueAt: '2026-03-16T12:00:00.000Z',
      local: '2026-03-16T08:00:00.000-04:00',
      late: false,
      moved: 'window',
    });
  });

  it('18:00 is already closed (the end is exclusive); 17:59 is open and not moved', () => {
    const steps = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      sendingWindow: WEEKDAYS_8_TO_6,
      steps: [atTime('s1', 1, '17:59'), atTime('s2', 2, '18:00')],
    });
    expect(steps[0]).toMatchObject({ dueAt: '2026-03-09T21:59:00.000Z', late: false });
    expect(steps[0]!.moved).toBeUndefined();
    // Tuesday 18:00 → Wednesday 08:00 EDT.
    expect(steps[1]).toMatchObject({ dueAt: '2026-03-11T12:00:00.000Z', moved: 'window' });
  });

  it('a window read across the DST change: Saturday 07:00 EST moves to Monday 08:00 EDT, not 08:00 EST', () => {
    // Launch Fri 6 March (EST); day 2 is Sat 7 March; the clocks go forward on Sun 8 March.
    const steps = planSteps({
      launchAt: '2026-03-06T14:00:00Z',
      sendingWindow: WEEKDAYS_8_TO_6,
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 2, '07:00')],
    });
    expect(steps[0]).toMatchObject({ dueAt: '2026-03-06T14:30:00.000Z' });
    expect(steps[1]).toMatchObject({
      dueAt: '2026-03-09T12:00:00.000Z',
      local: '2026-03-09T08:00:00.000-04:00',
      moved: 'window',
    });
  });

  it('a block that starts at a time the spring-forward night skips opens when the clocks jump (03:00 EDT)', () => {
    const [s1] = planSteps({
      launchAt: '2026-03-08T05:00:00Z', // Sun 8 March 00:00 EST
      sendingWindow: { sun: [['02:30', '05:00']] },
      steps: [atTime('s1', 1, '01:00')],
    });
    // 02:30 does not exist that night: the clocks go from 01:59 EST to 03:00 EDT (07:00Z), inside the block.
    expect(s1).toMatchObject({ dueAt: '2026-03-08T07:00:00.000Z', local: '2026-03-08T03:00:00.000-04:00' });
  });

  it('on the fall-back night, a send in the repeated hour waits for the block’s second occurrence, never goes before it', () => {
    // New York, Sun 1 Nov 2026: 01:00–01:59 happens twice (EDT, then EST). The launch is at the
    // second 01:10 (EST, 06:10Z); the block 01:30–02:00 has already had its EDT run.
    const [s1] = planSteps({
      launchAt: '2026-11-01T06:10:00Z',
      sendingWindow: { sun: [['01:30', '02:00']] },
      steps: [atTime('s1', 1, '01:10')],
    });
    expect(s1).toMatchObject({
      dueAt: '2026-11-01T06:30:00.000Z',
      local: '2026-11-01T01:30:00.000-05:00',
      moved: 'window',
    });
  });

  it('a block the spring-forward jump skips entirely does not open that night', () => {
    const [s1] = planSteps({
      launchAt: '2026-03-08T05:00:00Z',
      sendingWindow: { sun: [['02:15', '02:45']], mon: [['09:00', '10:00']] },
      steps: [atTime('s1', 1, '01:00')],
    });
    expect(s1).toMatchObject({ dueAt: '2026-03-09T13:00:00.000Z', moved: 'window' });
  });

  it('recipient mode reads the window in each person’s zone, half-hour offsets included (Asia/Kolkata)', () => {
    const out = plan(
      scenario({
        launchAt: '2026-03-09T00:00:00Z', // Mon 05:30 in Kolkata, Sun 20:00 in New York
        timeZoneMode: 'recipient',
        sendingWindow: WEEKDAYS_8_TO_6,
        contacts: [
          { id: 'in', email: 'priya@example.in', firstName: 'Priya', timeZone: 'Asia/Kolkata' },
          { id: 'ny', email: 'ana@example.org', firstName: 'Ana', timeZone: 'America/New_York' },
        ],
        steps: [atTime('s1', 1, '07:00')],
      }),
    );
    const [priya, ana] = out.enrollments;
    // Mon 07:00 IST is before 08:00: opens Mon 08:00 IST = 02:30Z.
    expect(priya!.steps[0]).toMatchObject({
      dueAt: '2026-03-09T02:30:00.000Z',
      local: '2026-03-09T08:00:00.000+05:30',
      moved: 'window',
    });
    // Day 1 in New York is Sunday 8 March: 07:00 EDT Sunday has passed at launch (late), and
    // the window is shut on Sunday: Monday 08:00 EDT.
    expect(ana!.steps[0]).toMatchObject({ dueAt: '2026-03-09T12:00:00.000Z', late: true, moved: 'window' });
  });

  it('tasks are not moved by the window; the email after a moved one counts R8 from the real send date', () => {
    const steps = planSteps({
      launchAt: '2026-03-13T14:00:00Z', // Friday
      sendingWindow: WEEKDAYS_8_TO_6,
      steps: [atTime('s1', 1, '19:00'), call('s2', 2), atTime('s3', 3, '09:00')],
    });
    // s1 Fri 19:00 → Mon 16 08:00 EDT: done three days after its day date, so later steps shift by 3.
    expect(steps[0]).toMatchObject({ dueAt: '2026-03-16T12:00:00.000Z', moved: 'window' });
    // The call (day 2 = Sat 14, shifted to Tue 17) at 09:00 is a task: never moved, even off-window.
    expect(steps[1]).toMatchObject({ action: 'create_task', dueAt: '2026-03-17T13:00:00.000Z' });
    expect(steps[1]!.moved).toBeUndefined();
    expect(steps[2]).toMatchObject({ dueAt: '2026-03-18T13:00:00.000Z' });
    expect(steps[2]!.moved).toBeUndefined();
  });

  it('several blocks a day: a send in the lunch gap waits for the afternoon block', () => {
    const [s1] = planSteps({
      launchAt: '2026-03-09T12:00:00Z',
      sendingWindow: {
        mon: [
          ['13:30', '17:00'],
          ['08:00', '12:00'],
        ],
      },
      steps: [atTime('s1', 1, '12:15')],
    });
    expect(s1).toMatchObject({ dueAt: '2026-03-09T17:30:00.000Z', local: '2026-03-09T13:30:00.000-04:00' });
  });

  it('a campaign’s own window replaces the mailbox’s; "any" sends at any time', () => {
    const input = {
      launchAt: '2026-03-13T14:00:00Z',
      sendingWindow: WEEKDAYS_8_TO_6,
      steps: [atTime('s1', 1, '20:00')],
    };
    expect(planSteps({ ...input, campaignWindow: { fri: [['19:00', '21:00']] } })[0]).toMatchObject({
      dueAt: '2026-03-14T00:00:00.000Z',
    });
    const any = planSteps({ ...input, campaignWindow: 'any' })[0]!;
    expect(any.dueAt).toBe('2026-03-14T00:00:00.000Z');
    expect(any.moved).toBeUndefined();
  });

  it('a scenario without a window plans exactly as before (no "moved" anywhere)', () => {
    const steps = planSteps({
      launchAt: '2026-03-13T14:00:00Z',
      steps: [atTime('s1', 1, '23:30'), email('s2', 2, { timing: 'same_as_previous' })],
    });
    expect(steps.map((s) => s.dueAt)).toEqual(['2026-03-14T03:30:00.000Z', '2026-03-15T03:30:00.000Z']);
    expect(steps.some((s) => 'moved' in s)).toBe(false);
  });
});

describe('R12 sending windows: bad input names the field and the value (SPEC §8)', () => {
  const base = { launchAt: '2026-03-09T12:00:00Z', steps: [atTime('s1', 1, '09:00')] };
  it.each([
    [
      { mon: [['8:00', '18:00']] },
      'mailbox.sendingWindow.mon[0]: "8:00" is not a time of day (use 24-hour HH:mm, 00:00–23:59)',
    ],
    [
      { mon: [['08:00', '25:00']] },
      'mailbox.sendingWindow.mon[0]: "25:00" is not an end time (use 24-hour HH:mm, 00:01–24:00)',
    ],
    [
      { mon: [['18:00', '08:00']] },
      'mailbox.sendingWindow.mon[0]: the block ["18:00","08:00"] ends before it starts; a block stays within one day',
    ],
    [
      { monday: [['08:00', '18:00']] },
      'mailbox.sendingWindow: "monday" is not a weekday; use mon, tue, wed, thu, fri, sat, sun; got {"monday":[["08:00","18:00"]]}',
    ],
    [
      { mon: [] },
      'mailbox.sendingWindow: has no block on any weekday, so nothing could ever be sent; leave it out to send at any time',
    ],
    [
      { mon: ['08:00-18:00'] },
      'mailbox.sendingWindow.mon[0]: "08:00-18:00" is not a block of time; write it as ["08:00", "18:00"]',
    ],
  ])('%j is refused', (window, message) => {
    expect(refusal({ ...base, sendingWindow: window })).toBe(message);
  });

  it('a block that runs to 24:00 is until midnight', () => {
    const [s1] = planSteps({
      ...base,
      sendingWindow: { mon: [['20:00', '24:00']] },
      steps: [atTime('s1', 1, '23:59')],
    });
    expect(s1!.moved).toBeUndefined();
  });
});

describe('windowProblems: a window typed in a form (the weekly grid)', () => {
  it('accepts good blocks, several a day, and an end at midnight', () => {
    expect(
      windowProblems({
        mon: [
          ['08:00', '12:00'],
          ['13:00', '18:00'],
        ],
        fri: [['20:00', '24:00']],
      }),
    ).toEqual([]);
    // Touching blocks do not overlap: the first ends (exclusive) where the next starts.
    expect(
      windowProblems({
        tue: [
          ['08:00', '12:00'],
          ['12:00', '14:00'],
        ],
      }),
    ).toEqual([]);
  });

  it('names the day, the block and its value when blocks overlap, even one inside a long block', () => {
    expect(
      windowProblems({
        tue: [
          ['09:00', '17:00'],
          ['12:00', '19:00'],
        ],
      }),
    ).toEqual([
      {
        path: 'sendingWindow.tue[1]',
        message: 'Tuesday, hours 2: 12:00–19:00 overlaps 09:00–17:00; let one end before the other starts',
      },
    ]);
    expect(
      windowProblems({
        wed: [
          ['09:00', '17:00'],
          ['10:00', '11:00'],
          ['12:00', '13:00'],
        ],
      }).map((p) => p.path),
    ).toEqual(['sendingWindow.wed[1]', 'sendingWindow.wed[2]']);
    // The block typed later is the one named, whichever starts first.
    expect(
      windowProblems({
        thu: [
          ['12:00', '19:00'],
          ['09:00', '17:00'],
        ],
      })[0]!.path,
    ).toBe('sendingWindow.thu[1]');
  });

  it('refuses a block that ends before it starts, an empty time, and a window with no hours at all', () => {
    expect(windowProblems({ sun: [['15:00', '14:00']] })).toEqual([
      { path: 'sendingWindow.sun[0]', message: 'Sunday, hours 1: 15:00–14:00 ends before it starts; end after 15:00' },
    ]);
    expect(windowProblems({ mon: [['', '17:00']] })[0]!.message).toBe(
      'Monday, hours 1: the start "" is not a time of day (HH:mm, 00:00–23:59)',
    );
    expect(windowProblems({ mon: [['09:00', '25:00']] }, 'campaign.sendingWindow')[0]).toEqual({
      path: 'campaign.sendingWindow.mon[0]',
      message: 'Monday, hours 1: the end "25:00" is not a time of day (HH:mm; 24:00 is midnight)',
    });
    expect(windowProblems(windowDraft(undefined))).toEqual([
      {
        path: 'sendingWindow',
        message: 'has no hours on any day, so nothing could ever be sent; add hours, or pick "Any time"',
      },
    ]);
  });

  it('a draft round-trips to the stored shape: days without hours left out, blocks in order', () => {
    const draft = windowDraft({
      mon: [
        ['13:00', '18:00'],
        ['08:00', '12:00'],
      ],
    });
    expect(draft.sat).toEqual([]);
    expect(windowFromDraft(draft)).toEqual({
      mon: [
        ['08:00', '12:00'],
        ['13:00', '18:00'],
      ],
    });
  });
});
