import { IANAZone } from 'luxon';
import { show } from './errors';

/**
 * Time-zone arithmetic for the resolver (SPEC R1–R3), memoised so that planning
 * many people costs few calls into `Intl` (the expensive part of any zone
 * conversion). Instants are UTC epoch milliseconds; a *wall* value is the local
 * date and time written as if it were UTC (epoch ms), so calendar arithmetic on
 * it is plain integer arithmetic with no zone involved.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Abbreviations people type for a zone, with the IANA name to offer instead. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CT: 'America/Chicago',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  MT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  AKST: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  GMT: 'UTC',
  UTC: 'UTC',
  Z: 'UTC',
  BST: 'Europe/London',
  WET: 'Europe/Lisbon',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  EET: 'Europe/Athens',
  MSK: 'Europe/Moscow',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  SGT: 'Asia/Singapore',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
  NZST: 'Pacific/Auckland',
};

/** True when `name` is a real zone written in the wrong case (`america/new_york`). */
function miscased(name: string): boolean {
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  return resolved !== name && resolved.toLowerCase() === name.toLowerCase();
}

let knownNames: readonly string[] | undefined;
function canonicalZoneNames(): readonly string[] {
  knownNames ??= Intl.supportedValuesOf('timeZone');
  return knownNames;
}

const validity = new Map<string, boolean>();

/**
 * True when `name` is an IANA zone name this runtime knows (`Area/Location`,
 * `Etc/GMT+5`, or `UTC`). Bare offsets (`GMT-5`, `+05:00`) and abbreviations
 * (`EST`) are refused even where `Intl` would accept them: SPEC §1 says a zone is
 * always an IANA name.
 */
export function isIanaZone(name: string): boolean {
  const cached = validity.get(name);
  if (cached !== undefined) return cached;
  // Intl matches names case-insensitively; a zone is stored and shown as IANA spells it.
  const ok =
    (name === 'UTC' || /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+$/.test(name)) &&
    IANAZone.isValidZone(name) &&
    !miscased(name);
  validity.set(name, ok);
  return ok;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * The IANA name a person most likely meant by `input`, or undefined:
 * `EST` → `America/New_York`, `GMT-5` → `Etc/GMT+5` (POSIX sign, UTC−05:00),
 * `America/New_Yrok` → `America/New_York` (nearest name by edit distance ≤ 3).
 */
export function suggestZone(input: string): string | undefined {
  const trimmed = input.trim();
  const abbreviation = ABBREVIATIONS[trimmed.toUpperCase()];
  if (abbreviation) return abbreviation;
  const offset = /^(?:UTC|GMT)?\s*([+\-−])\s*(\d{1,2})(?::?00)?$/i.exec(trimmed);
  if (offset) {
    const hours = Number(offset[2]);
    if (hours === 0) return 'UTC';
    // Etc/GMT zones use the POSIX sign: Etc/GMT+5 is five hours *behind* UTC.
    if (hours <= 14) return `Etc/GMT${offset[1] === '+' ? '-' : '+'}${hours}`;
  }
  const lower = trimmed.toLowerCase().replace(/\s+/g, '_');
  let best: string | undefined;
  let bestDistance = 4;
  for (const name of canonicalZoneNames()) {
    const candidate = name.toLowerCase();
    if (candidate === lower) return name;
    const distance = editDistance(lower, candidate);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Why `name` is not accepted as a zone, naming the value and offering the IANA
 * name when one is near, or undefined when it is a valid IANA name.
 */
export function zoneProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `${show(name)} is not a time-zone name`;
  if (isIanaZone(name)) return undefined;
  const suggestion = suggestZone(name);
  const hint = suggestion ? `; did you mean "${suggestion}"?` : ' (use an IANA name such as "America/New_York")';
  return `${show(name)} is not an IANA time-zone name${hint}`;
}

/** A zone with its offsets memoised per UTC hour. */
export class ZoneClock {
  readonly name: string;
  private readonly zone: IANAZone;
  /** hour index → offset in minutes, or NaN when the offset changes inside that hour. */
  private readonly hourly = new Map<number, number>();

  private constructor(name: string) {
    this.name = name;
    this.zone = IANAZone.create(name);
  }

  private static readonly clocks = new Map<string, ZoneClock>();

  /**
   * The shared clock for IANA zone `name`.
   * @throws Error naming the value when `name` is not an IANA zone (see {@link isIanaZone}).
   */
  static for(name: string): ZoneClock {
    let clock = ZoneClock.clocks.get(name);
    if (!clock) {
      const problem = zoneProblem(name);
      if (problem) throw new Error(problem);
      clock = new ZoneClock(name);
      ZoneClock.clocks.set(name, clock);
    }
    return clock;
  }

  /** The zone's UTC offset at instant `utcMs`, in minutes (New York in winter: −300). */
  offsetMinutes(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR_MS);
    let offset = this.hourly.get(hour);
    if (offset === undefined) {
      const start = this.zone.offset(hour * HOUR_MS);
      const end = this.zone.offset(hour * HOUR_MS + HOUR_MS - 1);
      offset = start === end ? start : Number.NaN;
      this.hourly.set(hour, offset);
    }
    return Number.isNaN(offset) ? this.zone.offset(utcMs) : offset;
  }

  /** The wall value (local date and time as if UTC, epoch ms) of instant `utcMs` in this zone. */
  toWall(utcMs: number): number {
    return utcMs + this.offsetMinutes(utcMs) * MINUTE_MS;
  }

  /**
   * The instant (UTC epoch ms) at which this zone's clocks read `wallMs`, by RFC 5545
   * §3.3.5: a wall time skipped by a forward jump moves forward by the jump
   * (02:30 on a spring-forward night is 03:30 of the new offset), and a wall time
   * that occurs twice takes its first occurrence (the earlier instant).
   */
  fromWall(wallMs: number): number {
    const before = this.offsetMinutes(wallMs - 1.5 * DAY_MS);
    const after = this.offsetMinutes(wallMs + 1.5 * DAY_MS);
    let best = Number.POSITIVE_INFINITY;
    const earlier = wallMs - before * MINUTE_MS;
    if (this.offsetMinutes(earlier) === before) best = earlier;
    if (after !== before) {
      const later = wallMs - after * MINUTE_MS;
      if (this.offsetMinutes(later) === after && later < best) best = later;
    }
    // No offset maps to this wall time: it falls in a gap. Reading it with the
    // offset in force before the gap lands the same distance past the jump.
    return best !== Number.POSITIVE_INFINITY ? best : earlier;
  }
}

/** Day number (days since 1970-01-01) of a wall value. */
export function wallDay(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

/** Minute of the day (0–1439) of a wall value. */
export function wallMinute(wallMs: number): number {
  return Math.floor((wallMs - wallDay(wallMs) * DAY_MS) / MINUTE_MS);
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Monday–Friday days in the range of day numbers (from, to]; 0 when to ≤ from. */
export function businessDaysBetween(from: number, to: number): number {
  if (to <= from) return 0;
  // Count weekdays in [−3, x) with day −3 a Monday, then subtract.
  const upTo = (x: number): number => {
    const y = x + 3;
    const weeks = Math.floor(y / 7);
    return weeks * 5 + Math.min(y - weeks * 7, 5);
  };
  return upTo(to + 1) - upTo(from + 1);
}

/** The `n`-th Monday–Friday day number after `day` (n ≥ 0; n = 0 gives `day` itself). */
export function addBusinessDays(day: number, n: number): number {
  if (n <= 0) return day;
  let start = day;
  const weekday = isoWeekday(start);
  if (weekday === 6) start -= 1;
  else if (weekday === 7) start -= 2;
  let result = start + Math.floor(n / 5) * 7;
  let rest = n % 5;
  while (rest > 0) {
    result += 1;
    if (isoWeekday(result) <= 5) rest -= 1;
  }
  return result;
}

/** Parses `HH:mm` (00:00–23:59) into minutes of the day, or undefined when it is not such a time. */
export function parseClockTime(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** The zone to show this computer's times in, and what to tell the person when its own is unknown. */
export interface MachineZone {
  /** A zone `Intl` formats with: the computer's own, else the fallback, else `UTC`. */
  zone: string;
  /** What the runtime reported as the computer's zone (`Etc/Unknown`, a garbage name, or undefined). */
  reported: string | undefined;
  /** Null when the computer's own zone is used; otherwise a sentence for the person saying which zone is shown instead. */
  note: string | null;
}

function formatsWith(zone: string | undefined): zone is string {
  if (!zone || zone === 'Etc/Unknown') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone }).format(0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The computer's time zone, safe to pass as `timeZone:` to `Intl`. When the operating
 * system's zone is unknown to the runtime's zone database, Chromium and Node report
 * `Etc/Unknown` (or nothing) and formatting with it throws `RangeError`; then the
 * `fallback` (e.g. the mailbox's zone) is used, else `UTC`, and `note` says so. Never throws.
 * @param options.fallback an IANA zone to use instead (ignored when it is not one)
 * @param options.fallbackLabel what the fallback is, for the note (e.g. "the mailbox's zone")
 * @param options.reported the zone the computer reported; defaults to
 *   `Intl.DateTimeFormat().resolvedOptions().timeZone` (tests pass one)
 */
export function machineZone(
  options: { fallback?: string; fallbackLabel?: string; reported?: string | undefined } = {},
): MachineZone {
  let reported: string | undefined;
  if ('reported' in options) reported = options.reported;
  else {
    try {
      reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {
      reported = undefined;
    }
  }
  if (formatsWith(reported)) return { zone: reported, reported, note: null };
  const useFallback = formatsWith(options.fallback);
  const zone = useFallback ? options.fallback! : 'UTC';
  const label = useFallback && options.fallbackLabel ? ` (${options.fallbackLabel})` : '';
  const what = reported
    ? `This computer's time zone ${show(reported)} is unknown`
    : "This computer's time zone is unknown";
  return { zone, reported, note: `${what}; times are shown in ${zone}${label}.` };
}
