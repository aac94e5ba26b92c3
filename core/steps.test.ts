import { describe, expect, it } from 'vitest';
import type { Step } from './model';
import {
  draftProblems,
  followUpPatch,
  moveStep,
  newStep,
  orderByDay,
  patchStep,
  restoreStep,
  timingPatch,
  type CampaignDraftInput,
} from './steps';

const email = (id: string, day: number, send: Extract<Step, { type: 'email' }>['send'], subject?: string): Step => ({
  id,
  day,
  type: 'email',
  ...(subject === undefined ? {} : { subject }),
  body: 'Hi',
  send,
});
const atNine = { timing: 'at_time' as const, time: '09:00', followUp: false };
const call = (id: string, day: number): Step => ({ id, day, type: 'call', title: 'Ring', notes: '' });
const ids = (steps: readonly Step[]) => steps.map((s) => `${s.id}@${s.day}`);

describe('the step an editor adds (SPEC §1, §3)', () => {
  it.each<[string, Step['type'], Step[], Step]>([
    [
      'a first email: day 1, at 09:00, its own thread',
      'email',
      [],
      { id: 'n', day: 1, type: 'email', subject: '', body: '', send: atNine },
    ],
    [
      'an email right after an email: two days later, a follow-up at the same time',
      'email',
      [email('a', 1, atNine, 'Hello')],
      {
        id: 'n',
        day: 3,
        type: 'email',
        subject: undefined,
        body: '',
        send: { timing: 'same_as_previous', time: undefined, followUp: true },
      },
    ],
    [
      'an email after a call that followed an email: same time as that email, a new thread',
      'email',
      [email('a', 1, atNine, 'Hello'), call('c', 4)],
      {
        id: 'n',
        day: 6,
        type: 'email',
        subject: '',
        body: '',
        send: { timing: 'same_as_previous', time: undefined, followUp: false },
      },
    ],
    [
      'the first email after a call: at 09:00, a new thread',
      'email',
      [call('c', 1)],
      {
        id: 'n',
        day: 3,
        type: 'email',
        subject: '',
        body: '',
        send: { timing: 'at_time', time: '09:00', followUp: false },
      },
    ],
    ['a first call: day 1, empty title and notes', 'call', [], { id: 'n', day: 1, type: 'call', title: '', notes: '' }],
    [
      'a LinkedIn task after day 5: day 7',
      'linkedin',
      [call('c', 5)],
      { id: 'n', day: 7, type: 'linkedin', title: '', notes: '' },
    ],
    [
      'a custom task near the last day may pass it (the editor then shows the day problem)',
      'custom',
      [call('c', 3649)],
      { id: 'n', day: 3651, type: 'custom', title: '', notes: '' },
    ],
  ])('%s', (_, type, steps, expected) => {
    expect(newStep(type, steps, 'n')).toEqual(expected);
  });
});

describe('an edit merged into a step', () => {
  it.each<[string, Step, Parameters<typeof patchStep>[1], Step]>([
    ['a subject replaces', email('a', 1, atNine, 'Old'), { subject: 'New' }, email('a', 1, atNine, 'New')],
    [
      'send merges field by field',
      email('a', 1, atNine, 'S'),
      { send: { time: '14:30' } },
      email('a', 1, { ...atNine, time: '14:30' }, 'S'),
    ],
    ['send is ignored on a task step', call('c', 2), { send: { time: '14:30' } }, call('c', 2)],
    [
      'a title replaces on a task',
      call('c', 2),
      { title: 'Call back' },
      { id: 'c', day: 2, type: 'call', title: 'Call back', notes: '' },
    ],
  ])('%s', (_, step, patch, expected) => {
    expect(patchStep(step, patch)).toEqual(expected);
  });

  it('never changes the step it was given', () => {
    const step = email('a', 1, atNine, 'S');
    patchStep(step, { send: { time: '10:00' }, subject: 'T' });
    expect(step).toEqual(email('a', 1, atNine, 'S'));
  });
});

describe('picking a timing and the follow-up box (SPEC §3)', () => {
  it.each<[string, Parameters<typeof timingPatch>[0], Parameters<typeof timingPatch>[1], object]>([
    [
      'at a time, none set yet: 09:00',
      { timing: 'same_as_previous', followUp: false },
      'at_time',
      { timing: 'at_time', time: '09:00' },
    ],
    [
      'at a time keeps the time it had',
      { timing: 'task', time: '15:00', followUp: false },
      'at_time',
      { timing: 'at_time', time: '15:00' },
    ],
    [
      'another timing keeps the time for switching back',
      { timing: 'at_time', time: '15:00', followUp: false },
      'task',
      { timing: 'task', time: '15:00' },
    ],
  ])('%s', (_, send, timing, expected) => {
    expect(timingPatch(send, timing)).toEqual(expected);
  });

  it.each([
    [true, { followUp: true, timing: 'same_as_previous' }],
    [false, { followUp: false }],
  ])('follow-up %s gives %j', (followUp, expected) => {
    expect(followUpPatch(followUp)).toEqual(expected);
  });
});

describe('moving, ordering and restoring steps', () => {
  const steps = [call('a', 1), call('b', 1), call('c', 3), call('d', 5)];
  it.each<[string, number, -1 | 1, string[]]>([
    ['down within a day: swaps', 0, 1, ['b@1', 'a@1', 'c@3', 'd@5']],
    ['down at the edge of a day: joins the next day', 1, 1, ['a@1', 'b@3', 'c@3', 'd@5']],
    ['up at the edge of a day: joins the day before, last in it', 2, -1, ['a@1', 'b@1', 'c@1', 'd@5']],
    ['up from the first step: nothing changes', 0, -1, ['a@1', 'b@1', 'c@3', 'd@5']],
    ['down from the last step: nothing changes', 3, 1, ['a@1', 'b@1', 'c@3', 'd@5']],
  ])('%s', (_, index, direction, expected) => {
    expect(ids(moveStep(steps, index, direction))).toEqual(expected);
    expect(ids(steps)).toEqual(['a@1', 'b@1', 'c@3', 'd@5']);
  });

  it('orders by day and keeps the order within a day', () => {
    expect(ids(orderByDay([call('x', 4), call('a', 1), call('y', 4), call('b', 2)]))).toEqual([
      'a@1',
      'b@2',
      'x@4',
      'y@4',
    ]);
  });

  it.each<[string, Step[], number, string[]]>([
    ['back where it was', [call('a', 1), call('c', 3)], 1, ['a@1', 'b@2', 'c@3']],
    ['at the end when the campaign got shorter', [call('a', 1)], 5, ['a@1', 'b@2']],
    ['in day order when steps moved since', [call('a', 1), call('c', 1)], 0, ['a@1', 'c@1', 'b@2']],
  ])('undo of a delete: %s', (_, now, index, expected) => {
    expect(ids(restoreStep(now, index, call('b', 2)))).toEqual(expected);
  });
});

describe('what a draft campaign shows before launch (SPEC §8)', () => {
  const draft = (patch: Partial<CampaignDraftInput>): CampaignDraftInput => ({
    timeZoneMode: 'sender',
    skipWeekends: false,
    taskTime: '09:00',
    sendingWindow: null,
    steps: [email('a', 1, atNine, 'Hello')],
    ...patch,
  });
  it.each<[string, CampaignDraftInput, { problems: object[]; warnings: object[] }]>([
    ['a good one-email campaign: nothing', draft({}), { problems: [], warnings: [] }],
    [
      'no steps: named at campaign.steps',
      draft({ steps: [] }),
      {
        problems: [
          { path: 'campaign.steps', message: 'a campaign with no steps cannot be launched; add a first step on day 1' },
        ],
        warnings: [],
      },
    ],
    [
      'a field of the wrong shape: named at its path, nothing else checked',
      draft({ steps: [email('a', 1, { timing: 'at_time', time: '25:00', followUp: false }, 'Hello'), call('c', 0)] }),
      {
        problems: [
          { path: 'campaign.steps[0].send.time', message: expect.stringContaining('"25:00"') as unknown as string },
          { path: 'campaign.steps[1].day', message: expect.any(String) as unknown as string },
        ],
        warnings: [],
      },
    ],
  ])('%s', (_, input, expected) => {
    expect(draftProblems(input, 'c1')).toEqual(expected);
  });

  it('a null sending window is the mailbox’s hours (R12), not a bad value', () => {
    expect(draftProblems(draft({ sendingWindow: null })).problems).toEqual([]);
  });
});
