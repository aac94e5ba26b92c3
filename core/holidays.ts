import Holidays from 'date-holidays';
import { z } from 'zod';
import { show, type Problem } from './errors';
import { DAY_MS } from './zones';

/**
 * Public holidays (SPEC R13) from date-holidays, a maintained calendar of 200 countries
 * with their regions (US states, German Länder, Swiss cantons…). Holidays are dates, read
 * in the enrollment's zone Z; the resolver asks by day number (days since 1970-01-01).
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a `YYYY-MM-DD` date, or undefined when it is no calendar date. */
function dayNumber(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return ms / DAY_MS;
}

const IsoDate = z.string().refine((value) => dayNumber(value) !== undefined, {
  error: (issue) => `${show(issue.input)} is not a date (use YYYY-MM-DD, e.g. "2026-12-24")`,
});

const catalogue = new Holidays();

/**
 * A mailbox's holiday calendar (SPEC R13, §10): `{"country": "US", "region": "NY",
 * "extra": ["2026-12-24"], "workdays": []}`. `country` is an ISO 3166-1 code, `region` the
 * library's code for a state or Land (ISO 3166-2 without the country); `extra` dates are
 * days off too, `workdays` are worked even when a holiday or a weekend falls on them.
 * `country` may be left out: then only the mailbox's own `extra` days are off.
 */
export const HolidayCalendar = z
  .object({
    country: z
      .string()
      .refine((code) => code in catalogue.getCountries(), {
        error: (issue) =>
          `${show(issue.input)} is not a country the holiday calendar knows (use ISO codes: "US", "DE")`,
      })
      .optional(),
    region: z.string().optional(),
    extra: z.array(IsoDate).default([]),
    workdays: z.array(IsoDate).default([]),
  })
  .check((ctx) => {
    const { country, region } = ctx.value;
    if (region === undefined || country === undefined || !(country in catalogue.getCountries())) return;
    const regions = catalogue.getStates(country) ?? {};
    if (!(region in regions)) {
      const known = Object.keys(regions);
      ctx.issues.push({
        code: 'custom',
        path: ['region'],
        input: region,
        message: `${show(region)} is not a region of ${country}${known.length ? ` (known: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''})` : '; it has none'}`,
      });
    }
  });
export type HolidayCalendar = z.output<typeof HolidayCalendar>;

/** A calendar prepared for the resolver: whether a day number is a day off, per year on first ask. */
export interface CompiledHolidays {
  /** True when `day` (days since 1970-01-01, a date in Z) is a public holiday or an extra day off, and not a listed workday. */
  isHoliday(day: number): boolean;
  /** True when `day` is a listed workday (worked even on a weekend). */
  isWorkday(day: number): boolean;
  /**
   * What a day off is called, for the screens: the library's English name ("Thanksgiving Day"),
   * "a day off" for one of the mailbox's own extra dates; undefined when `day` is no holiday.
   */
  nameOf(day: number): string | undefined;
}

/** Prepares a checked {@link HolidayCalendar} for the resolver. */
export function compileHolidays(calendar: HolidayCalendar): CompiledHolidays {
  // No country: no public holidays, only the mailbox's own days off.
  const source =
    calendar.country === undefined
      ? undefined
      : calendar.region
        ? new Holidays(calendar.country, calendar.region, { languages: ['en'] })
        : new Holidays(calendar.country, { languages: ['en'] });
  const extra = calendar.extra.map((date) => dayNumber(date)!);
  const workdays = new Set(calendar.workdays.map((date) => dayNumber(date)!));
  // Days off of every year loaded so far, and the day range those years cover: the resolver
  // asks for many days of the same few years, so a lookup is one range check and one Set.
  const off = new Set<number>();
  const names = new Map<number, string>();
  let firstYear = 0;
  let lastYear = -1;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  const load = (year: number): void => {
    for (const holiday of source?.getHolidays(year) || []) {
      // `date` is the holiday's local date ("2026-04-03 00:00:00"); one that starts in the evening still names its day.
      if (holiday.type !== 'public') continue;
      const day = dayNumber(holiday.date.slice(0, 10))!;
      off.add(day);
      if (!names.has(day)) names.set(day, holiday.name);
    }
  };
  const cover = (day: number): void => {
    const year = new Date(day * DAY_MS).getUTCFullYear();
    const [start, end] = lastYear < firstYear ? [year, year] : [Math.min(year, firstYear), Math.max(year, lastYear)];
    for (let y = start; y <= end; y++) if (y < firstYear || y > lastYear || lastYear < firstYear) load(y);
    [firstYear, lastYear] = [start, end];
    from = Date.UTC(start, 0, 1) / DAY_MS;
    to = Date.UTC(end, 11, 31) / DAY_MS;
    for (const day of extra) off.add(day);
    for (const day of workdays) off.delete(day);
  };
  return {
    isHoliday(day) {
      if (day < from || day > to) cover(day);
      return off.has(day);
    },
    isWorkday: (day) => workdays.size > 0 && workdays.has(day),
    nameOf(day) {
      if (day < from || day > to) cover(day);
      return off.has(day) ? (names.get(day) ?? 'a day off') : undefined;
    },
  };
}

/**
 * The countries the holiday calendar knows, `[code, name]`, named in English as the rest of the
 * app is ("Germany", not "Deutschland") and sorted by that name (for a picker).
 */
export function holidayCountries(): [string, string][] {
  return Object.entries(catalogue.getCountries('en')).sort((a, b) => a[1].localeCompare(b[1], 'en'));
}

/** A country's regions (states, Länder…), `[code, name]` in English, sorted by name; empty when it has none. */
export function holidayRegions(country: string): [string, string][] {
  return Object.entries(catalogue.getStates(country, 'en') ?? {}).sort((a, b) => a[1].localeCompare(b[1], 'en'));
}

/**
 * What keeps a mailbox's own days (SPEC R13) from being saved as typed in a form: a date listed
 * twice, or both as a day off and as a working day (which would mean nothing).
 * @param calendar checked by {@link HolidayCalendar} already (every date is `YYYY-MM-DD`).
 * @returns problems at `holidays.extra[i]` / `holidays.workdays[i]`, naming the date; empty when good.
 */
export function holidayProblems(calendar: HolidayCalendar, prefix = 'holidays'): Problem[] {
  const problems: Problem[] = [];
  for (const list of ['extra', 'workdays'] as const) {
    calendar[list].forEach((date, index) => {
      if (calendar[list].indexOf(date) < index)
        problems.push({ path: `${prefix}.${list}[${index}]`, message: `${show(date)} is listed twice` });
    });
  }
  calendar.workdays.forEach((date, index) => {
    if (calendar.extra.includes(date))
      problems.push({
        path: `${prefix}.workdays[${index}]`,
        message: `${show(date)} is both a day off and a working day; keep it in one list`,
      });
  });
  return problems;
}
