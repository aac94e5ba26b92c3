import { describe, expect, it } from 'vitest';
import type { SentCopy } from '../compose';
import { Campaign, type EmailStep } from '../model';
import {
  composeDue,
  decideDue,
  stillClaimable,
  type DueContact,
  type DueDecision,
  type DueInput,
  type DueMailbox,
  type DueRun,
} from './due';

/**
 * A campaign in New York: day 1 an email at 09:00, day 3 its follow-up, day 5 a call, day 7 an
 * email as a task, day 8 a LinkedIn step with no title. Every instant below is UTC.
 */
const campaign = Campaign.parse({
  taskTime: '09:00',
  steps: [
    {
      id: 's1',
      day: 1,
      type: 'email',
      subject: 'Hello {{first_name}}',
      body: '<p>Hi {{first_name}}</p>',
      send: { timing: 'at_time', time: '09:00' },
    },
    { id: 's2', day: 3, type: 'email', body: '<p>Again</p>', send: { followUp: true } },
    { id: 's3', day: 5, type: 'call', title: 'Call {{first_name}}', notes: 'Ask about the pilot' },
    { id: 's4', day: 7, type: 'email', subject: '{{company}} pricing', body: '<p>Hi</p>', send: { timing: 'task' } },
    { id: 's5', day: 8, type: 'linkedin' },
  ],
});
const ms = (iso: string) => Date.parse(iso);
const ada: DueContact = {
  id: 'c1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  custom: {},
  bounced: false,
  unsubscribed: false,
};
const mailbox: DueMailbox = { name: 'Sam Seller', email: 'sam@example.com', timeZone: 'America/New_York' };
const run = (state: DueRun['state'], more: Partial<DueRun> = {}): DueRun => ({
  state,
  subject: '',
  html: '',
  text: '',
  messageId: null,
  references: [],
  sentAt: null,
  ...more,
});
const s1Sent = run('sent', {
  subject: 'Hello Ada',
  html: '<p>Hi Ada</p>',
  text: 'Hi Ada',
  messageId: '<m1@example.com>',
  sentAt: ms('2026-03-02T14:00:00Z'),
});

/** The row's input: due Mon 2 Mar 2026 09:00 EST (14:00 UTC), decided 30 s later on its own device. */
const input = (more: Partial<DueInput> & { runs?: Record<string, DueRun> } = {}): DueInput => {
  const { runs = {}, ...rest } = more;
  return {
    now: ms('2026-03-02T14:00:30Z'),
    device: 'device-a',
    enrollment: {
      id: 'e1',
      status: 'active',
      hold: null,
      deviceId: 'device-a',
      nextDueAt: ms('2026-03-02T14:00:00Z'),
      nextStepIndex: 0,
    },
    campaign,
    contact: ada,
    name: 'Ada Lovelace',
    mailbox,
    suppression: undefined,
    runOf: (stepId) => runs[stepId],
    ...rest,
  };
};
const at = (step: number, due: string, now: string, more: Partial<DueInput['enrollment']> = {}) => ({
  enrollment: { ...input().enrollment, nextStepIndex: step, nextDueAt: ms(due), ...more },
  now: ms(now),
});
/** The email step at this index (the rows name only email steps here). */
const emailStep = (index: number): EmailStep => {
  const step = campaign.steps[index]!;
  if (step.type !== 'email') throw new Error(`step ${index} is not an email`);
  return step;
};
const send = (step: number, byHand?: DueRun, previous?: SentCopy): DueDecision => ({
  kind: 'send',
  step: emailStep(step),
  byHand,
  previous,
});
const notMailed = (why: string) =>
  `not sent to Ada Lovelace: ${why}, so it is never emailed again; remove them from the campaign or skip this email`;

const rows: { name: string; input: DueInput; decision: DueDecision }[] = [
  // Whose, and when (SPEC §7).
  {
    name: 'paused: nothing',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:00:30Z', { status: 'paused' })),
    decision: { kind: 'ignore' },
  },
  {
    name: 'finished: nothing',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:00:30Z', { status: 'finished' })),
    decision: { kind: 'ignore' },
  },
  {
    name: 'held by its open task: nothing',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:00:30Z', { hold: 'task' })),
    decision: { kind: 'ignore' },
  },
  {
    name: 'held in Needs attention: nothing',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:00:30Z', { hold: 'needs-attention' })),
    decision: { kind: 'ignore' },
  },
  {
    name: 'launched on another device: nothing (SPEC §7)',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:00:30Z', { deviceId: 'device-b' })),
    decision: { kind: 'ignore' },
  },
  { name: 'this device’s id not known: nothing', input: input({ device: undefined }), decision: { kind: 'ignore' } },
  {
    name: 'handed over 1 ms before its instant: armed again at 14:00:00Z',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T13:59:59.999Z')),
    decision: { kind: 'early', dueAt: ms('2026-03-02T14:00:00Z') },
  },
  {
    name: 'handed over at its instant exactly: sent',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:00:00Z')),
    decision: send(0),
  },
  // A reference gone.
  {
    name: 'campaign deleted: held on step-0',
    input: input({ campaign: undefined }),
    decision: { kind: 'held', stepId: 'step-0', reason: 'its campaign was deleted' },
  },
  {
    name: 'person deleted: held',
    input: input({ contact: undefined }),
    decision: { kind: 'held', stepId: 's1', reason: 'the person was deleted from Contacts' },
  },
  {
    name: 'mailbox deleted: held',
    input: input({ mailbox: undefined }),
    decision: { kind: 'held', stepId: 's1', reason: "the campaign's mailbox was deleted; add it again in Settings" },
  },
  {
    name: 'no step at index 5 (the campaign was shortened): held on step-5',
    input: input(at(5, '2026-03-02T14:00:00Z', '2026-03-02T14:00:30Z')),
    decision: { kind: 'held', stepId: 'step-5', reason: 'the campaign has no step left for this person' },
  },
  // Tasks.
  {
    name: 'a call: its task, the title merged',
    input: input(at(2, '2026-03-06T14:00:00Z', '2026-03-06T14:00:30Z')),
    decision: {
      kind: 'task',
      step: campaign.steps[2]!,
      task: { kind: 'call', title: 'Call Ada', notes: 'Ask about the pilot' },
    },
  },
  {
    name: 'a LinkedIn step with no title: the task is named by kind and person',
    input: input(at(4, '2026-03-09T14:00:00Z', '2026-03-09T14:00:30Z')),
    decision: {
      kind: 'task',
      step: campaign.steps[4]!,
      task: { kind: 'linkedin', title: 'linkedin Ada Lovelace', notes: '' },
    },
  },
  {
    name: 'an email as a task, its subject merged',
    input: input({ ...at(3, '2026-03-10T14:00:00Z', '2026-03-10T14:00:30Z'), contact: { ...ada, company: 'Acme' } }),
    decision: {
      kind: 'task',
      step: campaign.steps[3]!,
      task: { kind: 'email', title: 'Email: Acme pricing', notes: '' },
    },
  },
  {
    name: 'an email as a task whose subject renders empty: “Email: follow-up”',
    input: input(at(3, '2026-03-10T14:00:00Z', '2026-03-10T14:00:30Z')),
    decision: { kind: 'task', step: campaign.steps[3]!, task: { kind: 'email', title: 'Email: follow-up', notes: '' } },
  },
  {
    name: 'an email task written by hand in the compose window: sent as written',
    input: input({
      ...at(3, '2026-03-10T14:00:00Z', '2026-03-10T14:00:30Z'),
      runs: { s4: run('scheduled', { edited: true, subject: 'Mine' }) },
    }),
    decision: send(3, run('scheduled', { edited: true, subject: 'Mine' })),
  },
  {
    name: 'an email task written by hand and already sending: a task again (not the compose window’s send)',
    input: input({
      ...at(3, '2026-03-10T14:00:00Z', '2026-03-10T14:00:30Z'),
      runs: { s4: run('sending', { edited: true }) },
    }),
    decision: { kind: 'task', step: campaign.steps[3]!, task: { kind: 'email', title: 'Email: follow-up', notes: '' } },
  },
  // SPEC §12: never mailed.
  {
    name: 'the person unsubscribed: held',
    input: input({ contact: { ...ada, unsubscribed: true } }),
    decision: { kind: 'held', stepId: 's1', reason: notMailed('ada@example.com has unsubscribed') },
  },
  {
    name: 'the person bounced: held',
    input: input({ contact: { ...ada, bounced: true } }),
    decision: {
      kind: 'held',
      stepId: 's1',
      reason: notMailed('ada@example.com bounced before (the address does not receive email)'),
    },
  },
  {
    name: 'the address complained (suppression list): held',
    input: input({ suppression: { reason: 'complaint' } }),
    decision: { kind: 'held', stepId: 's1', reason: notMailed('ada@example.com marked an earlier email as spam') },
  },
  {
    name: 'a call for a person who unsubscribed: still its task (only emails are stopped)',
    input: input({ ...at(2, '2026-03-06T14:00:00Z', '2026-03-06T14:00:30Z'), contact: { ...ada, unsubscribed: true } }),
    decision: {
      kind: 'task',
      step: campaign.steps[2]!,
      task: { kind: 'call', title: 'Call Ada', notes: 'Ask about the pilot' },
    },
  },
  // R9: overdue.
  {
    name: 'the default grace (2 h): due 14:00:00Z, handled 16:00:00Z: sent',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T16:00:00Z')),
    decision: send(0),
  },
  {
    name: 'the default grace (2 h): handled 16:00:00.001Z: overdue',
    input: input(at(0, '2026-03-02T14:00:00Z', '2026-03-02T16:00:00.001Z')),
    decision: { kind: 'overdue' },
  },
  {
    name: 'grace 0: handled 14:01:00Z, a minute late, is on time',
    input: input({
      ...at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:01:00Z'),
      mailbox: { ...mailbox, overdueGraceMs: 0 },
    }),
    decision: send(0),
  },
  {
    name: 'grace 0: handled 14:01:00.001Z: overdue',
    input: input({
      ...at(0, '2026-03-02T14:00:00Z', '2026-03-02T14:01:00.001Z'),
      mailbox: { ...mailbox, overdueGraceMs: 0 },
    }),
    decision: { kind: 'overdue' },
  },
  {
    name: 'grace 24 h: handled the next day 13:59:59Z: sent',
    input: input({
      ...at(0, '2026-03-02T14:00:00Z', '2026-03-03T13:59:59Z'),
      mailbox: { ...mailbox, overdueGraceMs: 86_400_000 },
    }),
    decision: send(0),
  },
  {
    name: 'a task is raised however late (R9 is for emails)',
    input: input(at(2, '2026-03-06T14:00:00Z', '2026-03-09T14:00:00Z')),
    decision: {
      kind: 'task',
      step: campaign.steps[2]!,
      task: { kind: 'call', title: 'Call Ada', notes: 'Ask about the pilot' },
    },
  },
  // R10: the previous email.
  {
    name: 'a follow-up whose previous email was sent: sent with its copy',
    input: input({ ...at(1, '2026-03-04T14:00:00Z', '2026-03-04T14:00:30Z'), runs: { s1: s1Sent } }),
    decision: send(1, undefined, {
      subject: 'Hello Ada',
      html: '<p>Hi Ada</p>',
      text: 'Hi Ada',
      messageId: '<m1@example.com>',
      deliveredMessageId: undefined,
      references: [],
      sentAt: ms('2026-03-02T14:00:00Z'),
      outside: false,
    }),
  },
  {
    name: 'a follow-up whose previous email was skipped: no copy',
    input: input({ ...at(1, '2026-03-04T14:00:00Z', '2026-03-04T14:00:30Z'), runs: { s1: run('skipped') } }),
    decision: send(1),
  },
  {
    name: 'an email after a call: no previous email',
    input: input({
      ...at(3, '2026-03-10T14:00:00Z', '2026-03-10T14:00:30Z'),
      runs: { s4: run('scheduled', { edited: true }) },
    }),
    decision: send(3, run('scheduled', { edited: true })),
  },
];

describe('decideDue (SPEC §7, §12, R9, R10)', () => {
  it.each(rows)('$name', ({ input, decision }) => {
    expect(decideDue(input)).toEqual(decision);
  });
});

describe('composeDue (R10)', () => {
  const previous = {
    subject: 'Hello Ada',
    html: '<p>Hi Ada</p>',
    text: 'Hi Ada',
    messageId: '<m1@example.com>',
    references: ['<m0@example.com>'],
    sentAt: ms('2026-03-02T14:00:00Z'),
    outside: false,
  };
  const written = run('scheduled', { edited: true, subject: 'Re: Hello Ada', html: '<p>Mine</p>', text: 'Mine' });
  const followUp = emailStep(1);
  const first = emailStep(0);
  it.each([
    {
      name: 'written by hand, a follow-up of a sent email: as written, threaded onto it',
      decision: { kind: 'send' as const, step: followUp, byHand: written, previous },
      email: {
        subject: 'Re: Hello Ada',
        html: '<p>Mine</p>',
        text: 'Mine',
        inReplyTo: '<m1@example.com>',
        references: ['<m0@example.com>', '<m1@example.com>'],
      },
    },
    {
      name: 'written by hand, the previous email marked sent outside the app: as written, not threaded',
      decision: { kind: 'send' as const, step: followUp, byHand: written, previous: { ...previous, outside: true } },
      email: { subject: 'Re: Hello Ada', html: '<p>Mine</p>', text: 'Mine' },
    },
    {
      name: 'written by hand, not a follow-up: as written, not threaded',
      decision: { kind: 'send' as const, step: first, byHand: written, previous },
      email: { subject: 'Re: Hello Ada', html: '<p>Mine</p>', text: 'Mine' },
    },
    {
      name: 'composed: merged',
      decision: { kind: 'send' as const, step: first, byHand: undefined, previous: undefined },
      email: { subject: 'Hello Ada', html: '<p>Hi Ada</p>', text: 'Hi Ada' },
    },
    {
      name: 'composed for a person without a first name: blocked, naming the field',
      decision: { kind: 'send' as const, step: first, byHand: undefined, previous: undefined },
      contact: { ...ada, firstName: undefined },
      email: { blocked: 'body: missing first_name (empty, and no default given)' },
    },
  ])('$name', ({ decision, email, contact }) => {
    expect(composeDue(decision, contact ?? ada, mailbox, 'https://example.com/u/1')).toEqual(email);
  });
});

describe('stillClaimable (never sent twice)', () => {
  const decided = { nextStepIndex: 1, nextDueAt: ms('2026-03-04T14:00:00Z') };
  const current = { status: 'active', hold: null, ...decided };
  it.each([
    { name: 'unchanged, no step run yet: claimed', current, run: undefined, claimable: true },
    {
      name: 'unchanged, its step run scheduled: claimed',
      current,
      run: { state: 'scheduled' as const },
      claimable: true,
    },
    { name: 'deleted meanwhile', current: undefined, run: undefined, claimable: false },
    { name: 'paused meanwhile', current: { ...current, status: 'paused' }, run: undefined, claimable: false },
    { name: 'held meanwhile', current: { ...current, hold: 'overdue' as const }, run: undefined, claimable: false },
    { name: 'moved on a step', current: { ...current, nextStepIndex: 2 }, run: undefined, claimable: false },
    {
      name: 'rescheduled to 15:00:00Z meanwhile',
      current: { ...current, nextDueAt: ms('2026-03-04T15:00:00Z') },
      run: undefined,
      claimable: false,
    },
    {
      name: 'its step run already sending (another batch)',
      current,
      run: { state: 'sending' as const },
      claimable: false,
    },
    { name: 'its step run already sent', current, run: { state: 'sent' as const }, claimable: false },
  ])('$name', ({ current, run, claimable }) => {
    expect(stillClaimable(current, decided, run)).toBe(claimable);
  });
});
