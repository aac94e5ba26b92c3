import { InputError, show } from './errors';
import { campaignProblems, previousEmailOnEarlierDay } from './campaign';
import type { Campaign } from './model';
import type { CompiledHolidays } from './holidays';
import { windowOpening, type CompiledWindow } from './window';
import {
  DAY_MS,
  addBusinessDays,
  businessDaysBetween,
  isoWeekday,
  parseClockTime,
  wallDay,
  wallMinute,
  type ZoneClock,
} from './zones';

/**
 * The due-time resolver: SPEC §4 rules R2–R8, R12 and R13 for one enrollment. Instants are UTC
 * epoch ms; day dates are day numbers (days since 1970-01-01) in the enrollment's zone.
 */

const MINUTE_MS = 60_000;

/** What a step produces when it falls due (SPEC §10 `action`). */
export type StepAction = 'send_email' | 'create_task';

/** A campaign prepared for resolving many enrollments: rules checked once, times parsed once. */
export interface CompiledCampaign {
  readonly skipWeekends: boolean;
  /** `taskTime` in minutes of the local day. */
  readonly taskMinute: number;
  readonly steps: readonly CompiledStep[];
  /** R12: the sending window automatic emails keep to, or undefined for any time. */
  readonly window: CompiledWindow | undefined;
  /** R13: the mailbox's holiday calendar, or undefined for none. */
  readonly holidays: CompiledHolidays | undefined;
}

export interface CompiledStep {
  readonly id: string;
  readonly day: number;
  readonly isEmail: boolean;
  readonly action: StepAction;
  readonly timing: 'choose_at_launch' | 'at_time' | 'same_as_previous' | 'task';
  /** `at_time`: minutes of the local day; otherwise −1. */
  readonly minute: number;
  /** `same_as_previous`: index of R6's P, or −1 when there is none (day 1: due at launch). */
  readonly previousEmail: number;
  readonly followUp: boolean;
}

/**
 * Checks `campaign` (SPEC §2, §3, §8) and prepares it for {@link resolveEnrollment}.
 * @param rules.window R12: the window that applies (the campaign's own, else its mailbox's;
 *   see `effectiveWindow`), compiled; undefined for any time.
 * @param rules.holidays R13: the mailbox's holiday calendar, compiled; undefined for none.
 * @throws InputError listing every problem, each with its `campaign.steps[i]…` path.
 */
export function compileCampaign(
  campaign: Campaign,
  rules: { window?: CompiledWindow | undefined; holidays?: CompiledHolidays | undefined } = {},
): CompiledCampaign {
  const { problems } = campaignProblems(campaign);
  if (problems.length > 0) throw new InputError(problems);
  return {
    window: rules.window,
    holidays: rules.holidays,
    skipWeekends: campaign.skipWeekends,
    taskMinute: parseClockTime(campaign.taskTime)!,
    steps: campaign.steps.map((step, index): CompiledStep => {
      if (step.type !== 'email') {
        return {
          id: step.id,
          day: step.day,
          isEmail: false,
          action: 'create_task',
          timing: 'task',
          minute: -1,
          previousEmail: -1,
          followUp: false,
        };
      }
      const { timing, time, followUp } = step.send;
      return {
        id: step.id,
        day: step.day,
        isEmail: true,
        action: timing === 'task' ? 'create_task' : 'send_email',
        timing,
        minute: timing === 'at_time' ? parseClockTime(time!)! : -1,
        previousEmail: timing === 'same_as_previous' ? previousEmailOnEarlierDay(campaign.steps, index) : -1,
        followUp,
      };
    }),
  };
}

/** Whether the campaign's first step takes a send time at launch (SPEC R4, R5). */
export function firstStepTakesSendTime(campaign: CompiledCampaign): 'required' | 'optional' | 'none' {
  const first = campaign.steps[0];
  if (!first || !first.isEmail) return 'none';
  if (first.timing === 'choose_at_launch') return 'required';
  return first.timing === 'at_time' ? 'optional' : 'none';
}

/**
 * Checks the launch's first send time against SPEC R4/R5.
 * @param launchAt the launch instant, UTC ms. @param firstSendAt the picked send time, UTC ms, or null.
 * @throws InputError at `launch.firstSendAt` when it is missing for `choose_at_launch`,
 *   before the launch instant, or given for a first step that takes none.
 */
export function checkLaunch(campaign: CompiledCampaign, launchAt: number, firstSendAt: number | null): void {
  const need = firstStepTakesSendTime(campaign);
  const first = campaign.steps[0];
  const fail = (message: string): never => {
    throw new InputError([{ path: 'launch.firstSendAt', message }]);
  };
  if (firstSendAt === null) {
    if (need === 'required')
      fail(`is required: the first step "${first!.id}" is "choose_at_launch", so a send time must be picked at launch`);
    return;
  }
  const shown = show(new Date(firstSendAt).toISOString());
  if (need === 'none') {
    fail(
      `${shown} was given, but the first step "${first?.id}" is ${first?.isEmail ? 'an email task' : 'a task'}, which takes no send time`,
    );
  }
  if (firstSendAt < launchAt) {
    fail(
      `${shown} is before the launch instant ${show(new Date(launchAt).toISOString())}; pick a send time that has not passed`,
    );
  }
}

/** What already happened to a step (SPEC §10 `events`, R6, R8). */
export interface StepDone {
  readonly type: 'sent' | 'completed' | 'skipped';
  /** UTC ms. */
  readonly at: number;
  /** Sent by hand from a task or the compose window: R6 then takes this time. */
  readonly manual: boolean;
  /** Marked as sent outside the app: a follow-up cannot thread onto it (R10). */
  readonly outside: boolean;
}

export interface ResolvedStep {
  readonly index: number;
  readonly action: StepAction;
  /** When the step falls due, UTC ms: the later of its own instant and its release (R8), then moved by R13 off a holiday and by R12 into the window. */
  readonly dueAt: number;
  /** True when the step is released after its own instant (a day-1 time passed at launch, or a late release). */
  readonly late: boolean;
  /**
   * Why `dueAt` is later than R2–R8 give: `holiday` when R13 moved the step off a holiday
   * (whether or not R12 then moved it too), `window` when only R12 moved an automatic email.
   */
  readonly moved: 'window' | 'holiday' | undefined;
  /** With `moved: 'holiday'`: the first holiday it moved off, a day number in the zone (for saying why). */
  readonly holiday: number | undefined;
  /** The step's day date after R8 shifts, as a day number in the zone. */
  readonly dayDate: number;
  /** What already happened, when known; later steps are planned as done at their `dueAt`. */
  readonly done: StepDone | undefined;
}

/**
 * Resolves when each step of one enrollment falls due (SPEC R2–R8; R12 when the compiled
 * campaign has a window: an automatic email outside it is due at its next opening; R13 when
 * it has holidays: with `skipWeekends` they are skipped in day counting like Saturdays, and a
 * step whose date is a holiday moves to the next allowed date at the same local time). R8
 * then counts from the moved instant.
 * @param zone R1's zone Z for this person.
 * @param launchAt the launch instant, UTC ms. @param firstSendAt R4/R5's send time picked at
 *   launch, UTC ms, or null (already checked by {@link checkLaunch}).
 * @param done what happened to each step so far, by step index; steps must be done in order.
 * @param releasedAt when the first step not done is released, UTC ms, if later than the step
 *   before it was done (R8: a stopped enrollment resumed by a person releases it then); absent,
 *   it is released when the step before it was done (or at launch).
 * @returns one entry per step, in campaign order; `dueAt` never decreases along it.
 */
export function resolveEnrollment(
  campaign: CompiledCampaign,
  zone: ZoneClock,
  launchAt: number,
  firstSendAt: number | null,
  done: readonly (StepDone | undefined)[] = [],
  releasedAt?: number,
): ResolvedStep[] {
  const { steps, skipWeekends, taskMinute, holidays } = campaign;
  const firstDay = wallDay(zone.toWall(launchAt));
  const resolved: ResolvedStep[] = [];
  let shift = 0;
  let release = launchAt;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    const offset = step.day - 1 + shift;
    const dayDate = skipWeekends ? addWorkingDays(firstDay, offset, holidays) : firstDay + offset;
    let own: number;
    if (index === 0 && firstSendAt !== null && step.action === 'send_email') own = firstSendAt;
    else if (step.timing === 'at_time') own = zone.fromWall(dayDate * DAY_MS + step.minute * MINUTE_MS);
    else if (step.timing === 'task') own = zone.fromWall(dayDate * DAY_MS + taskMinute * MINUTE_MS);
    else if (step.timing === 'same_as_previous' && step.previousEmail >= 0) {
      // R6: P's real time when the salesperson sent it by hand (a manual send, or any email task done), else its planned time.
      const previous = done[step.previousEmail];
      const byHand =
        previous !== undefined &&
        previous.type !== 'skipped' &&
        (previous.manual || steps[step.previousEmail]!.timing === 'task');
      const previousAt = byHand ? previous.at : resolved[step.previousEmail]!.dueAt;
      own = zone.fromWall(dayDate * DAY_MS + wallMinute(zone.toWall(previousAt)) * MINUTE_MS);
    } else own = launchAt; // R6 on day 1 with no earlier email, or R4 (checked to have a send time)
    if (releasedAt !== undefined && done[index] === undefined && releasedAt > release) release = releasedAt;
    const released = own > release ? own : release;
    const { dueAt, moved, holiday } = keepToCalendar(released, step.action, zone, {
      window: campaign.window,
      holidays,
      skipWeekends,
    });
    const stepDone = done[index];
    const doneAt = stepDone ? stepDone.at : dueAt;
    const doneDay = wallDay(zone.toWall(doneAt));
    if (doneDay > dayDate) shift += skipWeekends ? workingDaysBetween(dayDate, doneDay, holidays) : doneDay - dayDate;
    release = doneAt;
    resolved.push({ index, action: step.action, dueAt, late: released > own, moved, holiday, dayDate, done: stepDone });
  }
  return resolved;
}

/**
 * SPEC R13 then R12 for one instant, until neither moves it (a window's next opening can
 * fall on a holiday): off a holiday to the next allowed date at the same local time in
 * `zone`, then, for an email, into the window's next opening. Tasks keep to R13 only.
 * @param at UTC ms. @returns the instant it may go (UTC ms, never earlier than `at`), why it
 *   moved (`holiday` wins over `window`), and the first holiday it left (a day number in Z).
 */
export function keepToCalendar(
  at: number,
  action: StepAction,
  zone: ZoneClock,
  rules: { window?: CompiledWindow | undefined; holidays?: CompiledHolidays | undefined; skipWeekends: boolean },
): { dueAt: number; moved: 'window' | 'holiday' | undefined; holiday: number | undefined } {
  let dueAt = at;
  let offHoliday = false;
  let holiday: number | undefined;
  let intoWindow = false;
  for (let settled = false; !settled;) {
    settled = true;
    if (rules.holidays) {
      const wall = zone.toWall(dueAt);
      const day = wallDay(wall);
      if (rules.holidays.isHoliday(day)) {
        dueAt = zone.fromWall(nextAllowedDay(day, rules.skipWeekends, rules.holidays) * DAY_MS + (wall - day * DAY_MS));
        offHoliday = true;
        holiday ??= day;
        settled = false;
      }
    }
    if (rules.window && action === 'send_email') {
      const opening = windowOpening(rules.window, zone, dueAt);
      if (opening > dueAt) {
        dueAt = opening;
        intoWindow = true;
        settled = false;
      }
    }
  }
  return { dueAt, moved: offHoliday ? 'holiday' : intoWindow ? 'window' : undefined, holiday };
}

/** Whether `day` counts as a working day for R2/R8 with `skipWeekends` (R13: holidays off, listed workdays on). */
function isWorkingDay(day: number, holidays: CompiledHolidays): boolean {
  if (holidays.isWorkday(day)) return true;
  return isoWeekday(day) <= 5 && !holidays.isHoliday(day);
}

/** The `n`-th working day after `day` (R2 with `skipWeekends`); plain Monday–Friday without a calendar. */
function addWorkingDays(day: number, n: number, holidays: CompiledHolidays | undefined): number {
  if (!holidays) return addBusinessDays(day, n);
  let result = day;
  for (let left = n; left > 0;) if (isWorkingDay(++result, holidays)) left--;
  return result;
}

/** Working days in (from, to] (R8's shift with `skipWeekends`). */
function workingDaysBetween(from: number, to: number, holidays: CompiledHolidays | undefined): number {
  if (!holidays) return businessDaysBetween(from, to);
  let count = 0;
  for (let day = from + 1; day <= to; day++) if (isWorkingDay(day, holidays)) count++;
  return count;
}

/** R13: the first date after the holiday `day` that is no holiday (and, with `skipWeekends`, a working day). */
function nextAllowedDay(day: number, skipWeekends: boolean, holidays: CompiledHolidays): number {
  let next = day + 1;
  while (skipWeekends ? !isWorkingDay(next, holidays) : holidays.isHoliday(next)) next++;
  return next;
}
