import Holidays from 'date-holidays';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileHolidays, HolidayCalendar } from './holidays';
import { Campaign } from './model';
import { compileCampaign, resolveEnrollment, type StepDone } from './resolver';
import { ZoneClock } from './zones';

/**
 * R13 against an independent reading: date-holidays asked directly (its own `isHoliday` on the
 * local date, not our per-year day sets) and luxon for local dates. Every step lands on a date
 * that is no public holiday; a step moved off one keeps its local time of day and lands on the
 * first allowed date after its release's; one not moved is exactly where R2–R8 put it.
 */

const CALENDARS: [string, string | undefined, string][] = [
  ['US', undefined, 'America/New_York'],
  ['US', 'CA', 'America/Los_Angeles'],
  ['DE', 'BY', 'Europe/Berlin'],
  ['GB', 'SCT', 'Europe/London'],
  ['JP', undefined, 'Asia/Tokyo'],
];

const clock = fc.tuple(fc.integer({ min: 6, max: 20 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => {
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
});

describe('R13 against an independent reading, over random campaigns and calendars', () => {
  it('no step falls on a holiday; moved steps keep their local time and take the first allowed date', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CALENDARS),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
        fc.boolean(),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 5 }), task: fc.boolean(), time: clock }), {
          minLength: 1,
          maxLength: 6,
        }),
        ([country, region, zoneName], launchAt, skipWeekends, raw) => {
          let day = 1;
          const campaign = Campaign.parse({
            skipWeekends,
            taskTime: '09:00',
            steps: raw.map((part, index) => {
              day += index === 0 ? 0 : part.gap;
              return part.task
                ? { id: `s${index}`, day, type: 'call', title: 'Call' }
                : {
                    id: `s${index}`,
                    day,
                    type: 'email',
                    subject: 'Hi',
                    body: 'x',
                    send: { timing: 'at_time', time: part.time },
                  };
            }),
          });
          const reference = region ? new Holidays(country, region) : new Holidays(country);
          const isHoliday = (date: DateTime) =>
            (reference.isHoliday(`${date.toISODate()} 12:00`) || []).some((h) => h.type === 'public');
          const off = (date: DateTime) => isHoliday(date) || (skipWeekends && date.weekday > 5);
          const zone = ZoneClock.for(zoneName);
          const calendar = compileHolidays(HolidayCalendar.parse(region ? { country, region } : { country }));
          const compiled = compileCampaign(campaign, { holidays: calendar });
          const plan = resolveEnrollment(compiled, zone, launchAt, null);
          plan.forEach((entry, index) => {
            const local = DateTime.fromMillis(entry.dueAt, { zone: zoneName });
            expect(isHoliday(local), `${country} ${local.toISO()}`).toBe(false);
            // Where R2–R8 (with the same calendar for day counting) release it, given the same history.
            const history: StepDone[] = plan.slice(0, index).map((earlier) => ({
              type: earlier.action === 'send_email' ? 'sent' : 'completed',
              at: earlier.dueAt,
              manual: false,
              outside: false,
            }));
            const unmoved = resolveEnrollment(compileCampaign(campaign), zone, launchAt, null, history)[index]!;
            if (entry.moved !== 'holiday') return;
            const released = DateTime.fromMillis(unmoved.dueAt, { zone: zoneName });
            // Moved: the same local time, on the first allowed date after the holiday it was released on.
            expect(local.toFormat('HH:mm')).toBe(released.toFormat('HH:mm'));
            let expected = released.plus({ days: 1 }).startOf('day');
            while (off(expected)) expected = expected.plus({ days: 1 });
            if (!skipWeekends) expect(local.toISODate()).toBe(expected.toISODate());
            else expect(off(local)).toBe(false);
          });
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);
});
