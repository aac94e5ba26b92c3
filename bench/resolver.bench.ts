import { DateTime } from 'luxon';
import { Campaign } from '../core/model';
import { plan } from '../core/plan';
import { compileHolidays, HolidayCalendar } from '../core/holidays';
import { compileWindow } from '../core/window';
import { compileCampaign, resolveEnrollment, type CompiledCampaign } from '../core/resolver';
import { ZoneClock } from '../core/zones';
import { report, seededRandom, timeIt } from './harness';

/** 20 zones: both hemispheres' DST, half- and quarter-hour offsets, no-DST zones. */
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'America/St_Johns',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Moscow',
  'Africa/Lagos',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Australia/Adelaide',
  'Pacific/Auckland',
  'Etc/GMT+5',
  'UTC',
];
const PEOPLE = 10_000;

/** An 8-step campaign with every timing kind a later step can have. */
const CAMPAIGN = Campaign.parse({
  taskTime: '09:00',
  steps: [
    {
      id: 's1',
      day: 1,
      type: 'email',
      subject: 'Hi {{ first_name }}',
      body: '<p>Hi {{ first_name }}</p>',
      send: { timing: 'at_time', time: '09:30' },
    },
    { id: 's2', day: 3, type: 'email', body: '<p>Bump</p>', send: { followUp: true } },
    { id: 's3', day: 4, type: 'call', title: 'Call {{ first_name }}' },
    { id: 's4', day: 6, type: 'email', subject: 'Idea', body: '<p>x</p>', send: { timing: 'at_time', time: '14:15' } },
    { id: 's5', day: 8, type: 'linkedin', title: 'Connect' },
    { id: 's6', day: 10, type: 'email', subject: 'Case study', body: '<p>x</p>', send: { timing: 'task' } },
    { id: 's7', day: 13, type: 'email', body: '<p>x</p>', send: { timing: 'same_as_previous', followUp: true } },
    {
      id: 's8',
      day: 20,
      type: 'email',
      subject: 'Closing the loop',
      body: '<p>x</p>',
      send: { timing: 'at_time', time: '08:05' },
    },
  ],
});

function people(): { zone: string; launchAt: number }[] {
  const random = seededRandom(42);
  const start = Date.UTC(2026, 2, 1);
  return Array.from({ length: PEOPLE }, (_, i) => ({
    zone: ZONES[i % ZONES.length]!,
    launchAt: start + Math.floor(random() * 30 * 86_400_000),
  }));
}

function resolveAll(compiled: CompiledCampaign, list: { zone: string; launchAt: number }[]): number {
  let checksum = 0;
  for (const person of list) {
    const steps = resolveEnrollment(compiled, ZoneClock.for(person.zone), person.launchAt, null);
    checksum += steps[steps.length - 1]!.dueAt % 1000;
  }
  return checksum;
}

/**
 * The naive resolver: the same rules, but one luxon conversion per step and luxon's
 * calendar arithmetic, with no memoisation. It is the baseline the target is 10× of.
 */
function resolveAllNaive(list: { zone: string; launchAt: number }[]): number {
  let checksum = 0;
  const steps = CAMPAIGN.steps;
  for (const person of list) {
    const day1 = DateTime.fromMillis(person.launchAt, { zone: person.zone }).startOf('day');
    let release = person.launchAt;
    let lastEmailMinute = -1;
    let lastEmailDay = 0;
    for (const step of steps) {
      let minute = 9 * 60;
      if (step.type === 'email') {
        if (step.send.timing === 'at_time')
          minute = Number(step.send.time!.slice(0, 2)) * 60 + Number(step.send.time!.slice(3));
        else if (step.send.timing === 'same_as_previous' && lastEmailDay < step.day) minute = lastEmailMinute;
      }
      const date = day1.plus({ days: step.day - 1 });
      const local = DateTime.fromObject(
        { year: date.year, month: date.month, day: date.day, hour: Math.floor(minute / 60), minute: minute % 60 },
        { zone: person.zone },
      );
      const due = Math.max(local.toMillis(), release);
      if (step.type === 'email') {
        const at = DateTime.fromMillis(due, { zone: person.zone });
        lastEmailMinute = at.hour * 60 + at.minute;
        lastEmailDay = step.day;
      }
      release = due;
    }
    checksum += release % 1000;
  }
  return checksum;
}

/** `resolver` group: 10,000 people × 8 steps over 20 zones, memoised and naive. */
export function benchResolver(): void {
  const compiled = compileCampaign(CAMPAIGN);
  const list = people();
  const resolutions = PEOPLE * CAMPAIGN.steps.length;
  const fast = timeIt(() => resolveAll(compiled, list), 7);
  const naive = timeIt(() => resolveAllNaive(list), 3);
  const fastRate = resolutions / (fast.medianMs / 1000);
  const naiveRate = resolutions / (naive.medianMs / 1000);
  report('resolver', Math.round(fastRate), 'resolutions/s');
  report('resolver-naive', Math.round(naiveRate), 'resolutions/s');
  report('resolver-speedup', Number((fastRate / naiveRate).toFixed(1)), 'x');
  report('resolver-cold', Math.round(resolutions / (fast.firstMs / 1000)), 'resolutions/s');
  // R12: the same with a weekday 08:00–18:00 window (lunch closed), read in each person's zone.
  const workday: [string, string][] = [
    ['08:00', '12:00'],
    ['13:00', '18:00'],
  ];
  const windowed = compileCampaign(CAMPAIGN, {
    window: compileWindow({ mon: workday, tue: workday, wed: workday, thu: workday, fri: workday }),
  });
  const withWindow = timeIt(() => resolveAll(windowed, list), 7);
  report('resolver-window', Math.round(resolutions / (withWindow.medianMs / 1000)), 'resolutions/s');
  // R13 too: the US calendar with New York's state holidays, and skipWeekends counting around them.
  const calendar = compileHolidays(HolidayCalendar.parse({ country: 'US', region: 'NY' }));
  const rules = { window: windowed.window, holidays: calendar };
  const withBoth = [
    compileCampaign(CAMPAIGN, rules),
    compileCampaign(Campaign.parse({ ...CAMPAIGN, skipWeekends: true }), rules),
  ];
  const both = timeIt(() => resolveAll(withBoth[0]!, list) + resolveAll(withBoth[1]!, list), 7);
  report('resolver-window-holidays', Math.round((2 * resolutions) / (both.medianMs / 1000)), 'resolutions/s');
}

/** `plan` group: the whole plan command's work (validation, resolving, subject rendering) for 10,000 people. */
export function benchPlan(): void {
  const list = people();
  const scenario = {
    mailbox: { email: 'rep@example.com', name: 'Rep', timeZone: 'America/New_York' },
    campaign: { ...CAMPAIGN, timeZoneMode: 'recipient' },
    contacts: list.map((person, i) => ({
      id: `c${i}`,
      email: `p${i}@example.org`,
      firstName: `P${i}`,
      timeZone: person.zone,
    })),
    launch: { at: '2026-03-06T14:00:00Z', firstSendAt: null },
  };
  const run = timeIt(() => plan(scenario).enrollments.length, 3);
  report('plan-10k-people', Math.round(run.medianMs), 'ms');
}
