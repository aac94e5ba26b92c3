import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, type Classification } from './classify';
import {
  afterOutOfOffice,
  dayWords,
  inboxEffects,
  outOfOfficePause,
  type EffectFacts,
  type EnrollmentFacts,
  type PersonFacts,
} from './effects';
import { matchMessage } from './match';
import { parseMessage } from './parse';

async function fixture(name: string): Promise<Classification> {
  return classify(await parseMessage(readFileSync(join(import.meta.dirname, 'fixtures', name))));
}

const RECEIVED = Date.parse('2026-03-05T14:32:00Z');

const enrollment = (patch: Partial<EnrollmentFacts> = {}): EnrollmentFacts => ({
  id: 'e-ana',
  campaignId: 'c-spring',
  campaignName: 'Spring outreach',
  contactId: 'ana',
  status: 'active',
  zone: 'America/New_York',
  nextDueAt: Date.parse('2026-03-09T14:30:00Z'), // Mon 09 Mar, 10:30 EDT
  hold: null,
  skipWeekends: false,
  stopOnReply: true,
  stopOtherCampaigns: true,
  ...patch,
});
const other = enrollment({ id: 'e-ana-q2', campaignId: 'c-q2', campaignName: 'Q2 follow-up' });
const person = (patch: Partial<PersonFacts> = {}): PersonFacts => ({
  contactId: 'ana',
  name: 'Ana Lima',
  address: 'ana.lima@globex.example',
  softBounces: 0,
  enrollments: [enrollment(), other],
  ...patch,
});

/** The message matched by thread to Ana's Spring outreach email, and its effects. */
async function effectsOf(file: string, people: PersonFacts[] = [person()], patch: Partial<EffectFacts> = {}) {
  const message = await fixture(file);
  const ana = { stepRunId: 'e-ana:s1', enrollmentId: 'e-ana', contactId: 'ana', address: 'ana.lima@globex.example' };
  const ongoing = people.flatMap((p) =>
    p.enrollments
      .filter((e) => e.id === 'e-ana' || e.contactId !== 'ana')
      .map((e) => ({ enrollmentId: e.id, contactId: p.contactId, address: p.address, lastSentRunId: `${e.id}:s1` })),
  );
  const match = matchMessage(message, {
    sent: new Map([
      ['<cd-7a1f.s1@northwind.example>', ana],
      ['<cd-7a1f.s1.quinn@northwind.example>', { ...ana, contactId: 'quinn', address: 'quinn@hotmail.example' }],
    ]),
    ongoingByAddress: new Map(ongoing.map((e) => [e.address, [e]])),
  });
  if (!match) throw new Error('no match');
  return inboxEffects(message, match, {
    receivedAt: RECEIVED,
    people: new Map(people.map((p) => [p.contactId, p])),
    subjects: new Map([
      ['e-ana:s1', 'Quick question, Ana'],
      ['e-bo:s1', 'Quick question, Bo'],
    ]),
    ...patch,
  });
}

describe('R15 effects: replies', () => {
  it('stops the enrollment as replied and, by default, the person’s other campaigns', async () => {
    const result = await effectsOf('reply-gmail-en.eml');
    expect(result.effects).toEqual([
      { type: 'stop', enrollmentId: 'e-ana', status: 'replied' },
      { type: 'stop', enrollmentId: 'e-ana-q2', status: 'replied' },
    ]);
    expect(result.feed.map((row) => row.text)).toEqual([
      'Ana Lima replied to Spring outreach: "Hi Sam, Thursday at 2pm works for me. Can you send an invite?"; Spring outreach is stopped for them',
      'Stopped Q2 follow-up for Ana Lima: they replied to Spring outreach',
    ]);
  });

  it('stop the other campaigns off: only this one stops', async () => {
    const result = await effectsOf('reply-gmail-en.eml', [
      person({ enrollments: [enrollment({ stopOtherCampaigns: false }), other] }),
    ]);
    expect(result.effects).toEqual([{ type: 'stop', enrollmentId: 'e-ana', status: 'replied' }]);
  });

  it('stop on reply off: the campaign goes on, and the feed says why', async () => {
    const result = await effectsOf('reply-gmail-en.eml', [
      person({ enrollments: [enrollment({ stopOnReply: false, stopOtherCampaigns: false }), other] }),
    ]);
    expect(result.effects).toEqual([]);
    expect(result.feed[0]!.text).toMatch(/; Spring outreach goes on \(stop on reply is off\)$/);
  });

  it('a reply resets temporary bounces in a row', async () => {
    const result = await effectsOf('reply-gmail-en.eml', [person({ softBounces: 2 })]);
    expect(result.effects[0]).toEqual({ type: 'contact', contactId: 'ana', softBounces: 0, countedBounces: [] });
  });

  it('a reply to an enrollment that already finished stops nothing and is still shown', async () => {
    const result = await effectsOf('reply-gmail-en.eml', [
      person({ enrollments: [enrollment({ status: 'finished', stopOtherCampaigns: false })] }),
    ]);
    expect(result.effects).toEqual([]);
    expect(result.feed[0]!.text).toBe(
      'Ana Lima replied to Spring outreach: "Hi Sam, Thursday at 2pm works for me. Can you send an invite?"',
    );
  });
});

describe('R15 effects: out of office', () => {
  it('pauses until the day after the return date, the next step at its own local time that day', async () => {
    // ooo-en-outlook: "out of the office until Monday, 16 March 2026"
    const result = await effectsOf('ooo-en-outlook.eml');
    expect(result.effects).toEqual([
      {
        type: 'out-of-office',
        enrollmentId: 'e-ana',
        until: Date.parse('2026-03-17T04:00:00Z'), // Tue 17 Mar 00:00 EDT
        resumesOn: '2026-03-17',
        returnsOn: '2026-03-16',
        nextDueAt: Date.parse('2026-03-17T14:30:00Z'), // 10:30 EDT, as planned for Mon 09 Mar
      },
    ]);
    expect(result.feed.map((row) => row.text)).toEqual([
      'Ana Lima is out of the office until Mon 16 Mar 2026: Spring outreach pauses and resumes by itself on Tue 17 Mar 2026',
    ]);
  });

  it('never counts as a reply: the other campaigns go on', async () => {
    const result = await effectsOf('ooo-en-outlook.eml');
    expect(result.effects.some((e) => e.type === 'stop')).toBe(false);
  });

  const pauses: {
    name: string;
    input: Parameters<typeof outOfOfficePause>[0];
    until: string;
    resumesOn: string;
    nextDueAt: string;
  }[] = [
    {
      name: 'no return date: 7 days after the day it arrived, in the enrollment’s zone',
      input: {
        returnsOn: null,
        receivedAt: Date.parse('2026-03-06T03:00:00Z'), // still Thu 05 Mar in New York
        zone: 'America/New_York',
        nextDueAt: Date.parse('2026-03-06T14:30:00Z'),
        moveNext: true,
        skipWeekends: false,
        days: 7,
      },
      until: '2026-03-12T04:00:00.000Z',
      resumesOn: '2026-03-12',
      nextDueAt: '2026-03-12T13:30:00.000Z', // 09:30 EDT on Thu 12 Mar (it was 09:30 EST)
    },
    {
      name: 'a next step already after the resume day does not move',
      input: {
        returnsOn: '2026-03-16',
        receivedAt: RECEIVED,
        zone: 'Europe/Berlin',
        nextDueAt: Date.parse('2026-03-20T08:00:00Z'),
        moveNext: true,
        skipWeekends: false,
        days: 7,
      },
      until: '2026-03-16T23:00:00.000Z',
      resumesOn: '2026-03-17',
      nextDueAt: '2026-03-20T08:00:00.000Z',
    },
    {
      name: 'with skipWeekends, back on a Friday resumes on Monday',
      input: {
        returnsOn: '2026-03-13',
        receivedAt: RECEIVED,
        zone: 'America/New_York',
        nextDueAt: Date.parse('2026-03-09T14:30:00Z'),
        moveNext: true,
        skipWeekends: true,
        days: 7,
      },
      until: '2026-03-16T04:00:00.000Z',
      resumesOn: '2026-03-16',
      nextDueAt: '2026-03-16T14:30:00.000Z',
    },
    {
      name: 'a next step waiting on an open task keeps its instant',
      input: {
        returnsOn: '2026-03-16',
        receivedAt: RECEIVED,
        zone: 'America/New_York',
        nextDueAt: Date.parse('2026-03-09T14:00:00Z'),
        moveNext: false,
        skipWeekends: false,
        days: 7,
      },
      until: '2026-03-17T04:00:00.000Z',
      resumesOn: '2026-03-17',
      nextDueAt: '2026-03-09T14:00:00.000Z',
    },
  ];
  for (const row of pauses) {
    it(row.name, () => {
      const pause = outOfOfficePause(row.input);
      expect({
        until: new Date(pause.until).toISOString(),
        resumesOn: pause.resumesOn,
        nextDueAt: new Date(pause.nextDueAt).toISOString(),
      }).toEqual({ until: row.until, resumesOn: row.resumesOn, nextDueAt: row.nextDueAt });
    });
  }

  it('afterOutOfOffice keeps a step released during the pause out of it, at its own local time, and leaves a later one alone', () => {
    const until = Date.parse('2026-03-12T04:00:00Z'); // Thu 12 Mar 00:00 in New York
    const at = (iso: string) => new Date(afterOutOfOffice(Date.parse(iso), until, 'America/New_York')).toISOString();
    expect(at('2026-03-10T13:30:00Z')).toBe('2026-03-12T13:30:00.000Z'); // Tue 09:30 → Thu 09:30
    expect(at('2026-03-13T13:30:00Z')).toBe('2026-03-13T13:30:00.000Z'); // already after: unchanged
    // Across the DST change (Sun 8 Mar): Fri 6 Mar 09:30 EST → Mon 9 Mar 09:30 EDT.
    expect(
      new Date(
        afterOutOfOffice(Date.parse('2026-03-06T14:30:00Z'), Date.parse('2026-03-09T04:00:00Z'), 'America/New_York'),
      ).toISOString(),
    ).toBe('2026-03-09T13:30:00.000Z');
    expect(afterOutOfOffice(123, null, 'America/New_York')).toBe(123);
  });

  it('a return date already passed pauses nothing', async () => {
    const result = await effectsOf('ooo-en-outlook.eml', [person()], {
      receivedAt: Date.parse('2026-03-20T12:00:00Z'),
    });
    expect(result.effects).toEqual([]);
    expect(result.feed[0]!.text).toBe(
      'Ana Lima is out of the office until Mon 16 Mar 2026, which has passed: nothing is paused',
    );
  });

  it('dayWords', () => {
    expect(dayWords('2026-03-17')).toBe('Tue 17 Mar 2026');
    expect(dayWords('2026-11-01')).toBe('Sun 1 Nov 2026');
  });
});

describe('R15 effects: bounces', () => {
  const bo: PersonFacts = {
    contactId: 'bo',
    name: 'Bo Chen',
    address: 'bo.chen@globex.example',
    softBounces: 0,
    enrollments: [enrollment({ id: 'e-bo', contactId: 'bo' })],
  };

  it('Postfix: the permanent recipient is bounced and stopped everywhere, the temporary one noted', async () => {
    const result = await effectsOf('bounce-postfix.eml', [person(), bo]);
    expect(result.effects).toEqual([
      { type: 'contact', contactId: 'ana', bounced: true, softBounces: 0, countedBounces: [] },
      { type: 'suppress', address: 'ana.lima@globex.example', contactId: 'ana', reason: 'bounced' },
      { type: 'stop', enrollmentId: 'e-ana', status: 'bounced' },
      { type: 'stop', enrollmentId: 'e-ana-q2', status: 'bounced' },
      { type: 'note', stepRunId: 'e-bo:s1', note: 'The mailbox is full (5.2.2)' },
      { type: 'contact', contactId: 'bo', softBounces: 1, countedBounces: [] },
    ]);
    expect(result.feed.map((row) => row.text)).toEqual([
      'ana.lima@globex.example bounced: The address does not exist (5.1.1). Ana Lima is marked bounced and will not be emailed again; stopped Q2 follow-up, Spring outreach',
      'Not delivered to Bo Chen: The mailbox is full (5.2.2). Noted on "Quick question, Bo"; 3 in a row pause them',
    ]);
  });

  it('the third temporary bounce in a row pauses the person', async () => {
    const result = await effectsOf('bounce-postfix.eml', [person(), { ...bo, softBounces: 2 }]);
    expect(result.effects.slice(4)).toEqual([
      { type: 'note', stepRunId: 'e-bo:s1', note: 'The mailbox is full (5.2.2)' },
      { type: 'contact', contactId: 'bo', softBounces: 0, countedBounces: [] },
      { type: 'pause', enrollmentId: 'e-bo' },
    ]);
    expect(result.feed[1]!.text).toBe(
      'Not delivered to Bo Chen for the third time in a row: The mailbox is full (5.2.2): paused Bo Chen in Spring outreach until you resume',
    );
  });

  it('a temporary bounce counts once per message: read again on a second device that watches the mailbox, it is not counted twice', async () => {
    const first = await effectsOf('bounce-postfix.eml', [person(), bo], { messageKey: '<b1@mail.example>' });
    expect(first.effects.at(-1)).toEqual({
      type: 'contact',
      contactId: 'bo',
      softBounces: 1,
      countedBounces: ['<b1@mail.example>'],
    });
    const again = await effectsOf(
      'bounce-postfix.eml',
      [person(), { ...bo, softBounces: 1, countedBounces: ['<b1@mail.example>'] }],
      { messageKey: '<b1@mail.example>' },
    );
    expect(again.effects.filter((e) => e.type === 'contact' && e.contactId === 'bo')).toEqual([]);
    expect(again.feed.map((row) => row.text)).not.toContainEqual(expect.stringContaining('Bo Chen'));
  });

  it('a delay warning is noted and does not count', async () => {
    const dana: PersonFacts = {
      contactId: 'dana',
      name: 'Dana Scully',
      address: 'dana@initech.example',
      softBounces: 2,
      enrollments: [enrollment({ id: 'e-dana', contactId: 'dana' })],
    };
    const result = await effectsOf('bounce-postfix-delayed.eml', [dana]);
    expect(result.effects).toEqual([{ type: 'note', stepRunId: 'e-dana:s1', note: expect.stringContaining('4.4.1') }]);
    expect(result.feed[0]!.text).toMatch(/^Not yet delivered to Dana Scully: .*\(4\.4\.1\)\. Noted on the email$/);
  });
});

describe('R15 effects: unsubscribes and complaints', () => {
  it('an unsubscribe suppresses the address and stops every ongoing enrollment', async () => {
    const rosa: PersonFacts = {
      contactId: 'rosa',
      name: 'Rosa Diaz',
      address: 'rosa@brooklyn.example',
      softBounces: 0,
      enrollments: [
        enrollment({ id: 'e-r1', contactId: 'rosa' }),
        enrollment({ id: 'e-r2', contactId: 'rosa', campaignName: 'Q2 follow-up', status: 'paused' }),
        enrollment({ id: 'e-r0', contactId: 'rosa', campaignName: 'Winter', status: 'finished' }),
      ],
    };
    const result = await effectsOf('unsubscribe-mailto.eml', [rosa]);
    expect(result.effects).toEqual([
      { type: 'contact', contactId: 'rosa', unsubscribed: true },
      { type: 'suppress', address: 'rosa@brooklyn.example', contactId: 'rosa', reason: 'unsubscribed' },
      { type: 'stop', enrollmentId: 'e-r1', status: 'unsubscribed' },
      { type: 'stop', enrollmentId: 'e-r2', status: 'unsubscribed' },
    ]);
    expect(result.feed.map((row) => row.text)).toEqual([
      'Rosa Diaz unsubscribed: rosa@brooklyn.example will not be emailed again; stopped Q2 follow-up, Spring outreach',
    ]);
  });

  it('a complaint does the same and says it was marked as spam', async () => {
    const quinn: PersonFacts = {
      contactId: 'quinn',
      name: 'Quinn Fabray',
      address: 'quinn@hotmail.example',
      softBounces: 0,
      enrollments: [enrollment({ id: 'e-ana', contactId: 'quinn' })],
    };
    const result = await effectsOf('complaint-arf.eml', [quinn]);
    expect(result.effects).toContainEqual({
      type: 'suppress',
      address: 'quinn@hotmail.example',
      contactId: 'quinn',
      reason: 'complaint',
    });
    expect(result.feed).toEqual([
      {
        kind: 'inbox.complaint',
        text: 'Quinn Fabray marked your email as spam: quinn@hotmail.example will not be emailed again; stopped Spring outreach',
        campaignId: 'c-spring',
        contactId: 'quinn',
      },
    ]);
  });
});
