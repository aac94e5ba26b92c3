import { describe, expect, it } from 'vitest';
import { plannedSubject, readDay, STEP_KIND_LABELS, stepLabel, taskTitleLabel } from './campaign';

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

describe('the subject a waiting email will go with (R10), as screens show it', () => {
  const email = (id: string, subject: string, followUp: boolean) => ({
    id,
    day: 1,
    type: 'email' as const,
    subject,
    body: 'x',
    send: { timing: 'at_time' as const, time: '09:00', followUp },
  });
  const steps = [
    email('s1', 'Re: Quick question', false),
    email('s2', '', true),
    email('s3', '', true),
    email('s4', '', false),
    { id: 'c1', day: 1, type: 'call' as const, title: 'Call', notes: '' },
    email('s5', 'Last note', true),
  ];
  it.each([
    [0, 'Re: Quick question'],
    [1, 'Re: Quick question'],
    [2, 'Re: Quick question'],
    [3, 'Quick question'],
    [4, ''],
    [5, 'Last note'],
  ])('step %i: %j, never "Re: Re:"', (index, subject) => {
    expect(plannedSubject(steps, index)).toBe(subject);
  });

  // A subject template whose merged value starts with a reply prefix ({{topic}} = "Re: pricing",
  // "RE: pricing", "Re[2]: pricing"): the person's follow-up is still one "Re: ", as sent (R10).
  const merged = [email('m1', '{{topic}}', false), email('m2', '', true), email('m3', '', false)];
  it.each([
    ['Re: pricing', 1, 'Re: pricing'],
    ['RE: pricing', 1, 'Re: pricing'],
    ['Re[2]: pricing', 1, 'Re: pricing'],
    ['re:re: pricing', 1, 'Re: pricing'],
    ['pricing', 1, 'Re: pricing'],
    ['Re: pricing', 0, 'Re: pricing'],
    ['Re: pricing', 2, 'pricing'],
  ])('{{topic}} = %j, step %i for that person: %j', (topic, index, subject) => {
    expect(plannedSubject(merged, index, (template) => template.replace('{{topic}}', topic))).toBe(subject);
  });
});

describe('what each step kind is called on every screen', () => {
  it.each([
    ['email', 'Email'],
    ['call', 'Call'],
    ['linkedin', 'LinkedIn'],
    ['custom', 'Task'],
  ] as const)('%s: %j', (kind, label) => {
    expect(STEP_KIND_LABELS[kind]).toBe(label);
  });
  it.each([
    ['call', 'Call title'],
    ['linkedin', 'LinkedIn task title'],
    ['custom', 'Task title'],
  ] as const)('the title field of a %s step: %j', (kind, label) => {
    expect(taskTitleLabel(kind)).toBe(label);
  });
});

describe('the one name of a step on every screen', () => {
  it('is its number, its day and its kind, an email sent by hand an "Email task"', () => {
    expect(stepLabel({ type: 'email', day: 1, send: { timing: 'at_time' } }, 0)).toBe('Step 1 · Day 1 · Email');
    expect(stepLabel({ type: 'email', day: 2, send: { timing: 'task' } }, 1)).toBe('Step 2 · Day 2 · Email task');
    expect(stepLabel({ type: 'call', day: 4 }, 2)).toBe('Step 3 · Day 4 · Call');
    expect(stepLabel({ type: 'linkedin', day: 5 }, 3)).toBe('Step 4 · Day 5 · LinkedIn');
    expect(stepLabel({ type: 'custom', day: 9 }, 4)).toBe('Step 5 · Day 9 · Task');
  });
});
