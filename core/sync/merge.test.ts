import { describe, expect, it } from 'vitest';
import { deepEqual, threeWayMerge } from './merge';

const campaign = {
  id: 'c1',
  name: 'Spring',
  steps: [
    { id: 's1', day: 0, body: 'Hello' },
    { id: 's2', day: 3, body: 'Following up' },
    { id: 's3', day: 7, body: 'Last note' },
  ],
};

function withStep(id: string, change: Record<string, unknown>) {
  return { ...campaign, steps: campaign.steps.map((step) => (step.id === id ? { ...step, ...change } : step)) };
}

describe('deepEqual', () => {
  it('ignores key order and compares arrays by position', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual([], {})).toBe(false);
  });
});

describe('threeWayMerge', () => {
  it('takes the side that changed when only one did', () => {
    const mine = { ...campaign, name: 'Summer' };
    expect(threeWayMerge(campaign, mine, campaign)).toEqual({ value: mine, conflicts: [] });
    expect(threeWayMerge(campaign, campaign, mine)).toEqual({ value: mine, conflicts: [] });
  });

  it('keeps one step body edit and another step day edit, with no conflict', () => {
    const mine = withStep('s1', { body: 'Hello there' });
    const theirs = withStep('s2', { day: 4 });
    const result = threeWayMerge(campaign, mine, theirs);
    expect(result.conflicts).toEqual([]);
    expect(result.value.steps).toEqual([
      { id: 's1', day: 0, body: 'Hello there' },
      { id: 's2', day: 4, body: 'Following up' },
      { id: 's3', day: 7, body: 'Last note' },
    ]);
  });

  it('keeps theirs and names the field when both edit the same body differently', () => {
    const mine = withStep('s2', { body: 'Mine' });
    const theirs = withStep('s2', { body: 'Theirs', day: 5 });
    const result = threeWayMerge(campaign, mine, theirs);
    expect(result.conflicts).toEqual(['steps[id=s2].body']);
    expect(result.value.steps[1]).toEqual({ id: 's2', day: 5, body: 'Theirs' });
  });

  it('sees no conflict when both made the same change', () => {
    const both = withStep('s2', { body: 'Same' });
    expect(threeWayMerge(campaign, both, structuredClone(both))).toEqual({ value: both, conflicts: [] });
  });

  it('keeps steps added on either side, after their predecessor', () => {
    const mine = { ...campaign, steps: [...campaign.steps, { id: 'm4', day: 9, body: 'Mine new' }] };
    const theirs = {
      ...campaign,
      steps: [campaign.steps[0]!, { id: 't2', day: 1, body: 'Theirs new' }, ...campaign.steps.slice(1)],
    };
    const result = threeWayMerge(campaign, mine, theirs);
    expect(result.conflicts).toEqual([]);
    expect(result.value.steps.map((step) => step.id)).toEqual(['s1', 't2', 's2', 's3', 'm4']);
  });

  it('removes a step removed on one side and untouched on the other', () => {
    const mine = { ...campaign, steps: campaign.steps.filter((step) => step.id !== 's3') };
    const theirs = withStep('s1', { body: 'Hi' });
    const result = threeWayMerge(campaign, mine, theirs);
    expect(result.conflicts).toEqual([]);
    expect(result.value.steps.map((step) => step.id)).toEqual(['s1', 's2']);
    expect(result.value.steps[0]!.body).toBe('Hi');
  });

  it('keeps a step edited on one side and removed on the other, as a conflict', () => {
    const mine = withStep('s3', { body: 'Edited' });
    const theirs = { ...campaign, steps: campaign.steps.filter((step) => step.id !== 's3') };
    const result = threeWayMerge(campaign, mine, theirs);
    expect(result.conflicts).toEqual(['steps[id=s3]']);
    expect(result.value.steps.at(-1)).toEqual({ id: 's3', day: 7, body: 'Edited' });
  });

  it("takes mine's order when theirs kept base's order", () => {
    const mine = { ...campaign, steps: [campaign.steps[1]!, campaign.steps[0]!, campaign.steps[2]!] };
    const theirs = withStep('s3', { day: 8 });
    const result = threeWayMerge(campaign, mine, theirs);
    expect(result.value.steps.map((step) => `${step.id}:${step.day}`)).toEqual(['s2:3', 's1:0', 's3:8']);
  });

  it('merges keys added and removed, and conflicts on a key both added differently', () => {
    const base = { id: 'x', a: 1, b: 2 };
    const mine = { id: 'x', a: 1, c: 3, d: 'mine' } as Record<string, unknown>;
    const theirs = { id: 'x', a: 5, b: 2, d: 'theirs' } as Record<string, unknown>;
    const result = threeWayMerge(base, mine, theirs);
    expect(result.value).toEqual({ id: 'x', a: 5, d: 'theirs', c: 3 });
    expect(result.conflicts).toEqual(['d']);
  });

  it('treats arrays without ids as one value', () => {
    const base = { id: 'x', tags: ['a'] };
    const result = threeWayMerge(base, { id: 'x', tags: ['a', 'b'] }, { id: 'x', tags: ['c'] });
    expect(result).toEqual({ value: { id: 'x', tags: ['c'] }, conflicts: ['tags'] });
  });

  it('merges two rows created with the same id from no base', () => {
    const result = threeWayMerge(undefined, { id: 'x', a: 1, b: 2 }, { id: 'x', a: 1, b: 3 });
    expect(result).toEqual({ value: { id: 'x', a: 1, b: 3 }, conflicts: ['b'] });
  });

  it('reports the root when the values are of different kinds', () => {
    expect(threeWayMerge<unknown>(1, 'two', 3)).toEqual({ value: 3, conflicts: ['(root)'] });
  });
});

describe('bookkeeping fields', () => {
  it('updatedAt and version take the larger number and are never a conflict', () => {
    const base = {
      id: 'c',
      name: 'Q2',
      updatedAt: 1,
      version: 3,
      steps: [
        { id: 's1', day: 1 },
        { id: 's2', day: 3 },
      ],
    };
    const mine = {
      ...base,
      updatedAt: 5,
      version: 4,
      steps: [
        { id: 's1', day: 2 },
        { id: 's2', day: 3 },
      ],
    };
    const theirs = {
      ...base,
      updatedAt: 9,
      version: 4,
      steps: [
        { id: 's1', day: 1 },
        { id: 's2', day: 4 },
      ],
    };
    expect(threeWayMerge(base, mine, theirs)).toEqual({
      value: {
        ...base,
        updatedAt: 9,
        version: 4,
        steps: [
          { id: 's1', day: 2 },
          { id: 's2', day: 4 },
        ],
      },
      conflicts: [],
    });
  });
});
