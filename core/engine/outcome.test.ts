import { describe, expect, it } from 'vitest';
import { RETRY_BACKOFF_MS, recordOutcome, sentRun, stillOn, type OutcomeInput, type OutcomeRecord } from './outcome';

const ms = (iso: string) => Date.parse(iso);
const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());

/** The send was claimed on step 1, due 14:00:00Z; its outcome is recorded at 14:00:05Z. */
const input = (outcome: OutcomeInput['outcome'], more: Partial<OutcomeInput> = {}): OutcomeInput => ({
  outcome,
  now: ms('2026-03-04T14:00:05Z'),
  claimed: { nextStepIndex: 1, attempts: 0 },
  current: { status: 'active', nextStepIndex: 1, nextDueAt: ms('2026-03-04T14:00:00Z'), attempts: 0 },
  runState: 'sending',
  subject: 'Re: Hello Ada',
  name: 'Ada Lovelace',
  ...more,
});
const current = input({ status: 'offline' }).current!;
const retry = { status: 'retry' as const, code: 451, message: '451 4.7.1 try later' };
const failed = { status: 'failed' as const, code: 550, message: '550 5.1.1 no such user' };
const unknown = { status: 'unknown' as const, message: 'the send was interrupted (socket closed)' };

/** Each row: the outcome and the enrollment now, and what is written (instants as ISO UTC). */
const rows: {
  name: string;
  input: OutcomeInput;
  record: OutcomeRecord;
  /** `record.enrollment.nextDueAt`, as ISO UTC. */
  nextDueAt?: string;
}[] = [
  // Moved on meanwhile: the step run only.
  {
    name: 'skipped meanwhile (moved to step 2), offline: its step run skipped, nothing else',
    input: input({ status: 'offline' }, { current: { ...current, nextStepIndex: 2 } }),
    record: { run: { state: 'skipped', reason: undefined } },
  },
  {
    name: 'removed meanwhile, retry: skipped, with the server’s words',
    input: input(retry, { current: { ...current, status: 'removed' } }),
    record: { run: { state: 'skipped', reason: '451 4.7.1 try later' } },
  },
  {
    name: 'deleted meanwhile, not handed over: skipped',
    input: input({ status: 'not-handed-over', message: 'no host' }, { current: undefined }),
    record: { run: { state: 'skipped', reason: 'no host' } },
  },
  {
    name: 'finished meanwhile, deferred by R11: skipped',
    input: input(
      { status: 'deferred', until: ms('2026-03-04T14:01:00Z'), reason: 'min-gap' },
      { current: { ...current, status: 'finished' } },
    ),
    record: { run: { state: 'skipped', reason: undefined } },
  },
  {
    name: 'removed meanwhile, unknown: unknown',
    input: input(unknown, { current: { ...current, status: 'removed' } }),
    record: { run: { state: 'unknown', reason: 'the send was interrupted (socket closed)' } },
  },
  {
    name: 'removed meanwhile, failed: failed',
    input: input(failed, { current: { ...current, status: 'removed' } }),
    record: { run: { state: 'failed', reason: '550 5.1.1 no such user' } },
  },
  {
    name: 'removed meanwhile and its step run already settled by a person: nothing',
    input: input(failed, { current: { ...current, status: 'removed' }, runState: 'skipped' }),
    record: {},
  },
  // Still on this step (a pause meanwhile does not stop the record).
  {
    name: 'offline: back to scheduled, the engine waits for the network',
    input: input({ status: 'offline' }),
    record: { run: { state: 'scheduled' }, offline: true },
  },
  {
    name: 'paused meanwhile, offline: the same',
    input: input({ status: 'offline' }, { current: { ...current, status: 'paused' } }),
    record: { run: { state: 'scheduled' }, offline: true },
  },
  {
    name: 'not handed over: back to scheduled at its own instant',
    input: input({ status: 'not-handed-over', message: 'no host' }),
    record: { run: { state: 'scheduled' } },
  },
  {
    name: 'unknown: a person decides',
    input: input(unknown),
    record: {
      run: { state: 'unknown', reason: 'the send was interrupted (socket closed)' },
      enrollment: { hold: 'needs-attention' },
      change: {
        name: 'step-run/unknown',
        args: {},
        feed: {
          kind: 'email.unknown',
          text: 'Unknown outcome: "Re: Hello Ada" to Ada Lovelace may or may not have been sent (the send was interrupted (socket closed))',
        },
      },
    },
  },
  {
    name: 'deferred by the daily limit to 14:00:00Z tomorrow',
    input: input({ status: 'deferred', until: ms('2026-03-05T14:00:00Z'), reason: 'daily-limit' }),
    nextDueAt: '2026-03-05T14:00:00.000Z',
    record: {
      run: { state: 'scheduled' },
      enrollment: { nextDueAt: ms('2026-03-05T14:00:00Z') },
      change: {
        name: 'step-run/deferred',
        args: { until: ms('2026-03-05T14:00:00Z') },
        feed: {
          kind: 'email.deferred',
          text: `Waiting to send "Re: Hello Ada" to Ada Lovelace: the mailbox's daily limit is reached`,
          coalesceMs: 600_000,
        },
      },
    },
  },
  {
    name: 'deferred by the gap to 14:01:00Z, rescheduled by a person to 16:00:00Z meanwhile: 16:00:00Z',
    input: input(
      { status: 'deferred', until: ms('2026-03-04T14:01:00Z'), reason: 'min-gap' },
      { current: { ...current, nextDueAt: ms('2026-03-04T16:00:00Z') } },
    ),
    nextDueAt: '2026-03-04T16:00:00.000Z',
    record: {
      run: { state: 'scheduled' },
      enrollment: { nextDueAt: ms('2026-03-04T16:00:00Z') },
      change: {
        name: 'step-run/deferred',
        args: { until: ms('2026-03-04T14:01:00Z') },
        feed: {
          kind: 'email.deferred',
          text: 'Waiting to send "Re: Hello Ada" to Ada Lovelace: the minimum gap between sends',
          coalesceMs: 600_000,
        },
      },
    },
  },
  {
    name: 'held in the host for its gap slot at 14:01:00Z: the step run stays sending, the enrollment shows the slot',
    input: input({ status: 'held', until: ms('2026-03-04T14:01:00Z') }),
    nextDueAt: '2026-03-04T14:01:00.000Z',
    record: {
      enrollment: { nextDueAt: ms('2026-03-04T14:01:00Z') },
      change: {
        name: 'step-run/deferred',
        args: { until: ms('2026-03-04T14:01:00Z') },
        feed: {
          kind: 'email.deferred',
          text: 'Waiting to send "Re: Hello Ada" to Ada Lovelace: the minimum gap between sends',
          coalesceMs: 600_000,
        },
      },
    },
  },
  {
    name: 'held for 14:01:00Z, rescheduled by a person to 16:00:00Z meanwhile: 16:00:00Z shown',
    input: input(
      { status: 'held', until: ms('2026-03-04T14:01:00Z') },
      { current: { ...current, nextDueAt: ms('2026-03-04T16:00:00Z') } },
    ),
    nextDueAt: '2026-03-04T16:00:00.000Z',
    record: {
      enrollment: { nextDueAt: ms('2026-03-04T16:00:00Z') },
      change: {
        name: 'step-run/deferred',
        args: { until: ms('2026-03-04T14:01:00Z') },
        feed: {
          kind: 'email.deferred',
          text: 'Waiting to send "Re: Hello Ada" to Ada Lovelace: the minimum gap between sends',
          coalesceMs: 600_000,
        },
      },
    },
  },
  {
    name: 'held, paused meanwhile: nothing yet (its outcome decides)',
    input: input({ status: 'held', until: ms('2026-03-04T14:01:00Z') }, { current: { ...current, status: 'paused' } }),
    record: {},
  },
  {
    name: 'held, skipped meanwhile (moved to step 2): nothing yet, not even the step run',
    input: input({ status: 'held', until: ms('2026-03-04T14:01:00Z') }, { current: { ...current, nextStepIndex: 2 } }),
    record: {},
  },
  {
    name: 'held, deleted meanwhile: nothing yet',
    input: input({ status: 'held', until: ms('2026-03-04T14:01:00Z') }, { current: undefined }),
    record: {},
  },
  {
    name: 'first retry: in 1 min, 14:01:05Z',
    input: input(retry),
    nextDueAt: '2026-03-04T14:01:05.000Z',
    record: {
      run: { state: 'scheduled', smtpReply: '451 4.7.1 try later' },
      enrollment: { attempts: 1, nextDueAt: ms('2026-03-04T14:01:05Z') },
      change: {
        name: 'step-run/retry',
        args: { attempts: 1 },
        feed: {
          kind: 'email.retried',
          text: 'Will retry "Re: Hello Ada" to Ada Lovelace in 1 min: 451 4.7.1 try later',
        },
      },
    },
  },
  {
    name: 'no attempts counted yet (an older row): the first retry',
    input: input(retry, { claimed: { nextStepIndex: 1 } }),
    nextDueAt: '2026-03-04T14:01:05.000Z',
    record: {
      run: { state: 'scheduled', smtpReply: '451 4.7.1 try later' },
      enrollment: { attempts: 1, nextDueAt: ms('2026-03-04T14:01:05Z') },
      change: {
        name: 'step-run/retry',
        args: { attempts: 1 },
        feed: {
          kind: 'email.retried',
          text: 'Will retry "Re: Hello Ada" to Ada Lovelace in 1 min: 451 4.7.1 try later',
        },
      },
    },
  },
  {
    name: 'second retry: in 5 min, 14:05:05Z',
    input: input(retry, { claimed: { nextStepIndex: 1, attempts: 1 } }),
    nextDueAt: '2026-03-04T14:05:05.000Z',
    record: {
      run: { state: 'scheduled', smtpReply: '451 4.7.1 try later' },
      enrollment: { attempts: 2, nextDueAt: ms('2026-03-04T14:05:05Z') },
      change: {
        name: 'step-run/retry',
        args: { attempts: 2 },
        feed: {
          kind: 'email.retried',
          text: 'Will retry "Re: Hello Ada" to Ada Lovelace in 5 min: 451 4.7.1 try later',
        },
      },
    },
  },
  {
    name: 'third retry: in 15 min, 14:15:05Z',
    input: input(retry, { claimed: { nextStepIndex: 1, attempts: 2 } }),
    nextDueAt: '2026-03-04T14:15:05.000Z',
    record: {
      run: { state: 'scheduled', smtpReply: '451 4.7.1 try later' },
      enrollment: { attempts: 3, nextDueAt: ms('2026-03-04T14:15:05Z') },
      change: {
        name: 'step-run/retry',
        args: { attempts: 3 },
        feed: {
          kind: 'email.retried',
          text: 'Will retry "Re: Hello Ada" to Ada Lovelace in 15 min: 451 4.7.1 try later',
        },
      },
    },
  },
  {
    name: 'a retry after a person rescheduled to 15:00:00Z meanwhile: 15:00:00Z, not 14:01:05Z',
    input: input(retry, { current: { ...current, nextDueAt: ms('2026-03-04T15:00:00Z') } }),
    nextDueAt: '2026-03-04T15:00:00.000Z',
    record: {
      run: { state: 'scheduled', smtpReply: '451 4.7.1 try later' },
      enrollment: { attempts: 1, nextDueAt: ms('2026-03-04T15:00:00Z') },
      change: {
        name: 'step-run/retry',
        args: { attempts: 1 },
        feed: {
          kind: 'email.retried',
          text: 'Will retry "Re: Hello Ada" to Ada Lovelace in 1 min: 451 4.7.1 try later',
        },
      },
    },
  },
  {
    name: 'still refused after the three retries: blocked in Needs attention, not Failed',
    input: input(retry, { claimed: { nextStepIndex: 1, attempts: 3 } }),
    record: {
      run: {
        state: 'blocked',
        smtpReply: '451 4.7.1 try later',
        reason: 'not sent after 4 tries: 451 4.7.1 try later',
      },
      enrollment: { hold: 'needs-attention' },
      change: {
        name: 'step-run/blocked',
        args: {},
        feed: {
          kind: 'email.blocked',
          text: 'Not sent "Re: Hello Ada" to Ada Lovelace after 4 tries; it waits for you in Needs attention: 451 4.7.1 try later',
        },
      },
    },
  },
  {
    name: 'failed (5xx): the step run fails with the server’s words and the enrollment pauses',
    input: input(failed),
    record: {
      run: { state: 'failed', smtpReply: '550 5.1.1 no such user', reason: '550 5.1.1 no such user' },
      enrollment: { status: 'paused', pausedBy: 'server', hold: 'needs-attention' },
      change: {
        name: 'step-run/failed',
        args: { message: '550 5.1.1 no such user' },
        feed: { kind: 'email.failed', text: 'Failed to send "Re: Hello Ada" to Ada Lovelace: 550 5.1.1 no such user' },
      },
    },
  },
];

describe('recordOutcome (SPEC §5, R11)', () => {
  it('retries after 1, 5 and 15 minutes', () => {
    expect(RETRY_BACKOFF_MS).toEqual([60_000, 300_000, 900_000]);
  });

  it.each(rows)('$name', ({ input, record, nextDueAt }) => {
    const written = recordOutcome(input);
    expect(written).toEqual(record);
    expect(iso(written.enrollment?.nextDueAt)).toBe(nextDueAt);
  });
});

describe('sentRun', () => {
  it.each([
    {
      name: 'sent at 14:00:05Z: the server’s reply kept',
      outcome: { status: 'sent' as const, response: '250 2.0.0 OK', at: ms('2026-03-04T14:00:05Z') },
      run: { state: 'sent', sentAt: ms('2026-03-04T14:00:05Z'), smtpReply: '250 2.0.0 OK' },
    },
    {
      name: 'the provider replaced the Message-ID: the delivered one kept',
      outcome: {
        status: 'sent' as const,
        response: '250 2.0.0 OK <x@outlook.com>',
        at: ms('2026-03-04T14:00:05Z'),
        deliveredMessageId: '<x@outlook.com>',
      },
      run: {
        state: 'sent',
        sentAt: ms('2026-03-04T14:00:05Z'),
        smtpReply: '250 2.0.0 OK <x@outlook.com>',
        deliveredMessageId: '<x@outlook.com>',
      },
    },
  ])('$name', ({ outcome, run }) => {
    expect(sentRun(outcome)).toEqual(run);
  });
});

describe('stillOn', () => {
  it.each([
    { name: 'active on the claimed step', current: { status: 'active', nextStepIndex: 1 }, on: true },
    { name: 'paused meanwhile, same step', current: { status: 'paused', nextStepIndex: 1 }, on: true },
    { name: 'moved on a step (skipped)', current: { status: 'active', nextStepIndex: 2 }, on: false },
    { name: 'removed', current: { status: 'removed', nextStepIndex: 1 }, on: false },
    { name: 'finished', current: { status: 'finished', nextStepIndex: 1 }, on: false },
    { name: 'replied', current: { status: 'replied', nextStepIndex: 1 }, on: false },
  ])('$name', ({ current, on }) => {
    expect(stillOn(current, 1)).toBe(on);
  });
});
