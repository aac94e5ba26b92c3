import { z } from 'zod';
import { show, type Problem } from './errors';
import { DAY_MS, isoWeekday, parseClockTime, wallDay, type ZoneClock } from './zones';

/**
 * Sending windows (SPEC R12): the blocks of local time, per weekday, in which an automatic
 * email may go. A block is read in the enrollment's zone Z on each date: it runs from the
 * instant its start time has on that date to the instant its end time has (RFC 5545's
 * rule for times a DST jump skips or repeats, as everywhere in the resolver), so a block
 * on a DST night is simply an hour shorter or longer.
 */

const MINUTE_MS = 60_000;

/** The weekday keys of a window, Monday first (ISO 8601 order). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes of the day of a block's end: `HH:mm` from 00:01, or `24:00` for "until midnight". */
function endMinute(text: string): number | undefined {
  if (text === '24:00') return 24 * 60;
  return parseClockTime(text);
}

/** One block, `["08:00", "18:00"]`: start inclusive, end exclusive, on the same date. */
const Block = z
  .tuple([z.string(), z.string()], {
    error: (issue) => `${show(issue.input)} is not a block of time; write it as ["08:00", "18:00"]`,
  })
  .check((ctx) => {
    const [start, end] = ctx.value;
    const from = parseClockTime(start);
    const to = endMinute(end);
    const fail = (message: string) => ctx.issues.push({ code: 'custom', message, input: ctx.value });
    if (from === undefined) fail(`${show(start)} is not a time of day (use 24-hour HH:mm, 00:00–23:59)`);
    else if (to === undefined) fail(`${show(end)} is not an end time (use 24-hour HH:mm, 00:01–24:00)`);
    else if (to <= from) fail(`the block ${show(ctx.value)} ends before it starts; a block stays within one day`);
  });

/**
 * A weekly sending window (SPEC R12, §10): `{"mon": [["08:00", "18:00"]], …}`. A weekday
 * left out has no sending; blocks of one day may overlap (they are merged).
 */
export const SendingWindow = z
  .strictObject(
    Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(Block).optional()])) as Record<
      Weekday,
      z.ZodOptional<z.ZodArray<typeof Block>>
    >,
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `${issue.keys.map((key) => show(key)).join(', ')} is not a weekday; use ${WEEKDAYS.join(', ')}`
          : undefined,
    },
  )
  .refine((window) => WEEKDAYS.some((day) => (window[day]?.length ?? 0) > 0), {
    error: 'has no block on any weekday, so nothing could ever be sent; leave it out to send at any time',
  });
export type SendingWindow = z.output<typeof SendingWindow>;

/** A window prepared for the resolver: per ISO weekday − 1 (0 = Monday), sorted, merged blocks in minutes. */
export type CompiledWindow = readonly (readonly (readonly [number, number])[])[];

/** Prepares a checked {@link SendingWindow} for {@link windowOpening}. */
export function compileWindow(window: SendingWindow): CompiledWindow {
  return WEEKDAYS.map((day) => {
    const blocks = (window[day] ?? [])
      .map(([start, end]): [number, number] => [parseClockTime(start)!, endMinute(end)!])
      .sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const block of blocks) {
      const last = merged.at(-1);
      if (last && block[0] <= last[1]) last[1] = Math.max(last[1], block[1]);
      else merged.push([...block]);
    }
    return merged;
  });
}

/**
 * The first instant at or after `at` inside the window (SPEC R12), read in `zone`: the window
 * is open whenever the zone's clocks read a time inside one of that weekday's blocks.
 * A block whose start a spring-forward jump skips opens at the jump itself (its first
 * moment on the clock); a block the jump skips entirely does not open that night. On a
 * fall-back night the window opens at a block's first occurrence, or at its second when `at`
 * is already past the first; a send already inside the repeated hour goes at once.
 * @param at UTC ms. @returns UTC ms: `at` itself when the window is open then, else the
 *   start of the next block.
 * @throws Error when the window has no block at all (refused by {@link SendingWindow}).
 */
export function windowOpening(window: CompiledWindow, zone: ZoneClock, at: number): number {
  const wall = zone.toWall(at);
  const today = wallDay(wall);
  const ofDay = wall - today * DAY_MS;
  for (const [start, end] of window[isoWeekday(today) - 1]!) {
    if (ofDay >= start * MINUTE_MS && ofDay < end * MINUTE_MS) return at;
  }
  for (let day = today; day <= today + 8; day++) {
    for (const [start, end] of window[isoWeekday(day) - 1]!) {
      const opensWall = day * DAY_MS + start * MINUTE_MS;
      if (opensWall <= wall) continue;
      let opens = firstReading(zone, opensWall);
      // After a fall-back, `at` is in the repeated hour and the block's first occurrence has
      // passed: the block opens at its second occurrence, read with the offset in force now.
      if (opens <= at) opens = opensWall - zone.offsetMinutes(at) * MINUTE_MS;
      if (opens > at && zone.toWall(opens) < day * DAY_MS + end * MINUTE_MS) return opens;
    }
  }
  throw new Error('a sending window with no block never opens');
}

/** The first instant the zone's clocks read `wall` or later: `wall`'s own instant, or the jump that skips it. */
function firstReading(zone: ZoneClock, wall: number): number {
  let instant = zone.fromWall(wall);
  // In a gap, RFC 5545 lands as far past the jump as `wall` is past its start: step back to the jump.
  while (zone.toWall(instant) !== wall && zone.toWall(instant - MINUTE_MS) >= wall) instant -= MINUTE_MS;
  return instant;
}

/**
 * The window a campaign's emails keep to (SPEC R12): the campaign's own when it has one
 * (`"any"`: any time), else its mailbox's, else none.
 * @returns the compiled window, or undefined for any time.
 */
export function effectiveWindow(
  campaign: 'any' | SendingWindow | undefined,
  mailbox: SendingWindow | undefined,
): CompiledWindow | undefined {
  const window = campaign ?? mailbox;
  return window === undefined || window === 'any' ? undefined : compileWindow(window);
}

const weekdays = (start: string, end: string): SendingWindow => ({
  mon: [[start, end]],
  tue: [[start, end]],
  wed: [[start, end]],
  thu: [[start, end]],
  fri: [[start, end]],
});

/** The windows a mailbox form offers by name (SPEC R12's default is weekdays 08:00–18:00). */
export const WINDOW_PRESETS: readonly { id: string; label: string; window: SendingWindow | null }[] = [
  { id: 'any', label: 'Any time', window: null },
  { id: 'weekdays-8-18', label: 'Weekdays 08:00–18:00', window: weekdays('08:00', '18:00') },
  { id: 'weekdays-9-17', label: 'Weekdays 09:00–17:00', window: weekdays('09:00', '17:00') },
];

/** The preset a stored window is, or `custom` when it is none of them (absent: `any`). */
export function windowPreset(window: SendingWindow | undefined): string {
  if (!window) return 'any';
  const same = WINDOW_PRESETS.find((preset) => JSON.stringify(preset.window) === JSON.stringify(window));
  return same?.id ?? 'custom';
}

/** Weekday names as the screens and error messages write them. */
export const WEEKDAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/**
 * What keeps a window typed in a form from being saved (SPEC R12, §8): each block needs a start
 * and an end (`HH:mm`, the end `24:00` for midnight) with start before end, blocks of one day
 * must not overlap, and some day must have a block. Stricter than {@link SendingWindow}, which
 * merges overlapping blocks of a scenario: in a form an overlap is a typing mistake.
 * @param window blocks per weekday as typed, `[start, end]` strings (empty when not filled in).
 * @param prefix the field path the problems start with (`sendingWindow.tue[1]`).
 * @returns the problems, in weekday then block order; empty when the window is good.
 */
export function windowProblems(
  window: Partial<Record<Weekday, readonly (readonly [string, string])[]>>,
  prefix = 'sendingWindow',
): Problem[] {
  const problems: Problem[] = [];
  for (const day of WEEKDAYS) {
    const blocks = window[day] ?? [];
    const good: { index: number; from: number; to: number }[] = [];
    blocks.forEach(([start, end], index) => {
      const path = `${prefix}.${day}[${index}]`;
      const name = `${WEEKDAY_NAMES[day]}, hours ${index + 1}`;
      const from = parseClockTime(start);
      const to = endMinute(end);
      if (from === undefined)
        problems.push({ path, message: `${name}: the start ${show(start)} is not a time of day (HH:mm, 00:00–23:59)` });
      else if (to === undefined)
        problems.push({
          path,
          message: `${name}: the end ${show(end)} is not a time of day (HH:mm; 24:00 is midnight)`,
        });
      else if (to <= from)
        problems.push({ path, message: `${name}: ${start}–${end} ends before it starts; end after ${start}` });
      else good.push({ index, from, to });
    });
    // Sorted by start, a block overlaps when it starts before the furthest end so far.
    const sorted = [...good].sort((a, b) => a.from - b.from || a.index - b.index);
    const text = (b: { index: number }) => `${blocks[b.index]![0]}–${blocks[b.index]![1]}`;
    let reach = sorted[0];
    for (const block of sorted.slice(1)) {
      if (block.from < reach!.to) {
        const [later, other] = block.index > reach!.index ? [block, reach!] : [reach!, block];
        problems.push({
          path: `${prefix}.${day}[${later.index}]`,
          message: `${WEEKDAY_NAMES[day]}, hours ${later.index + 1}: ${text(later)} overlaps ${text(other)}; let one end before the other starts`,
        });
      }
      if (block.to > reach!.to) reach = block;
    }
  }
  if (problems.length === 0 && !WEEKDAYS.some((day) => (window[day]?.length ?? 0) > 0))
    problems.push({
      path: prefix,
      message: 'has no hours on any day, so nothing could ever be sent; add hours, or pick "Any time"',
    });
  return problems;
}

/** Blocks per weekday, every weekday present (empty: no sending), as a form edits a window. */
export type WindowDraft = Record<Weekday, [string, string][]>;

/** A stored window as a form edits it (a copy); absent gives every day empty. */
export function windowDraft(window: SendingWindow | undefined): WindowDraft {
  return Object.fromEntries(
    WEEKDAYS.map((day) => [day, (window?.[day] ?? []).map(([start, end]) => [start, end] as [string, string])]),
  ) as WindowDraft;
}

/**
 * The window a form's draft stands for: days without blocks left out (SPEC §10), blocks in order.
 * Check it with {@link windowProblems} first.
 */
export function windowFromDraft(draft: WindowDraft): SendingWindow {
  const window: SendingWindow = {};
  for (const day of WEEKDAYS) {
    const blocks = draft[day]
      .map(([start, end]) => [start, end] as [string, string])
      .sort((a, b) => a[0].localeCompare(b[0]));
    if (blocks.length > 0) window[day] = blocks;
  }
  return window;
}
