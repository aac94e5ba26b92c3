import { describe, expect, it } from 'vitest';
import { readDay } from './campaign';

describe('a step day as typed in the editor (SPEC §1, §8)', () => {
  it.each([
    ['1', { day: 1 }],
    [' 3 ', { day: 3 }],
    ['3650', { day: 3650 }],
    ['0', { problem: 'day 0 is before the campaign starts; the first day is day 1' }],
    ['-1', { problem: 'day -1 is before the campaign starts; the first day is day 1' }],
    ['1.5', { problem: 'day 1.5 is not a whole day; use a whole number from 1 to 3650' }],
    ['999999', { problem: 'day 999999 is past the longest campaign (3650 days)' }],
    ['', { problem: 'a step needs a day; use a whole number from 1 to 3650' }],
    ['abc', { problem: '"abc" is not a day; use a whole number from 1 to 3650' }],
  ])('%j reads as %j', (text, expected) => {
    expect(readDay(text)).toEqual(expected);
  });
});
