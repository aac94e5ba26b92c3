import { describe, expect, it } from 'vitest';
import { formatWhen, listZone, movedNote } from './format';

// Monday 9 March 2026, 13:30Z: 09:30 in New York (EDT since 8 March), 14:30 in Berlin (CET).
const AT = Date.parse('2026-03-09T13:30:00Z');

describe('formatWhen', () => {
  it('writes the instant in the zone it is given, with the zone named', () => {
    expect(formatWhen(AT, 'America/New_York')).toBe('Mon 9 Mar, 09:30 EDT');
    expect(formatWhen(AT, 'Europe/Berlin')).toBe('Mon 9 Mar, 14:30 GMT+1');
    expect(formatWhen(AT, 'UTC')).toBe('Mon 9 Mar, 13:30 UTC');
  });

  it("adds the person's own time beside the mailbox's when they differ, and only then", () => {
    expect(formatWhen(AT, 'America/New_York', { besideLocal: true, here: 'Asia/Tokyo' })).toBe(
      'Mon 9 Mar, 09:30 EDT (22:30 GMT+9 here)',
    );
    expect(
      formatWhen(Date.parse('2026-03-10T00:30:00Z'), 'America/New_York', { besideLocal: true, here: 'Asia/Tokyo' }),
    ).toBe('Mon 9 Mar, 20:30 EDT (Tue 10 Mar, 09:30 GMT+9 here)');
    expect(formatWhen(AT, 'America/New_York', { besideLocal: true, here: 'America/Toronto' })).toBe(
      'Mon 9 Mar, 09:30 EDT',
    );
  });

  it('falls back to UTC, named, for a zone the database does not know, and never throws', () => {
    expect(formatWhen(AT, 'Etc/Unknown')).toBe('Mon 9 Mar, 13:30 UTC');
    expect(formatWhen(Number.NaN, 'America/New_York')).toBe('—');
  });
});

describe('movedNote', () => {
  // Mon 30 Nov 2026, 09:00 in New York (EST) = 14:00Z.
  const MONDAY_NINE = Date.parse('2026-11-30T14:00:00Z');

  it('says where R12 moved a send, in the person’s zone', () => {
    expect(movedNote({ kind: 'window' }, MONDAY_NINE, 'America/New_York')).toBe(
      'Moved to Mon 09:00 — outside sending hours',
    );
    expect(movedNote({ kind: 'window' }, MONDAY_NINE, 'America/New_York', 'America/Toronto')).toBe(
      'Moved to Mon 09:00 — outside sending hours',
    );
    expect(movedNote({ kind: 'window' }, MONDAY_NINE, 'America/New_York', 'Europe/Berlin')).toBe(
      'Moved to Mon 09:00 their time — outside sending hours',
    );
  });

  it('names the holiday R13 moved it off, or the mailbox’s own day off', () => {
    const thanksgiving = { date: '2026-11-26', name: 'Thanksgiving Day' };
    expect(movedNote({ kind: 'holiday', holiday: thanksgiving }, MONDAY_NINE, 'America/New_York')).toBe(
      'Moved — 26 Nov is a holiday (Thanksgiving Day)',
    );
    expect(movedNote({ kind: 'holiday', holiday: { date: '2026-12-24', name: 'a day off' } }, MONDAY_NINE, 'UTC')).toBe(
      'Moved — 24 Dec is one of your days off',
    );
  });
});

describe('listZone', () => {
  it("writes a list in the mailbox's zone when every mailbox has that one, else in this computer's", () => {
    expect(listZone(['America/New_York'], 'Europe/Berlin')).toEqual({ zone: 'America/New_York', whose: 'mailbox' });
    expect(listZone(['America/New_York', 'America/New_York'], 'Europe/Berlin')).toEqual({
      zone: 'America/New_York',
      whose: 'mailbox',
    });
    expect(listZone([], 'Europe/Berlin')).toEqual({ zone: 'Europe/Berlin', whose: 'computer' });
    expect(listZone(['America/New_York', 'Asia/Tokyo'], 'Europe/Berlin')).toEqual({
      zone: 'Europe/Berlin',
      whose: 'computer',
    });
  });

  it('counts a mailbox zone the database does not know as UTC, as its times are written', () => {
    expect(listZone(['Mars/Olympus'], 'Europe/Berlin')).toEqual({
      zone: 'UTC',
      whose: 'mailbox',
      unknown: 'Mars/Olympus',
    });
  });
});
