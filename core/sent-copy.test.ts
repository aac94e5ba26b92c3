import { describe, expect, it } from 'vitest';
import { keepsOwnSentCopy, savesSentCopy, sentCopyRetryIn, withMessageId } from './sent-copy';

const imap = { host: 'imap.example.com', port: 993, security: 'tls', user: 'rep@example.com' };

describe('which mailboxes save a copy in Sent', () => {
  it.each([
    ['smtp.gmail.com', true],
    ['SMTP.GoogleMail.com ', true],
    ['smtp-relay.gmail.com', true],
    ['smtp.example.com', false],
    ['notgmail.com', false],
    ['gmail.com.evil.example', false],
    ['smtp.office365.com', false],
  ])('%s keeps its own copy: %s', (host, keeps) => {
    expect(keepsOwnSentCopy(host)).toBe(keeps);
  });

  it('on by default, off for Gmail, as the mailbox says when it says, never without IMAP settings', () => {
    expect(savesSentCopy({ smtp: { host: 'smtp.example.com' }, imap })).toBe(true);
    expect(savesSentCopy({ smtp: { host: 'smtp.gmail.com' }, imap })).toBe(false);
    expect(savesSentCopy({ smtp: { host: 'smtp.gmail.com' }, imap, saveSentCopy: true })).toBe(true);
    expect(savesSentCopy({ smtp: { host: 'smtp.example.com' }, imap, saveSentCopy: false })).toBe(false);
    expect(savesSentCopy({ smtp: { host: 'smtp.example.com' }, saveSentCopy: true })).toBe(false);
  });
});

describe('the copy carries the delivered Message-ID (SPEC §5)', () => {
  const delivered = '<AM0PR01MB6417@AM0PR01MB6417.prod.exchangelabs.com>';

  it('replaces the header, folded or not, and nothing in the body', () => {
    const raw =
      'From: Rep <rep@example.com>\r\nMessage-ID:\r\n <ours-1@example.com>\r\nSubject: Hi\r\n\r\n' +
      'Message-ID: <ours-1@example.com> is quoted here\r\n';
    expect(withMessageId(raw, delivered)).toBe(
      `From: Rep <rep@example.com>\r\nMessage-ID: ${delivered}\r\nSubject: Hi\r\n\r\n` +
        'Message-ID: <ours-1@example.com> is quoted here\r\n',
    );
    expect(withMessageId('message-id: <a@b>\r\nSubject: x\r\n\r\nbody', delivered)).toBe(
      `Message-ID: ${delivered}\r\nSubject: x\r\n\r\nbody`,
    );
  });

  it('adds it first when the message has none', () => {
    expect(withMessageId('Subject: x\r\n\r\nbody', delivered)).toBe(
      `Message-ID: ${delivered}\r\nSubject: x\r\n\r\nbody`,
    );
  });
});

it('a copy that could not be saved is tried again after 1, 5, 15 minutes, then every hour', () => {
  expect([1, 2, 3, 4, 5, 40].map((n) => sentCopyRetryIn(n) / 60_000)).toEqual([1, 5, 15, 60, 60, 60]);
});
