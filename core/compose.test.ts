import { describe, expect, it } from 'vitest';
import { composeEmail, followUpHeaders, type SentCopy } from './compose';
import type { EmailStep } from './model';

const mailbox = { name: 'Rep One', email: 'rep@example.com', timeZone: 'America/New_York' };
const ana = { id: 'c1', email: 'ana@example.org', firstName: 'Ana', company: 'Globex', custom: {} };
const first: EmailStep = {
  id: 's1',
  day: 1,
  type: 'email',
  subject: 'Quick question, {{ first_name }}',
  body: '<p>Hi {{ first_name }}, is {{ company }} planning anything?</p>',
  send: { timing: 'at_time', time: '09:30', followUp: false },
};
const followUp: EmailStep = {
  id: 's2',
  day: 3,
  type: 'email',
  body: '<p>Bumping this up.</p>',
  send: { timing: 'same_as_previous', followUp: true },
};
const sent: SentCopy = {
  subject: 'Quick question, Ana',
  html: '<p>Hi Ana, is Globex planning anything?</p>',
  text: 'Hi Ana, is Globex planning anything?',
  messageId: '<one@example.com>',
  references: [],
  sentAt: Date.parse('2026-03-06T14:30:00Z'),
  outside: false,
};

describe('composeEmail (SPEC §2, R10)', () => {
  it('renders the first email with merge fields and a plain-text part', () => {
    expect(composeEmail(first, ana, mailbox, undefined)).toEqual({
      subject: 'Quick question, Ana',
      html: '<p>Hi Ana, is Globex planning anything?</p>',
      text: 'Hi Ana, is Globex planning anything?',
    });
  });

  it('threads a follow-up onto the email as it was sent', () => {
    const reply = composeEmail(followUp, ana, mailbox, sent);
    expect(reply).toMatchObject({
      subject: 'Re: Quick question, Ana',
      inReplyTo: '<one@example.com>',
      references: ['<one@example.com>'],
    });
    expect((reply as { text: string }).text).toBe(
      'Bumping this up.\n\nOn Fri, Mar 6, 2026 at 9:30 AM, Rep One <rep@example.com> wrote:\n> Hi Ana, is Globex planning anything?',
    );
    expect((reply as { html: string }).html).toContain('<blockquote');
  });

  it('sends a follow-up of an email marked as sent outside the app as a new email, and says why', () => {
    expect(
      composeEmail({ ...followUp, subject: 'Following up' }, ana, mailbox, { ...sent, outside: true }),
    ).toMatchObject({
      subject: 'Following up',
      note: 'the previous email was marked as sent outside the app, so this one went as a new email',
    });
    expect(
      composeEmail(followUp, ana, mailbox, { ...sent, subject: 'Re: Quick question, Ana', outside: true }),
    ).toMatchObject({
      subject: 'Quick question, Ana',
    });
  });

  it('blocks a person with an empty field instead of sending "Hi ,"', () => {
    expect(composeEmail(first, { id: 'c2', email: 'x@example.org', custom: {} }, mailbox, undefined)).toEqual({
      blocked: 'body: missing first_name, company (empty, and no default given)',
    });
  });
});

describe('the reply headers an email step goes with (R10, RFC 5322 §3.6.4)', () => {
  const threaded: SentCopy = {
    ...sent,
    messageId: '<two@example.com>',
    references: ['<zero@example.com>', '<one@example.com>'],
  };
  it.each([
    [
      'a follow-up of an email the app sent',
      followUp,
      sent,
      { inReplyTo: '<one@example.com>', references: ['<one@example.com>'] },
    ],
    [
      'a follow-up deeper in the thread',
      followUp,
      threaded,
      { inReplyTo: '<two@example.com>', references: ['<zero@example.com>', '<one@example.com>', '<two@example.com>'] },
    ],
    [
      'a follow-up whose provider replaced our Message-ID',
      followUp,
      { ...sent, deliveredMessageId: '<them@outlook.example>' },
      { inReplyTo: '<them@outlook.example>', references: ['<one@example.com>', '<them@outlook.example>'] },
    ],
    ['a follow-up of an email marked as sent outside the app', followUp, { ...sent, outside: true }, undefined],
    ['a follow-up of an email that was not sent', followUp, undefined, undefined],
    ['an email that is not a follow-up', first, sent, undefined],
  ])('%s: %j', (_, step, previous, headers) => {
    expect(followUpHeaders(step, previous)).toEqual(headers);
    // composeEmail sends exactly these headers (none at all on a new email).
    const composed = composeEmail({ ...step, subject: 'Own subject' }, ana, mailbox, previous);
    expect(composed).toMatchObject(headers ?? {});
    if (!headers) expect(composed).not.toHaveProperty('inReplyTo');
  });
});
