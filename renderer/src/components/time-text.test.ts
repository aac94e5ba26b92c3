import { describe, expect, it } from 'vitest';
import { readClock, stepClock } from './time-text';

describe('readClock: what a person types into a 24-hour time field', () => {
  it.each([
    ['09:30', false, '09:30'],
    ['9:30', false, '09:30'],
    ['0930', false, '09:30'],
    ['930', false, '09:30'],
    ['9', false, '09:00'],
    ['17.45', false, '17:45'],
    [' 23:59 ', false, '23:59'],
    ['00:00', false, '00:00'],
    ['00:00', true, '24:00'],
    ['24:00', true, '24:00'],
    ['24:00', false, undefined],
    ['25:00', true, undefined],
    ['12:60', false, undefined],
    ['5:30 PM', false, undefined],
    ['12:30 AM', false, undefined],
    ['9:3', false, undefined],
    ['', false, undefined],
  ])('%j (end of day: %s) reads %j', (typed, midnightEnd, expected) => {
    expect(readClock(typed, midnightEnd)).toBe(expected);
  });
});

describe('stepClock: ↑/↓ in a time field', () => {
  it.each([
    ['09:00', 15, false, '09:15'],
    ['09:07', 15, false, '09:15'],
    ['09:07', -15, false, '09:00'],
    ['09:00', -60, false, '08:00'],
    ['23:50', 15, false, '23:59'],
    ['00:10', -15, false, '00:00'],
    ['23:45', 15, true, '24:00'],
    ['24:00', 15, true, '24:00'],
    ['00:30', -15, true, '00:15'],
    ['00:15', -15, true, '00:15'],
    ['', 15, false, '09:15'],
  ])('%j %+d min (end of day: %s) is %j', (clock, step, midnightEnd, expected) => {
    expect(stepClock(clock, step, midnightEnd)).toBe(expected);
  });
});
