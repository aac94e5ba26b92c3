import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Campaign } from './model';
import { compileCampaign, resolveEnrollment } from './resolver';
import { DAY_MS, ZoneClock, wallDay, wallMinute } from './zones';

/** Zones with DST both ways, half- and quarter-hour offsets, a 30-minute DST shift, and POSIX Etc zones. */
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'America/St_Johns',
  'Europe/London',
  'Europe/Berlin',
  'Africa/Cairo',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'Etc/GMT+5',
  'Etc/GMT-14',
  'UTC',
];

const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => {
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
});

type RawStep = { type: 'email' | 'call'; gap: number; timing: string; time: string };
const rawStep = fc.record({
  type: fc.constantFrom<'email' | 'call'>('email', 'email', 'call'),
  gap: fc.integer({ min: 0, max: 4 }),
  timing: fc.constantFrom('at_time', 'same_as_previous', 'task', 'choose_at_launch'),
  time: clock,
});

/** Day of raw step `index` (the first is day 1; each later one adds its gap). */
function dayOf(raw: RawStep[], index: number): number {
  return 1 + raw.slice(1, index + 1).reduce((sum, part) => sum + part.gap, 0);
}

/** Builds a valid campaign from random parts, choosing timings the position allows. */
function buildCampaign(raw: RawStep[], skipWeekends: boolean, taskTime: string) {
  let day = 1;
  const steps = raw.map((part, index) => {
    day += index === 0 ? 0 : part.gap;
    if (part.type === 'call') return { id: `s${index}`, day, type: 'call', title: 'Call' };
    let timing = part.timing;
    if (index === 0 && timing === 'same_as_previous') timing = 'at_time';
    if (index > 0 && timing === 'choose_at_launch') timing = 'at_time';
    const earlierDayEmail = raw.slice(0, index).some((other, i) => other.type === 'email' && dayOf(raw, i) < day);
    if (timing === 'same_as_previous' && day > 1 && !earlierDayEmail) timing = 'at_time';
    return { id: `s${index}`, day, type: 'email', subject: 'Hello', body: 'x', send: { timing, time: part.time } };
  });
  return Campaign.parse({ skipWeekends, taskTime, steps });
}

const scenario = fc.record({
  zone: fc.constantFrom(...ZONES),
  launchAt: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
  pickDelay: fc.integer({ min: 0, max: 3 * DAY_MS }),
  skipWeekends: fc.boolean(),
  taskTime: clock,
  steps: fc.array(rawStep, { minLength: 1, maxLength: 8 }),
});

describe('resolver properties over random campaigns, zones and launch instants', () => {
  it('holds R2–R8 for every person', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const campaign = buildCampaign(s.steps, s.skipWeekends, s.taskTime);
        const compiled = compileCampaign(campaign);
        const zone = ZoneClock.for(s.zone);
        const first = compiled.steps[0]!;
        const firstSendAt = first.timing === 'choose_at_launch' ? s.launchAt + s.pickDelay : null;
        const plan = resolveEnrollment(compiled, zone, s.launchAt, firstSendAt);

        plan.forEach((entry, index) => {
          // Nothing is ever due before launch, and due instants never decrease along the campaign.
          expect(entry.dueAt).toBeGreaterThanOrEqual(s.launchAt);
          if (index > 0) expect(entry.dueAt).toBeGreaterThanOrEqual(plan[index - 1]!.dueAt);

          const step = compiled.steps[index]!;
          let wanted: number | undefined;
          if (step.timing === 'at_time' && !(index === 0 && firstSendAt !== null)) wanted = step.minute;
          else if (step.timing === 'task') wanted = compiled.taskMinute;
          else if (step.timing === 'same_as_previous' && step.previousEmail >= 0) {
            wanted = wallMinute(zone.toWall(plan[step.previousEmail]!.dueAt));
          }
          if (wanted === undefined || entry.late) return;
          // Not late: the step lands on its day date at the requested local time, unless that
          // time fell in a DST gap, in which case it moved forward by the jump (RFC 5545).
          const wall = zone.toWall(entry.dueAt);
          const requested = entry.dayDate * DAY_MS + wanted * 60_000;
          if (wall !== requested) {
            const inGap = zone.toWall(zone.fromWall(requested)) !== requested;
            expect(inGap, `${s.zone} ${new Date(requested).toISOString()} is not in a gap`).toBe(true);
            expect(wall).toBeGreaterThan(requested);
            expect(wall - requested).toBeLessThanOrEqual(60 * 60_000);
          } else {
            expect(wallDay(wall)).toBe(entry.dayDate);
            expect(wallMinute(wall)).toBe(wanted);
          }
        });
      }),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('never resolves a repeated local time to its second occurrence, nor a gap time backwards', () => {
    const transitions = ZONES.flatMap((name) => {
      const zone = ZoneClock.for(name);
      const found: [string, number][] = [];
      for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2028, 0, 1); at += 3_600_000) {
        if (zone.offsetMinutes(at) !== zone.offsetMinutes(at + 3_600_000)) found.push([name, at]);
      }
      return found;
    });
    expect(transitions.length).toBeGreaterThan(40);
    fc.assert(
      fc.property(fc.constantFrom(...transitions), fc.integer({ min: -180, max: 180 }), ([name, near], minutes) => {
        const zone = ZoneClock.for(name);
        // A wall time within three hours of a transition: in its gap, its overlap, or either side.
        const wall = Math.floor(zone.toWall(near) / 60_000) * 60_000 + minutes * 60_000;
        const instant = zone.fromWall(wall);
        if (zone.toWall(instant) === wall) {
          // It exists: no earlier instant (up to the largest overlap, an hour) reads the same.
          for (let back = 1; back <= 60; back++) expect(zone.toWall(instant - back * 60_000)).not.toBe(wall);
        } else {
          // It falls in a gap: it moves forward by the jump, never back.
          const jump = zone.offsetMinutes(instant) - zone.offsetMinutes(instant - 2 * 3_600_000);
          expect(zone.toWall(instant) - wall).toBe(jump * 60_000);
        }
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});
