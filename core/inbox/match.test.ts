import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, type Classification } from './classify';
import { matchMessage, type MatchLookups, type OngoingEnrollment, type SentRun } from './match';
import { parseMessage } from './parse';

async function fixture(name: string): Promise<Classification> {
  return classify(await parseMessage(readFileSync(join(import.meta.dirname, 'fixtures', name))));
}

const ana: SentRun = {
  stepRunId: 'e-ana:s1',
  enrollmentId: 'e-ana',
  contactId: 'ana',
  address: 'ana.lima@globex.example',
};
const anaOngoing: OngoingEnrollment = {
  enrollmentId: 'e-ana',
  contactId: 'ana',
  address: 'ana.lima@globex.example',
  lastSentRunId: 'e-ana:s1',
};
const bo: OngoingEnrollment = {
  enrollmentId: 'e-bo',
  contactId: 'bo',
  address: 'bo.chen@globex.example',
  lastSentRunId: 'e-bo:s1',
};

function lookups(sent: [string, SentRun][], ongoing: OngoingEnrollment[]): MatchLookups {
  const byAddress = new Map<string, OngoingEnrollment[]>();
  for (const e of ongoing) byAddress.set(e.address, [...(byAddress.get(e.address) ?? []), e]);
  return { sent: new Map(sent), ongoingByAddress: byAddress };
}

describe('R14 matching', () => {
  const table: {
    name: string;
    file: string;
    sent: [string, SentRun][];
    ongoing: OngoingEnrollment[];
    expected: ReturnType<typeof matchMessage>;
  }[] = [
    {
      name: 'a reply whose In-Reply-To names our Message-ID',
      file: 'reply-gmail-en.eml',
      sent: [['<cd-7a1f.s1@northwind.example>', ana]],
      ongoing: [],
      expected: {
        via: 'thread',
        targets: [{ enrollmentId: 'e-ana', contactId: 'ana', address: ana.address, stepRunId: 'e-ana:s1' }],
      },
    },
    {
      name: 'a reply naming the id the provider delivered (stored beside ours) matches the same',
      file: 'reply-gmail-en.eml',
      // the lookup holds both ids of the run; the reply names the delivered one
      sent: [
        ['<own.id@northwind.example>', ana],
        ['<cd-7a1f.s1@northwind.example>', ana],
      ],
      ongoing: [],
      expected: {
        via: 'thread',
        targets: [{ enrollmentId: 'e-ana', contactId: 'ana', address: ana.address, stepRunId: 'e-ana:s1' }],
      },
    },
    {
      name: 'a reply naming no id we sent falls back to the From address of an ongoing enrollment',
      file: 'reply-gmail-en.eml',
      sent: [],
      ongoing: [anaOngoing],
      expected: {
        via: 'address',
        targets: [{ enrollmentId: 'e-ana', contactId: 'ana', address: ana.address, stepRunId: 'e-ana:s1' }],
      },
    },
    {
      name: 'a reply from an address in no campaign is ignored',
      file: 'reply-gmail-en.eml',
      sent: [],
      ongoing: [bo],
      expected: null,
    },
    {
      name: 'a Postfix bounce for two recipients: the one the original went to by thread, the other by address',
      file: 'bounce-postfix.eml',
      sent: [['<cd-7a1f.s1@northwind.example>', ana]],
      ongoing: [bo],
      expected: {
        via: 'thread',
        targets: [
          {
            enrollmentId: 'e-ana',
            contactId: 'ana',
            address: ana.address,
            stepRunId: 'e-ana:s1',
            recipient: expect.objectContaining({
              address: 'ana.lima@globex.example',
              status: '5.1.1',
              permanent: true,
            }),
          },
          {
            enrollmentId: 'e-bo',
            contactId: 'bo',
            address: bo.address,
            stepRunId: 'e-bo:s1',
            recipient: expect.objectContaining({
              address: 'bo.chen@globex.example',
              status: '5.2.2',
              permanent: false,
            }),
          },
        ],
      },
    },
    {
      name: 'a bounce for addresses we never mailed is ignored',
      file: 'bounce-postfix.eml',
      sent: [],
      ongoing: [],
      expected: null,
    },
    {
      name: 'a complaint matches through the returned original',
      file: 'complaint-arf.eml',
      sent: [
        [
          '<cd-7a1f.s1.quinn@northwind.example>',
          { ...ana, contactId: 'quinn', address: 'quinn@hotmail.example', enrollmentId: 'e-q', stepRunId: 'e-q:s1' },
        ],
      ],
      ongoing: [],
      expected: {
        via: 'thread',
        targets: [{ enrollmentId: 'e-q', contactId: 'quinn', address: 'quinn@hotmail.example', stepRunId: 'e-q:s1' }],
      },
    },
    {
      name: 'an unsubscribe to our mailto matches its sender by address',
      file: 'unsubscribe-mailto.eml',
      sent: [],
      ongoing: [{ enrollmentId: 'e-r', contactId: 'rosa', address: 'rosa@brooklyn.example', lastSentRunId: null }],
      expected: {
        via: 'address',
        targets: [{ enrollmentId: 'e-r', contactId: 'rosa', address: 'rosa@brooklyn.example', stepRunId: null }],
      },
    },
    {
      name: 'a newsletter (other) never matches, even from an enrolled address',
      file: 'other-newsletter.eml',
      sent: [],
      ongoing: [],
      expected: null,
    },
  ];
  for (const row of table) {
    it(row.name, async () => {
      expect(matchMessage(await fixture(row.file), lookups(row.sent, row.ongoing))).toEqual(row.expected);
    });
  }

  it('a person in two campaigns of this mailbox: a reply by address is about both', async () => {
    const second = { ...anaOngoing, enrollmentId: 'e-ana-2', lastSentRunId: null };
    const found = matchMessage(await fixture('reply-outlook-en.eml'), {
      sent: new Map(),
      ongoingByAddress: new Map([[(await fixture('reply-outlook-en.eml')).from!, [anaOngoing, second]]]),
    });
    expect(found?.targets.map((t) => t.enrollmentId)).toEqual(['e-ana', 'e-ana-2']);
  });

  it('old mail: an address match with an enrollment launched after the message was written is nobody’s reply', async () => {
    const reply = await fixture('reply-gmail-en.eml'); // dated Thu 5 Mar 2026
    const launchedLater = { ...anaOngoing, launchedAt: Date.parse('2026-03-09T12:00:00Z') };
    const launchedBefore = { ...anaOngoing, launchedAt: Date.parse('2026-03-02T12:00:00Z') };
    expect(matchMessage(reply, lookups([], [launchedLater]))).toBeNull();
    expect(matchMessage(reply, lookups([], [launchedBefore]))?.targets.map((t) => t.enrollmentId)).toEqual(['e-ana']);
  });

  it('a sender whose clock runs slow: dated before the launch but received by the server after it, it is their reply', async () => {
    const reply = await fixture('reply-gmail-en.eml'); // dated Thu 5 Mar 2026
    const launchedLater = { ...anaOngoing, launchedAt: Date.parse('2026-03-05T20:00:00Z') };
    const received = (at: string) => ({ ...lookups([], [launchedLater]), receivedAt: Date.parse(at) });
    expect(matchMessage(reply, received('2026-03-05T20:05:00Z'))?.targets.map((t) => t.enrollmentId)).toEqual([
      'e-ana',
    ]);
    // Received before the launch too: old mail in the INBOX, as before.
    expect(matchMessage(reply, received('2026-03-05T19:00:00Z'))).toBeNull();
  });

  it('mail from one of the app’s own addresses (a test sent to oneself) is nobody’s reply', async () => {
    const reply = await fixture('reply-gmail-en.eml');
    const own = {
      ...lookups([['<cd-7a1f.s1@northwind.example>', ana]], [anaOngoing]),
      ownAddresses: new Set([reply.from!]),
    };
    expect(matchMessage(reply, own)).toBeNull();
  });

  it('an unsubscribe in the thread from someone else (a colleague it was forwarded to) does not unsubscribe its person', async () => {
    const request = await fixture('unsubscribe-reply.eml'); // from steve@shield.example, in Ana's thread
    expect(request.kind).toBe('unsubscribe');
    const inAnasThread: [string, SentRun][] = [['<cd-7a1f.s1.steve@northwind.example>', ana]];
    expect(matchMessage(request, lookups(inAnasThread, []))).toBeNull();
    const steve: OngoingEnrollment = {
      enrollmentId: 'e-st',
      contactId: 'steve',
      address: 'steve@shield.example',
      lastSentRunId: null,
    };
    expect(matchMessage(request, lookups(inAnasThread, [steve]))).toEqual({
      via: 'address',
      targets: [{ enrollmentId: 'e-st', contactId: 'steve', address: 'steve@shield.example', stepRunId: null }],
    });
  });
});
