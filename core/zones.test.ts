import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  businessDaysBetween,
  isIanaZone,
  isoWeekday,
  machineZone,
  suggestZone,
  zoneProblem,
} from './zones';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe('zone names (SPEC R1)', () => {
  it('accepts IANA names, including Etc/GMT+5 and UTC', () => {
    for (const name of ['America/New_York', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Etc/GMT-14', 'UTC']) {
      expect(isIanaZone(name), name).toBe(true);
    }
  });

  it('refuses bare offsets, abbreviations and misspellings', () => {
    for (const name of ['GMT-5', '+05:00', 'EST', 'America/New_Yrok', '', 'Mars/Olympus']) {
      expect(isIanaZone(name), name).toBe(false);
    }
  });

  it('suggests the IANA name', () => {
    expect(suggestZone('PST')).toBe('America/Los_Angeles');
    expect(suggestZone('UTC+5:30')).toBeUndefined();
    expect(suggestZone('UTC+2')).toBe('Etc/GMT-2');
    expect(suggestZone('europe/berlin')).toBe('Europe/Berlin');
    expect(zoneProblem('Mars/Olympus')).toBe(
      '"Mars/Olympus" is not an IANA time-zone name (use an IANA name such as "America/New_York")',
    );
  });
});

describe('calendar days and business days (SPEC R2, R8)', () => {
  it('knows the weekday of a day number', () => {
    expect(isoWeekday(day('2026-03-06'))).toBe(5);
    expect(isoWeekday(day('2026-03-08'))).toBe(7);
    expect(isoWeekday(day('1969-12-29'))).toBe(1);
  });

  it('adds Monday–Friday days after a date, from a weekday or a weekend', () => {
    expect(addBusinessDays(day('2026-03-06'), 1)).toBe(day('2026-03-09'));
    expect(addBusinessDays(day('2026-03-06'), 5)).toBe(day('2026-03-13'));
    expect(addBusinessDays(day('2026-03-07'), 1)).toBe(day('2026-03-09'));
    expect(addBusinessDays(day('2026-03-08'), 5)).toBe(day('2026-03-13'));
    expect(addBusinessDays(day('2026-03-08'), 6)).toBe(day('2026-03-16'));
    expect(addBusinessDays(day('2026-03-04'), 0)).toBe(day('2026-03-04'));
  });

  it('counts Monday–Friday days after a date up to and including another', () => {
    expect(businessDaysBetween(day('2026-03-06'), day('2026-03-09'))).toBe(1);
    expect(businessDaysBetween(day('2026-03-09'), day('2026-03-11'))).toBe(2);
    expect(businessDaysBetween(day('2026-03-06'), day('2026-03-08'))).toBe(0);
    expect(businessDaysBetween(day('2026-03-02'), day('2026-03-16'))).toBe(10);
    expect(businessDaysBetween(day('2026-03-09'), day('2026-03-09'))).toBe(0);
  });

  it('agrees with a day-by-day count over a year of date pairs', () => {
    const start = day('2026-01-01');
    for (let a = start; a < start + 60; a++) {
      for (let b = a; b < a + 30; b++) {
        let count = 0;
        for (let d = a + 1; d <= b; d++) if (isoWeekday(d) <= 5) count++;
        expect(businessDaysBetween(a, b)).toBe(count);
        if (isoWeekday(b) <= 5 && b > a) expect(addBusinessDays(a, count)).toBe(b);
      }
    }
  });
});

describe('machineZone', () => {
  it('uses the computer’s zone when the zone database knows it', () => {
    expect(machineZone({ reported: 'Europe/Berlin' })).toEqual({
      zone: 'Europe/Berlin',
      reported: 'Europe/Berlin',
      note: null,
    });
    expect(machineZone({ reported: 'UTC', fallback: 'Asia/Tokyo' }).zone).toBe('UTC');
  });

  it('falls back to the mailbox’s zone for Etc/Unknown, says so, and never throws', () => {
    const zone = machineZone({
      reported: 'Etc/Unknown',
      fallback: 'America/New_York',
      fallbackLabel: "the mailbox's zone",
    });
    expect(zone).toEqual({
      zone: 'America/New_York',
      reported: 'Etc/Unknown',
      note: 'This computer\'s time zone "Etc/Unknown" is unknown; times are shown in America/New_York (the mailbox\'s zone).',
    });
    expect(() => new Intl.DateTimeFormat('en-GB', { timeZone: zone.zone }).format(0)).not.toThrow();
  });

  it('falls back to UTC for garbage, nothing, or a bad fallback', () => {
    expect(machineZone({ reported: 'Mars/Olympus_Mons' })).toEqual({
      zone: 'UTC',
      reported: 'Mars/Olympus_Mons',
      note: 'This computer\'s time zone "Mars/Olympus_Mons" is unknown; times are shown in UTC.',
    });
    expect(machineZone({ reported: undefined }).note).toBe(
      "This computer's time zone is unknown; times are shown in UTC.",
    );
    expect(machineZone({ reported: '' }).zone).toBe('UTC');
    expect(machineZone({ reported: 'Etc/Unknown', fallback: 'Nowhere/Land' }).zone).toBe('UTC');
  });
});
