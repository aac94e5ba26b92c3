import { describe, expect, it } from 'vitest';
import { formatWhen } from './format';

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
