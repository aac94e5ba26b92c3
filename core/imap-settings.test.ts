import { describe, expect, it } from 'vitest';
import { guessImapHost } from './imap-settings';

describe('guessImapHost ("same as SMTP")', () => {
  it.each([
    ['smtp.example.com', 'imap.example.com'],
    ['SMTP.Example.com', 'imap.Example.com'],
    ['smtp.gmail.com', 'imap.gmail.com'],
    ['smtp-mail.outlook.com', 'outlook.office365.com'],
    ['smtp.office365.com', 'outlook.office365.com'],
    ['mail.example.com', 'mail.example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['  smtp.example.org ', 'imap.example.org'],
    ['', ''],
  ])('%s → %s', (smtp, imap) => {
    expect(guessImapHost(smtp)).toBe(imap);
  });
});
