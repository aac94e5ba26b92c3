import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { Campaign } from './model';
import { compileCampaign, resolveEnrollment, type StepDone } from './resolver';
import { compileWindow, WEEKDAYS, type SendingWindow } from './window';
import { ZoneClock } from './zones';

/**
 * R12 against an independent reading of it: the window is open at an instant when luxon's
 * local time there (weekday, hour, minute) is inside one of that weekday's blocks, and an
 * automatic email goes at the first such instant at or after the moment R2–R8 release it.
 * The reference walks a 15-minute UTC grid (every block edge and every offset here is a
 * multiple of 15 minutes), so it shares no code with `windowOpening`.
 */

const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/St_Johns',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Etc/GMT+5',
  'UTC',
];
const QUARTER = 15 * 60_000;

const hhmm = (quarters: number) =>
  quarters === 96
    ? '24:00'
    : `${String(Math.floor(quarters / 4)).padStart(2, '0')}:${String((quarters % 4) * 15).padStart(2, '0')}`;

/** Blocks between 04:00 and 23:00 (DST changes in these zones happen outside them, except Lord Howe's 02:00). */
const block = fc
  .tuple(fc.integer({ min: 16, max: 88 }), fc.integer({ min: 1, max: 40 }))
  .map(([start, length]): [string, string] => [hhmm(start), hhmm(Math.min(92, start + length))]);
const window = fc
  .record(
    Object.fromEntries(WEEKDAYS.map((day) => [day, fc.array(block, { maxLength: 2 })])) as Record<
      (typeof WEEKDAYS)[number],
      fc.Arbitrary<[string, string][]>
    >,
  )
  .filter((w) => Object.values(w).some((blocks) => blocks.length > 0))
  .map((w) => w as SendingWindow);

function openAt(w: SendingWindow, zone: string, at: number): boolean {
  const local = DateTime.fromMillis(at, { zone });
  const minute = local.hour * 60 + local.minute;
  return (w[WEEKDAYS[local.weekday - 1]!] ?? []).some(([start, end]) => {
    const [sh, sm] = start.split(':').map(Number);
    const [eh, em] = end.split(':').map(Number);
    return minute >= sh! * 60 + sm! && minute < eh! * 60 + em!;
  });
}

function referenceOpening(w: SendingWindow, zone: string, released: number): number {
  if (openAt(w, zone, released)) return released;
  let at = Math.ceil(released / QUARTER) * QUARTER;
  while (!openAt(w, zone, at)) at += QUARTER;
  return at;
}

const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => {
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
});

describe('R12 against an independent reading, over random windows, zones and campaigns', () => {
  it('every automatic email goes at the first open instant at or after its release; tasks never move', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
        window,
        fc.boolean(),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3 }), task: fc.boolean(), time: clock }), {
          minLength: 1,
          maxLength: 5,
        }),
        (zoneName, launchAt, w, skipWeekends, raw) => {
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
          const zone = ZoneClock.for(zoneName);
          const compiled = compileCampaign(campaign);
          const windowed = resolveEnrollment(
            compileCampaign(campaign, { window: compileWindow(w) }),
            zone,
            launchAt,
            null,
          );
          windowed.forEach((entry, index) => {
            // The step's R2–R8 release given the same history: the windowless plan, told that every
            // earlier step was done when the windowed plan has it due.
            const history: StepDone[] = windowed.slice(0, index).map((earlier) => ({
              type: earlier.action === 'send_email' ? 'sent' : 'completed',
              at: earlier.dueAt,
              manual: false,
              outside: false,
            }));
            const released = resolveEnrollment(compiled, zone, launchAt, null, history)[index]!.dueAt;
            const at = new Date(entry.dueAt).toISOString();
            if (campaign.steps[index]!.type !== 'email') {
              expect(entry.dueAt, at).toBe(released);
              expect(entry.moved).toBeUndefined();
              return;
            }
            expect(entry.dueAt, `${zoneName} step ${index} at ${at}`).toBe(referenceOpening(w, zoneName, released));
            expect(entry.moved).toBe(entry.dueAt > released ? 'window' : undefined);
          });
        },
      ),
      { numRuns: 1500 },
    );
  }, 120_000);
});
