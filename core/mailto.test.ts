import { describe, expect, it } from 'vitest';
import { mailtoUrl } from './mailto';

describe('mailtoUrl (RFC 6068)', () => {
  it('encodes newlines as %0D%0A, UTF-8 as percent-encoded bytes, and escapes + & = ? #', () => {
    const { url, bodyLeftOut } = mailtoUrl({
      to: 'ana.lima@example.org',
      subject: 'Q2 + Q3 & more = café?',
      body: 'Hi Ana,\nline two\r\nthree #4 100%',
    });
    expect(bodyLeftOut).toBe(false);
    expect(url).toBe(
      'mailto:ana.lima@example.org?subject=Q2%20%2B%20Q3%20%26%20more%20%3D%20caf%C3%A9%3F' +
        '&body=Hi%20Ana%2C%0D%0Aline%20two%0D%0Athree%20%234%20100%25',
    );
  });

  it('escapes reserved characters in the address and carries In-Reply-To for a follow-up', () => {
    const { url } = mailtoUrl({ to: 'a+b@example.com', subject: 'Re: Hi', body: '', inReplyTo: '<x1@mail.example>' });
    expect(url).toBe('mailto:a%2Bb@example.com?subject=Re%3A%20Hi&In-Reply-To=%3Cx1%40mail.example%3E&body=');
  });

  it('a subject cannot carry a line break into the headers', () => {
    expect(mailtoUrl({ to: 'a@b.co', subject: 'one\r\nBcc: x@y.z', body: '' }).url).toContain(
      'subject=one%20Bcc%3A%20x%40y.z',
    );
  });

  it('leaves the body out when the URL would pass 2,000 characters', () => {
    const { url, bodyLeftOut } = mailtoUrl({ to: 'a@b.co', subject: 'Long', body: 'word '.repeat(500) });
    expect(bodyLeftOut).toBe(true);
    expect(url).toBe('mailto:a@b.co?subject=Long');
  });
});
