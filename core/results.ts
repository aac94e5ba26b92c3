import { stepLabel, type LabelledStep } from './campaign';
import { ZoneClock, isoWeekday, wallDay, DAY_MS } from './zones';

/**
 * What a campaign achieved (issue 12, the results screen), as counters that can be kept up to
 * date row by row: every enrollment, step run and task adds a few named counters, and a
 * campaign's results are their sums. The renderer's database keeps the sums as rows change
 * (renderer/src/db/results.ts), so the screen's first paint reads one row instead of every run.
 *
 * Counter names (all counts of rows or people, never times):
 * - `people`; `status:<status>`; `emailed` (people sent at least one email); `ooo` (people who
 *   sent an automatic out-of-office reply)
 * - `step:<stepId>:reached` (the step came due for them: a step run or a task exists),
 *   `step:<stepId>:sent`, `:replied`, `:bounced`, `:unsubscribed`, `:ooo` (the person's outcome,
 *   counted at the last email they were sent before it), `:done`, `:skipped`, `:open` (tasks)
 * - `sent`; `day:<YYYY-MM-DD>` emails sent that day in the person's zone
 * - `heat:sent:<weekday>:<hour>` and `heat:replied:<weekday>:<hour>`: emails sent, and replies to
 *   the last email before the reply, by the ISO weekday (1 = Monday) and hour (0–23) it went out,
 *   in the person's zone
 */

export type Counters = Record<string, number>;

/** The stopped statuses that are an outcome of the inbox (SPEC R15), counted at a step. */
export const OUTCOMES = ['replied', 'bounced', 'unsubscribed'] as const;

/** The part of an enrollment the counters read. */
export interface EnrollmentFacts {
  status: string;
  /** R1's zone Z (IANA). */
  zone: string;
  outOfOfficeUntil?: number | null;
}

/** The part of a step run the counters read. */
export interface RunFacts {
  stepId: string;
  state: string;
  /** UTC ms, or null while unsent. */
  sentAt: number | null;
  /** Marked as sent outside the app: its task already counts the step as reached. */
  outside?: boolean;
}

/** The part of a task the counters read. */
export interface TaskFacts {
  stepId: string;
  status: 'open' | 'done' | 'skipped';
}

/** Weekday (1 = Monday … 7 = Sunday), hour (0–23) and `YYYY-MM-DD` of instant `utcMs` in `zone`. */
export function localSlot(utcMs: number, zone: string): { weekday: number; hour: number; date: string } {
  let clock: ZoneClock;
  try {
    clock = ZoneClock.for(zone);
  } catch {
    clock = ZoneClock.for('UTC');
  }
  const wall = clock.toWall(utcMs);
  const day = wallDay(wall);
  return {
    weekday: isoWeekday(day),
    hour: Math.floor((wall - day * DAY_MS) / 3_600_000),
    date: new Date(day * DAY_MS).toISOString().slice(0, 10),
  };
}

/**
 * The counters one enrollment adds with its step runs (its tasks count apart, {@link taskCounters}).
 * `runs` are the enrollment's step runs in any order; missing ones are skipped.
 * @returns counter names, one per unit (a name may repeat).
 */
export function enrollmentCounters(e: EnrollmentFacts, runs: readonly (RunFacts | undefined)[]): string[] {
  const out = ['people', `status:${e.status}`];
  let last: RunFacts | undefined;
  for (const run of runs) {
    if (!run) continue;
    if (!run.outside) out.push(`step:${run.stepId}:reached`);
    if (run.state !== 'sent' || run.sentAt === null) continue;
    const slot = localSlot(run.sentAt, e.zone);
    out.push(`step:${run.stepId}:sent`, 'sent', `day:${slot.date}`, `heat:sent:${slot.weekday}:${slot.hour}`);
    // The latest send; two at the same instant are told apart by step id, so the counters never
    // depend on the order the runs are read in (an index, a write's own order).
    if (!last || run.sentAt > last.sentAt! || (run.sentAt === last.sentAt && run.stepId > last.stepId)) last = run;
  }
  if (last) out.push('emailed');
  const away = e.outOfOfficeUntil !== null && e.outOfOfficeUntil !== undefined;
  if (away) out.push('ooo');
  if (!last) return out;
  for (const kind of [...OUTCOMES.filter((k) => k === e.status), ...(away ? ['ooo'] : [])]) {
    out.push(`step:${last.stepId}:${kind}`);
    if (kind === 'replied') {
      const slot = localSlot(last.sentAt!, e.zone);
      out.push(`heat:replied:${slot.weekday}:${slot.hour}`);
    }
  }
  return out;
}

/** Whether a run counts as an email sent (`enrollmentCounters` counts only these as sent). */
const countsSent = (run: RunFacts | undefined): boolean => run?.state === 'sent' && run.sentAt !== null;

/**
 * What one step run's change adds and takes away by itself (counter names, one per unit), when
 * neither its old nor its new version counts as sent: then only its step's `reached` can change,
 * and the enrollment's other runs (which decide its last email sent, where a reply or a bounce
 * counts) do not matter. The same as `enrollmentCounters(e, runs with it) − enrollmentCounters(e,
 * runs without it)` for any `e` and other runs.
 * @param was the run before the write (undefined: it is new); @param now after (undefined: deleted)
 * @returns the change, or undefined when either version counts as sent: the enrollment's counters
 *   must then be taken again from all its runs.
 */
export function runChangeAlone(
  was: RunFacts | undefined,
  now: RunFacts | undefined,
): { minus: string[]; plus: string[] } | undefined {
  if (countsSent(was) || countsSent(now)) return undefined;
  const reached = (run: RunFacts | undefined): string[] => (run && !run.outside ? [`step:${run.stepId}:reached`] : []);
  return { minus: reached(was), plus: reached(now) };
}

/**
 * Whether an enrollment's write leaves what it counts as it was, whatever its step runs: the same
 * status, zone (the local hour of each send) and out-of-office state (a new step index or due
 * instant counts nothing). Its runs need not be read then.
 */
export function sameEnrollmentCounters(was: EnrollmentFacts, now: EnrollmentFacts): boolean {
  const away = (e: EnrollmentFacts): boolean => e.outOfOfficeUntil !== null && e.outOfOfficeUntil !== undefined;
  return was.status === now.status && was.zone === now.zone && away(was) === away(now);
}

/** The counters one task adds: its step is reached, and it is open, done or skipped. */
export function taskCounters(task: TaskFacts): string[] {
  return [`step:${task.stepId}:reached`, `step:${task.stepId}:${task.status}`];
}

/** Adds `plus` and takes away `minus` (counter names, one per unit) in `counters`; zeros are dropped. */
export function applyCounters(counters: Counters, minus: readonly string[], plus: readonly string[]): Counters {
  for (const key of minus) counters[key] = (counters[key] ?? 0) - 1;
  for (const key of plus) counters[key] = (counters[key] ?? 0) + 1;
  for (const key of new Set([...minus, ...plus])) if (counters[key] === 0) delete counters[key];
  return counters;
}

/** `part / whole` as a whole percent with a space before the sign (`15 %`), or `–` when `whole` is 0. */
export function formatRate(part: number, whole: number): string {
  if (whole <= 0) return '–';
  const percent = (part / whole) * 100;
  if (percent > 0 && percent < 1) return '<1 %';
  return `${Math.round(percent)} %`;
}

/** One row of a step's funnel as the screen shows it. */
export interface FunnelMeasure {
  key: FunnelKey;
  label: string;
  count: number;
  /** What the rate is of (`sent`, `reached`), and the rate in words (`15 %`). */
  of: string;
  rate: string;
}

export type FunnelKey =
  'reached' | 'sent' | 'replied' | 'bounced' | 'ooo' | 'unsubscribed' | 'done' | 'skipped' | 'overdue';

/** A step's funnel. `overdue` (open tasks past due) depends on the clock, so it is passed in. */
export interface StepFunnel {
  stepId: string;
  /** `Step 2 · Day 3 · Email`, as every screen names a step (campaign.ts `stepLabel`). */
  title: string;
  kind: 'email' | 'task';
  measures: FunnelMeasure[];
}

const LABELS: Record<FunnelKey, string> = {
  reached: 'People reached',
  sent: 'Sent',
  replied: 'Replied',
  bounced: 'Bounced',
  ooo: 'Out of office',
  unsubscribed: 'Unsubscribed',
  done: 'Tasks done',
  skipped: 'Skipped',
  overdue: 'Overdue',
};

/**
 * The funnel of each step from a campaign's counters (see the module comment): for an email
 * step people reached, sent (of reached), replied, bounced, out of office, unsubscribed (each
 * of sent); for a call, LinkedIn or other task step people reached, tasks done, skipped and
 * overdue (each of reached). `overdue` maps step id → open tasks past due now.
 */
export function stepFunnels(
  steps: readonly (LabelledStep & { id: string })[],
  counters: Counters,
  overdue: Readonly<Record<string, number>> = {},
): StepFunnel[] {
  return steps.map((step, i) => {
    const get = (key: string) => counters[`step:${step.id}:${key}`] ?? 0;
    const reached = get('reached');
    const measure = (key: FunnelKey, count: number, of: string, whole: number): FunnelMeasure => ({
      key,
      label: LABELS[key],
      count,
      of,
      rate: formatRate(count, whole),
    });
    const title = stepLabel(step, i);
    if (step.type === 'email') {
      const sent = get('sent');
      return {
        stepId: step.id,
        title,
        kind: 'email',
        measures: [
          measure('reached', reached, 'people', counters.people ?? 0),
          measure('sent', sent, 'reached', reached),
          measure('replied', get('replied'), 'sent', sent),
          measure('bounced', get('bounced'), 'sent', sent),
          measure('ooo', get('ooo'), 'sent', sent),
          measure('unsubscribed', get('unsubscribed'), 'sent', sent),
          // An email step sent by hand is a task: shown only when there were some.
          ...(get('done') + get('skipped') + (overdue[step.id] ?? 0) > 0
            ? [
                measure('done', get('done'), 'reached', reached),
                measure('skipped', get('skipped'), 'reached', reached),
                measure('overdue', overdue[step.id] ?? 0, 'reached', reached),
              ]
            : []),
        ],
      };
    }
    return {
      stepId: step.id,
      title,
      kind: 'task',
      measures: [
        measure('reached', reached, 'people', counters.people ?? 0),
        measure('done', get('done'), 'reached', reached),
        measure('skipped', get('skipped'), 'reached', reached),
        measure('overdue', overdue[step.id] ?? 0, 'reached', reached),
      ],
    };
  });
}

/** The weekday × hour grid of emails sent and replies to them, from a campaign's counters. */
export function heatGrid(counters: Counters): { weekday: number; hour: number; sent: number; replied: number }[] {
  const out: { weekday: number; hour: number; sent: number; replied: number }[] = [];
  for (let weekday = 1; weekday <= 7; weekday++)
    for (let hour = 0; hour < 24; hour++)
      out.push({
        weekday,
        hour,
        sent: counters[`heat:sent:${weekday}:${hour}`] ?? 0,
        replied: counters[`heat:replied:${weekday}:${hour}`] ?? 0,
      });
  return out;
}

/** Emails sent per day for the `days` days up to and including `today` (`YYYY-MM-DD`), oldest first. */
export function sendsPerDay(counters: Counters, today: string, days: number): { date: string; sent: number }[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  const out: { date: string; sent: number }[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = new Date(end - i * DAY_MS).toISOString().slice(0, 10);
    out.push({ date, sent: counters[`day:${date}`] ?? 0 });
  }
  return out;
}

/** Which counter a funnel measure of a step reads (for the people behind a number). */
export function measureCounter(stepId: string, key: Exclude<FunnelKey, 'overdue'>): string {
  return `step:${stepId}:${key}`;
}

/** The Campaigns list's figures of one campaign. */
export interface CampaignSummary {
  people: number;
  /** People sent at least one email. */
  emailed: number;
  /** People whose enrollment stopped on a reply. */
  replied: number;
  /** `replied / emailed` in words (`15 %`, or `–` before any email). */
  replyRate: string;
  /** Emails sent per day for the `days` days up to `today`, oldest first. */
  spark: { date: string; sent: number }[];
}

/** A campaign's people, reply rate and recent sends per day from its counters; `today` is `YYYY-MM-DD`. */
export function campaignSummary(counters: Counters, today: string, days = 14): CampaignSummary {
  const emailed = counters.emailed ?? 0;
  const replied = counters['status:replied'] ?? 0;
  return {
    people: counters.people ?? 0,
    emailed,
    replied,
    replyRate: formatRate(replied, emailed),
    spark: sendsPerDay(counters, today, days),
  };
}
