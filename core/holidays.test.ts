import { describe, expect, it } from 'vitest';
import { InputError } from './errors';
import { plan } from './plan';
import { HolidayCalendar, compileHolidays, holidayCountries, holidayProblems, holidayRegions } from './holidays';
import { atTime, call, planSteps, scenario, type ScenarioInput } from './test-helpers';

function refusal(input: ScenarioInput): string {
  try {
    plan(scenario(input));
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

// Launch Monday 2026-11-23 09:00 EST in New York; Thanksgiving is Thursday 26 November.
const MONDAY = '2026-11-23T14:00:00Z';

describe('R13 holidays: worked examples', () => {
  it('a holiday on day 4 without skipWeekends: the email moves to the next date at the same local time', () => {
    const steps = planSteps({
      launchAt: MONDAY,
      holidays: { country: 'US' },
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 4, '10:00'), atTime('s3', 5, '10:00')],
    });
    expect(steps[0]).toMatchObject({ dueAt: '2026-11-23T14:30:00.000Z' });
    expect(steps[0]!.moved).toBeUndefined();
    // Thu 26 (Thanksgiving) → Fri 27 10:00 EST; R8 then shifts day 5 (Fri 27) by one day, to Sat 28.
    expect(steps[1]).toMatchObject({ dueAt: '2026-11-27T15:00:00.000Z', moved: 'holiday' });
    expect(steps[2]).toMatchObject({ dueAt: '2026-11-28T15:00:00.000Z' });
    expect(steps[2]!.moved).toBeUndefined();
  });

  it('the same with skipWeekends: the holiday is skipped in the counting like a Saturday, so nothing is moved', () => {
    const steps = planSteps({
      launchAt: MONDAY,
      skipWeekends: true,
      holidays: { country: 'US' },
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 4, '10:00'), atTime('s3', 5, '10:00')],
    });
    // Working days after Mon 23: Tue 24, Wed 25, (Thu 26 off), Fri 27, (weekend), Mon 30.
    expect(steps[1]).toMatchObject({ dueAt: '2026-11-27T15:00:00.000Z' });
    expect(steps[2]).toMatchObject({ dueAt: '2026-11-30T15:00:00.000Z' });
    expect(steps.some((step) => step.moved)).toBe(false);
  });

  it('a task on a holiday moves too; an extra day off and a listed workday are the mailbox’s own', () => {
    const steps = planSteps({
      launchAt: MONDAY,
      holidays: { country: 'US', extra: ['2026-11-24'], workdays: ['2026-11-26'] },
      steps: [atTime('s1', 1, '09:30'), call('s2', 2), atTime('s3', 4, '10:00')],
    });
    // The call on Tue 24 (an extra day off) → Wed 25 09:00; Thanksgiving is worked, so day 4 (+1 shift = Fri 27) stays.
    expect(steps[1]).toMatchObject({ action: 'create_task', dueAt: '2026-11-25T14:00:00.000Z', moved: 'holiday' });
    expect(steps[2]).toMatchObject({ dueAt: '2026-11-27T15:00:00.000Z' });
    expect(steps[2]!.moved).toBeUndefined();
  });

  it('no country: only the mailbox’s own days off move a send; Thanksgiving is an ordinary day', () => {
    const steps = planSteps({
      launchAt: MONDAY,
      holidays: { extra: ['2026-11-24'] },
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 2, '10:00'), atTime('s3', 4, '10:00')],
    });
    // Tue 24 is the mailbox's own day off → Wed 25 10:00 EST; R8 shifts day 4 (Thu 26) by one: Fri 27.
    expect(steps[1]).toMatchObject({ dueAt: '2026-11-25T15:00:00.000Z', moved: 'holiday' });
    expect(steps[2]).toMatchObject({ dueAt: '2026-11-27T15:00:00.000Z' });
    expect(steps[2]!.moved).toBeUndefined();
    expect(compileHolidays(HolidayCalendar.parse({ extra: ['2026-11-24'] })).nameOf(20_781)).toBe('a day off');
  });

  it('Good Friday is a holiday in Germany but not in the United States', () => {
    // Thu 2 April 2026 launch; day 2 is Good Friday, 3 April.
    const input = {
      zone: 'Europe/Berlin',
      launchAt: '2026-04-02T07:00:00Z',
      steps: [atTime('s1', 1, '10:00'), atTime('s2', 2, '10:00')],
    };
    expect(planSteps({ ...input, holidays: { country: 'DE' } })[1]).toMatchObject({
      // Good Friday → Sat 4 April 10:00 CEST (Easter Monday is the next holiday, not Saturday).
      dueAt: '2026-04-04T08:00:00.000Z',
      moved: 'holiday',
    });
    const us = planSteps({ ...input, holidays: { country: 'US' } })[1]!;
    expect(us.dueAt).toBe('2026-04-03T08:00:00.000Z');
    expect(us.moved).toBeUndefined();
  });

  it('a region-only holiday: Corpus Christi is off in Bavaria, worked in Berlin', () => {
    // Wed 3 June 2026 launch; day 2 is Thursday 4 June, Fronleichnam.
    const input = {
      zone: 'Europe/Berlin',
      launchAt: '2026-06-03T07:00:00Z',
      skipWeekends: true,
      steps: [atTime('s1', 1, '10:00'), atTime('s2', 2, '10:00')],
    };
    // With skipWeekends the holiday is skipped in the counting: day 2 is Friday 5 June.
    expect(planSteps({ ...input, holidays: { country: 'DE', region: 'BY' } })[1]!.dueAt).toBe(
      '2026-06-05T08:00:00.000Z',
    );
    expect(planSteps({ ...input, holidays: { country: 'DE', region: 'BE' } })[1]!.dueAt).toBe(
      '2026-06-04T08:00:00.000Z',
    );
  });

  it('a window that opens on a holiday opens on the next allowed day; the step is marked holiday', () => {
    const workday = [['08:00', '18:00']];
    const [s1] = planSteps({
      launchAt: '2026-11-25T14:00:00Z', // Wednesday before Thanksgiving
      holidays: { country: 'US' },
      sendingWindow: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
      steps: [atTime('s1', 1, '19:00')],
    });
    // Wed 19:00 is after the window → Thu 08:00, Thanksgiving → Fri 27 08:00 EST.
    expect(s1).toMatchObject({ dueAt: '2026-11-27T13:00:00.000Z', moved: 'holiday' });
  });
});

describe('R13 holidays: bad input names the field and the value (SPEC §8)', () => {
  const base = { launchAt: MONDAY, steps: [atTime('s1', 1, '09:30')] };
  it.each([
    [
      { country: 'XX' },
      'mailbox.holidays.country: "XX" is not a country the holiday calendar knows (use ISO codes: "US", "DE")',
    ],
    [
      { country: 'DE', region: 'XY' },
      'mailbox.holidays.region: "XY" is not a region of DE (known: BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH)',
    ],
    [
      { country: 'US', extra: ['2026-02-30'] },
      'mailbox.holidays.extra[0]: "2026-02-30" is not a date (use YYYY-MM-DD, e.g. "2026-12-24")',
    ],
    [
      { country: 'US', workdays: ['24/12/2026'] },
      'mailbox.holidays.workdays[0]: "24/12/2026" is not a date (use YYYY-MM-DD, e.g. "2026-12-24")',
    ],
  ])('%j is refused', (holidays, message) => {
    expect(refusal({ ...base, holidays })).toBe(message);
  });
});

describe('R13: what a holiday is called, and the mailbox’s own days as typed in a form', () => {
  it('names the public holiday, or the mailbox’s own day off; a listed workday is no holiday', () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    const calendar = compileHolidays(
      HolidayCalendar.parse({ country: 'US', extra: ['2026-12-24'], workdays: ['2026-12-25'] }),
    );
    expect(calendar.nameOf(day('2026-11-26'))).toBe('Thanksgiving Day');
    expect(calendar.nameOf(day('2026-12-24'))).toBe('a day off');
    expect(calendar.nameOf(day('2026-12-25'))).toBeUndefined();
    expect(calendar.nameOf(day('2026-11-27'))).toBeUndefined();
    expect(compileHolidays(HolidayCalendar.parse({ country: 'DE' })).nameOf(day('2026-10-03'))).toBe(
      'National Holiday',
    );
  });

  it('refuses a date listed twice or both off and worked, naming it', () => {
    expect(
      holidayProblems(
        HolidayCalendar.parse({ country: 'US', extra: ['2026-12-24', '2026-12-24'], workdays: ['2026-12-31'] }),
      ),
    ).toEqual([{ path: 'holidays.extra[1]', message: '"2026-12-24" is listed twice' }]);
    expect(
      holidayProblems(HolidayCalendar.parse({ country: 'US', extra: ['2026-12-24'], workdays: ['2026-12-24'] })),
    ).toEqual([
      {
        path: 'holidays.workdays[0]',
        message: '"2026-12-24" is both a day off and a working day; keep it in one list',
      },
    ]);
  });

  it('plan says which holiday moved a step only when asked (the app’s preview); the command’s output is as before', () => {
    const input = scenario({
      launchAt: MONDAY,
      holidays: { country: 'US' },
      sendingWindow: {
        mon: [['09:00', '17:00']],
        tue: [['09:00', '17:00']],
        wed: [['09:00', '17:00']],
        thu: [['09:00', '17:00']],
        fri: [['09:00', '17:00']],
      },
      // Day 3 (Wed 25) at 18:00 is after the window: its next opening, Thu 26 09:00, is Thanksgiving → Fri 27 09:00.
      steps: [atTime('s1', 1, '09:30'), atTime('s2', 3, '18:00')],
    });
    const asked = plan(input, { reasons: true }).enrollments[0]!.steps[1]!;
    expect(asked).toMatchObject({
      dueAt: '2026-11-27T14:00:00.000Z',
      moved: 'holiday',
      holiday: { date: '2026-11-26', name: 'Thanksgiving Day' },
    });
    const plain = plan(input).enrollments[0]!.steps[1]!;
    expect(plain).toMatchObject({ dueAt: '2026-11-27T14:00:00.000Z', moved: 'holiday' });
    expect('holiday' in plain).toBe(false);
  });
});

describe('the holiday calendar picker', () => {
  it('names countries and regions in English, sorted by that name', () => {
    const countries = holidayCountries();
    expect(countries.find(([code]) => code === 'DE')?.[1]).toBe('Germany');
    expect(countries.find(([code]) => code === 'JP')?.[1]).toBe('Japan');
    expect(countries.find(([code]) => code === 'LS')?.[1]).toBe('Lesotho');
    const names = countries.map(([, name]) => name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    expect(names.every((name) => !name.includes('\\'))).toBe(true);
    expect(holidayRegions('DE').find(([code]) => code === 'BY')?.[1]).toBe('Bayern'); // the library's own name
  });
});
