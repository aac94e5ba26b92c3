import { describe, expect, it } from 'vitest';
import {
  attributionLine,
  newMessageId,
  parseMessageIds,
  quoteHtml,
  quoteText,
  replyHeaders,
  replySubject,
} from './threading';

const previous = {
  html: '<p>Hi Ana,</p><p>Is Globex planning anything for Q2?</p>',
  text: 'Hi Ana,\n\nIs Globex planning anything for Q2?',
  sentAt: Date.parse('2026-03-06T14:30:00Z'),
  senderName: 'Rep One',
  senderEmail: 'rep@example.com',
};

describe('follow-up threading (SPEC R10, RFC 5322 §3.6.4)', () => {
  it('prefixes Re: exactly once', () => {
    expect(replySubject('Quick question')).toBe('Re: Quick question');
    expect(replySubject('Re: Quick question')).toBe('Re: Quick question');
    expect(replySubject('RE: re:Quick question')).toBe('Re: Quick question');
    expect(replySubject('Re[2]: Quick question')).toBe('Re: Quick question');
  });

  it('In-Reply-To is the parent Message-ID; References the parent References then its Message-ID', () => {
    expect(replyHeaders({ messageId: '<a@example.com>' })).toEqual({
      inReplyTo: '<a@example.com>',
      references: ['<a@example.com>'],
    });
    expect(replyHeaders({ messageId: '<c@example.com>', references: ['<a@example.com>', '<b@example.com>'] })).toEqual({
      inReplyTo: '<c@example.com>',
      references: ['<a@example.com>', '<b@example.com>', '<c@example.com>'],
    });
  });

  it('falls back to the parent In-Reply-To when it has no References', () => {
    expect(replyHeaders({ messageId: '<b@x>', inReplyTo: ['<a@x>'] }).references).toEqual(['<a@x>', '<b@x>']);
  });

  it('makes a Message-ID in the sender domain and parses id lists', () => {
    expect(newMessageId('rep@example.com')).toMatch(/^<[0-9a-f-]{36}@example\.com>$/);
    expect(parseMessageIds('<a@x>  <b@y>\r\n <c@z>')).toEqual(['<a@x>', '<b@y>', '<c@z>']);
  });

  it('writes the attribution line in the sender zone', () => {
    expect(attributionLine(previous, 'America/New_York')).toBe(
      'On Fri, Mar 6, 2026 at 9:30 AM, Rep One <rep@example.com> wrote:',
    );
  });

  it('quotes the previous HTML body in a blockquote under the new body', () => {
    const html = quoteHtml('<p>Bumping this up.</p>', previous, 'America/New_York');
    expect(html).toBe(
      '<p>Bumping this up.</p>\n<div class="cd-quote-attribution">On Fri, Mar 6, 2026 at 9:30 AM, Rep One &lt;rep@example.com&gt; wrote:</div>\n' +
        '<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex"><p>Hi Ana,</p><p>Is Globex planning anything for Q2?</p></blockquote>',
    );
  });

  it('quotes the previous plain text with "> " on every line', () => {
    expect(quoteText('Bumping this up.', previous, 'America/New_York')).toBe(
      'Bumping this up.\n\nOn Fri, Mar 6, 2026 at 9:30 AM, Rep One <rep@example.com> wrote:\n> Hi Ana,\n>\n> Is Globex planning anything for Q2?',
    );
  });
});
