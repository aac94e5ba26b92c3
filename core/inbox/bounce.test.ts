import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from './classify';
import type { InboxMessage } from './message';
import { parseMessage } from './parse';

/** Classifies `fixtures/<name>` exactly as the host would: raw bytes → parseMessage → classify. */
async function classifyFixture(name: string) {
  return classify(await parseMessage(readFileSync(join(import.meta.dirname, 'fixtures', name))));
}

/** What a salesperson is shown for one failed recipient, and what R15 does with it. */
type Row = [address: string, status: string | null, permanent: boolean, action: string, category: string];

const BOUNCES: { file: string; server: string; recipients: Row[]; original: string[] }[] = [
  {
    file: 'bounce-postfix.eml',
    server: 'Postfix, RFC 3464 report, two recipients with different fates',
    recipients: [
      ['ana.lima@globex.example', '5.1.1', true, 'failed', 'unknown_address'],
      ['bo.chen@globex.example', '5.2.2', false, 'failed', 'mailbox_full'],
    ],
    original: ['<cd-7a1f.s1@northwind.example>'],
  },
  {
    file: 'bounce-postfix-delayed.eml',
    server: 'Postfix delay warning (Action: delayed)',
    recipients: [['dana@initech.example', '4.4.1', false, 'delayed', 'delayed']],
    original: ['<cd-7a1f.s1.dana@northwind.example>'],
  },
  {
    file: 'bounce-gmail.eml',
    server: 'Gmail, report with the human part nested in multipart/related',
    recipients: [['carla.ruiz@umbrella.example', '5.1.1', true, 'failed', 'unknown_address']],
    original: ['<cd-7a1f.s1.carla@northwind.example>'],
  },
  {
    file: 'bounce-gmail-delayed.eml',
    server: 'Gmail delay warning in prose, no report and no code',
    recipients: [['eve.stone@hooli.example', null, false, 'delayed', 'delayed']],
    original: ['<cd-7a1f.s1.eve@northwind.example>'],
  },
  {
    file: 'bounce-exim.eml',
    server: 'Exim, report whose Status is only the class (5.0.0): the diagnostic says 5.1.1',
    recipients: [['frank@vandelay.example', '5.1.1', true, 'failed', 'unknown_address']],
    original: ['<cd-7a1f.s1.frank@northwind.example>'],
  },
  {
    file: 'bounce-exim-prose.eml',
    server: 'Exim prose (no report), refused as spam: about the message, not the address',
    recipients: [['gina@pendant.example', '5.7.1', false, 'failed', 'spam_or_policy']],
    original: ['<cd-7a1f.s1.gina@northwind.example>'],
  },
  {
    file: 'bounce-sendmail.eml',
    server: 'Sendmail, domain does not exist',
    recipients: [['hal@nodomain-here.example', '5.1.2', true, 'failed', 'unknown_domain']],
    original: ['<cd-7a1f.s1.hal@northwind.example>'],
  },
  {
    file: 'bounce-qmail.eml',
    server: 'qmail prose, local mailbox missing (#5.1.1)',
    recipients: [['ivan@qmail-host.example', '5.1.1', true, 'failed', 'unknown_address']],
    original: ['<cd-7a1f.s1.ivan@northwind.example>'],
  },
  {
    file: 'bounce-qmail-remote.eml',
    server: 'qmail prose, remote mailbox over quota',
    recipients: [['judy@wonka.example', '5.2.2', false, 'failed', 'mailbox_full']],
    original: ['<cd-7a1f.s1.judy@northwind.example>'],
  },
  {
    file: 'bounce-office365.eml',
    server: 'Office 365, 5.1.10 RecipientNotFound (the address, not the domain)',
    recipients: [['kim.park@contoso.example', '5.1.10', true, 'failed', 'unknown_address']],
    original: ['<cd-7a1f.s1.kim@northwind.example>'],
  },
  {
    file: 'bounce-office365-access-denied.eml',
    server: 'Office 365 edge block, 5.4.1 Recipient address rejected: Access denied',
    recipients: [['lena@fabrikam.example', '5.4.1', true, 'failed', 'unknown_address']],
    original: ['<cd-7a1f.s1.lena@northwind.example>'],
  },
  {
    file: 'bounce-exchange.eml',
    server: 'Exchange on premises, mailbox full',
    recipients: [['max.ortiz@tailspin.example', '5.2.2', false, 'failed', 'mailbox_full']],
    original: ['<cd-7a1f.s1.max@northwind.example>'],
  },
  {
    file: 'bounce-ses.eml',
    server: 'Amazon SES, Status 5.0.0 with the receiving server’s 5.1.1 in the diagnostic',
    recipients: [['nora@initrode.example', '5.1.1', true, 'failed', 'unknown_address']],
    original: ['<0100018e1a2b3c4d-aaaa1111-2222-4333-8444-555566667777-000000@email.amazonses.com>'],
  },
  {
    file: 'bounce-yahoo.eml',
    server: 'Yahoo prose, no RFC 3463 code at all',
    recipients: [['olga.berg@yahoo.example', null, true, 'failed', 'unknown_address']],
    original: ['<cd-7a1f.s1.olga@northwind.example>'],
  },
];

describe('bounces: each failed recipient, its RFC 3463 status, and whether the address is bad (SPEC R15)', () => {
  it.each(BOUNCES)('$file ($server)', async ({ file, recipients, original }) => {
    const result = await classifyFixture(file);
    expect(result.kind).toBe('bounce');
    expect(result.bounce!.recipients.map((r): Row => [r.address, r.status, r.permanent, r.action, r.category])).toEqual(
      recipients,
    );
    expect(result.bounce!.originalMessageIds).toEqual(original);
    // R14 matches a bounce by the original's Message-ID and by the failed addresses.
    expect(result.match.addresses).toEqual(recipients.map(([address]) => address));
    for (const id of original) expect(result.match.messageIds).toContain(id);
  });

  it('says why in words, with the server’s own line', async () => {
    const [ana, bo] = (await classifyFixture('bounce-postfix.eml')).bounce!.recipients;
    expect(ana!.reason).toBe('The address does not exist');
    expect(ana!.diagnostic).toBe(
      '550 5.1.1 <ana.lima@globex.example>: Recipient address rejected: User unknown in virtual mailbox table',
    );
    expect(bo!.reason).toBe('The mailbox is full');
  });

  it('a delivery success report is not a bounce', async () => {
    const result = await classifyFixture('other-success-dsn.eml');
    expect(result.kind).toBe('other');
    expect(result.bounce).toBeUndefined();
  });
});

describe('bounces built by other parsers (the host may build an InboxMessage from IMAP)', () => {
  const headers = {
    from: ['Mail Delivery Subsystem <mailer-daemon@googlemail.com>'],
    subject: ['Delivery Status Notification (Failure)'],
  };
  const fields =
    'Reporting-MTA: dns; googlemail.com\n\nFinal-Recipient: rfc822; pat@umbrella.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.';

  it('reads Gmail’s fields from a text/plain child of the message/delivery-status part', () => {
    const message: InboxMessage = {
      headers: { ...headers, 'content-type': ['multipart/report; report-type=delivery-status'] },
      body: {
        type: 'multipart/report',
        params: { 'report-type': 'delivery-status' },
        parts: [
          { type: 'text/plain', text: "** Address not found **\n\nYour message wasn't delivered." },
          { type: 'message/delivery-status', parts: [{ type: 'text/plain', text: fields }] },
        ],
      },
    };
    const result = classify(message);
    expect(result.kind).toBe('bounce');
    expect(result.bounce!.recipients.map((r) => [r.address, r.status, r.permanent])).toEqual([
      ['pat@umbrella.example', '5.1.1', true],
    ]);
  });

  it('finds a report nested inside another part (a forwarded or wrapped report)', () => {
    const message: InboxMessage = {
      headers: { ...headers, 'content-type': ['multipart/mixed'] },
      body: {
        type: 'multipart/mixed',
        parts: [
          { type: 'text/plain', text: 'See the report below.' },
          {
            type: 'multipart/report',
            params: { 'report-type': 'delivery-status' },
            parts: [{ type: 'message/delivery-status', text: fields }],
          },
        ],
      },
    };
    const result = classify(message);
    expect(result.kind).toBe('bounce');
    expect(result.bounce!.recipients.map((r) => r.address)).toEqual(['pat@umbrella.example']);
  });
});
