import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { Campaign } from '../model';
import { releaseNextStep, type ReleaseRun, type ReleaseTask } from './release';
import { sendingRules } from './rules';

/** Campaign in New York, launched Mon 2 Mar 2026 07:00 EST: day 1 at 09:00, day 3 a follow-up (same time), day 5 a call. */
const campaign = Campaign.parse({
  taskTime: '09:00',
  steps: [
    {
      id: 's1',
      day: 1,
      type: 'email',
      subject: 'Hello',
      body: '<p>Hi</p>',
      send: { timing: 'at_time', time: '09:00' },
    },
    { id: 's2', day: 3, type: 'email', body: '<p>Again</p>', send: { followUp: true } },
    { id: 's3', day: 5, type: 'call', title: 'Call' },
  ],
});
const launchedAt = Date.parse('2026-03-02T12:00:00Z');
const ms = (iso: string) => Date.parse(iso);
const sent = (at: string, more: Partial<ReleaseRun> = {}): ReleaseRun => ({
  state: 'sent',
  sentAt: ms(at),
  manual: false,
  updatedAt: ms(at),
  ...more,
});
const run = (state: ReleaseRun['state'], at: string, more: Partial<ReleaseRun> = {}): ReleaseRun => ({
  state,
  sentAt: null,
  manual: false,
  updatedAt: ms(at),
  ...more,
});
const task = (status: ReleaseTask['status'], at: string | null): ReleaseTask => ({
  status,
  completedAt: at === null ? null : ms(at),
});
const weekdays9to17 = sendingRules({
  sendingWindow: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [['09:00', '17:00']],
  },
});

/** Each row: what happened to steps s1, s2, s3 (by index), and what R8 releases next. */
const rows: {
  name: string;
  runs?: (ReleaseRun | undefined)[];
  tasks?: (ReleaseTask | undefined)[];
  rules?: ReturnType<typeof sendingRules>;
  next: { index: number; dueAt?: string; action?: 'send_email' | 'create_task' } | 'finished';
}[] = [
  {
    name: 'nothing done yet: day 1 at 09:00 EST',
    next: { index: 0, dueAt: '2026-03-02T14:00:00Z', action: 'send_email' },
  },
  {
    name: 'day 1 sent on time: the follow-up at its planned time on day 3 (R6)',
    runs: [sent('2026-03-02T14:00:00Z')],
    next: { index: 1, dueAt: '2026-03-04T14:00:00Z', action: 'send_email' },
  },
  {
    name: 'day 1 sent by hand at 11:30 EST: the follow-up takes that time (R6)',
    runs: [sent('2026-03-02T16:30:00Z', { manual: true })],
    next: { index: 1, dueAt: '2026-03-04T16:30:00Z', action: 'send_email' },
  },
  {
    name: 'day 1’s email task written by hand in the compose window, task closed, email not yet sent: nothing is released',
    runs: [run('scheduled', '2026-03-02T13:00:00Z', { edited: true })],
    tasks: [task('done', '2026-03-02T13:00:00Z')],
    next: { index: 0, dueAt: '2026-03-02T14:00:00Z', action: 'send_email' },
  },
  {
    name: 'day 1 written by hand, then skipped: released',
    runs: [run('skipped', '2026-03-02T15:00:00Z', { edited: true })],
    next: { index: 1, action: 'send_email' },
  },
  {
    name: 'day 1 failed: not done, nothing is released',
    runs: [run('failed', '2026-03-02T14:00:00Z')],
    next: { index: 0, dueAt: '2026-03-02T14:00:00Z' },
  },
  {
    name: 'day 1 as an email task marked done at 10:00 EST: sent by hand outside the app (R6 takes 10:00)',
    tasks: [task('done', '2026-03-02T15:00:00Z')],
    next: { index: 1, dueAt: '2026-03-04T15:00:00Z', action: 'send_email' },
  },
  {
    name: 'day 1 and the follow-up sent: the call task on day 5 at the task time',
    runs: [sent('2026-03-02T14:00:00Z'), sent('2026-03-04T14:00:00Z')],
    next: { index: 2, dueAt: '2026-03-06T14:00:00Z', action: 'create_task' },
  },
  {
    name: 'every step done (the call completed): finished',
    runs: [sent('2026-03-02T14:00:00Z'), sent('2026-03-04T14:00:00Z')],
    tasks: [undefined, undefined, task('done', '2026-03-06T15:00:00Z')],
    next: 'finished',
  },
  {
    name: 'the call skipped: finished',
    runs: [sent('2026-03-02T14:00:00Z'), sent('2026-03-04T14:00:00Z')],
    tasks: [undefined, undefined, task('skipped', '2026-03-06T15:00:00Z')],
    next: 'finished',
  },
  {
    name: 'R12: day 1 sent by hand at 19:00 EST, so the follow-up’s Wednesday 19:00 moves to Thursday 09:00, the window’s next opening',
    runs: [sent('2026-03-03T00:00:00Z', { manual: true })],
    rules: weekdays9to17,
    next: { index: 1, dueAt: '2026-03-05T14:00:00Z', action: 'send_email' },
  },
];

describe('releaseNextStep (SPEC R8)', () => {
  it.each(rows)('$name', ({ runs = [], tasks = [], rules = {}, next }) => {
    const release = releaseNextStep({
      campaign,
      rules: rules as ReturnType<typeof sendingRules>,
      zone: 'America/New_York',
      launchedAt,
      firstSendAt: null,
      runAt: (i) => runs[i],
      taskAt: (i) => tasks[i],
    });
    if (next === 'finished') {
      expect(release).toEqual({ status: 'finished', nextStepIndex: 3 });
      return;
    }
    expect(release.status).toBe('next');
    if (release.status !== 'next') return;
    expect(release.nextStepIndex).toBe(next.index);
    if (next.dueAt) expect(new Date(release.nextDueAt).toISOString()).toBe(new Date(next.dueAt).toISOString());
    if (next.action) expect(release.nextAction).toBe(next.action);
  });

  it('refuses a campaign that cannot be planned as it now stands, naming the field', () => {
    const broken = { ...campaign, steps: [campaign.steps[0]!, { ...campaign.steps[2]!, day: 0 }] };
    expect(() =>
      releaseNextStep({
        campaign: broken,
        rules: {},
        zone: 'America/New_York',
        launchedAt,
        firstSendAt: null,
        runAt: () => undefined,
        taskAt: () => undefined,
      }),
    ).toThrow(
      expect.objectContaining({
        name: InputError.name,
        message: 'campaign.steps[1].day: day 0 comes after day 1; days never decrease along the campaign',
      }),
    );
  });
});
