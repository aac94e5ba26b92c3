import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from './classify';
import { parseMessage } from './parse';

async function classifyFixture(name: string) {
  return classify(await parseMessage(readFileSync(join(import.meta.dirname, 'fixtures', name))));
}

describe('complaints (RFC 5965 feedback reports)', () => {
  it('names who complained and the original’s Message-ID', async () => {
    const result = await classifyFixture('complaint-arf.eml');
    expect(result.kind).toBe('complaint');
    expect(result.complaint).toEqual({
      feedbackType: 'abuse',
      addresses: ['quinn@hotmail.example'],
      originalMessageIds: ['<cd-7a1f.s1.quinn@northwind.example>'],
    });
    expect(result.match).toEqual({
      messageIds: ['<cd-7a1f.s1.quinn@northwind.example>'],
      addresses: ['quinn@hotmail.example'],
    });
  });
});

describe('unsubscribes (SPEC §11, §12)', () => {
  it('a message to the List-Unsubscribe mailto, with its token', async () => {
    const result = await classifyFixture('unsubscribe-mailto.eml');
    expect(result.kind).toBe('unsubscribe');
    expect(result.unsubscribe).toEqual({
      token: 'v1.d3Jrc3BhY2UtMQ.cm9zYUBicm9va2x5bi5leGFtcGxl.Q2h5dWs3',
      via: 'subject',
    });
    expect(result.from).toBe('rosa@brooklyn.example');
  });

  it('a reply whose own words only ask to stop', async () => {
    const result = await classifyFixture('unsubscribe-reply.eml');
    expect(result.kind).toBe('unsubscribe');
    expect(result.unsubscribe).toEqual({ token: null, via: 'text' });
    expect(result.reply).toEqual({ text: 'Please remove me from your list.' });
  });

  it.each([
    ['Unsubscribe', true],
    ['Bitte abmelden.', true],
    ['Merci de me retirer de votre liste.', true],
    ['Darme de baja, por favor', true],
    ['Please stop by on Tuesday, we can talk then.', false],
  ])('a reply saying %j is an unsubscribe: %s', (words, stop) => {
    const result = classify({
      headers: { from: ['Pat <pat@example.org>'], subject: ['Re: Quick question'] },
      body: { type: 'text/plain', text: words },
    });
    expect(result.kind).toBe(stop ? 'unsubscribe' : 'reply');
  });
});

describe('other', () => {
  it.each([
    ['other-newsletter.eml', 'a newsletter (List-Id, Precedence: bulk) whose text mentions being out'],
    ['other-success-dsn.eml', 'a delivery success report'],
    ['other-not-mime.eml', 'bytes that are not a mail message'],
  ])('%s: %s', async (file) => {
    const result = await classifyFixture(file);
    expect(result.kind).toBe('other');
    expect(result.bounce ?? result.autoReply ?? result.reply ?? result.complaint ?? result.unsubscribe).toBeUndefined();
  });

  it('a read receipt (RFC 8098) is neither a reply nor a bounce', () => {
    const result = classify({
      headers: { from: ['Ana <ana@globex.example>'], subject: ['Read: Quick question'] },
      body: {
        type: 'multipart/report',
        params: { 'report-type': 'disposition-notification' },
        parts: [
          { type: 'text/plain', text: 'Your message was read on Thursday.' },
          { type: 'message/disposition-notification', text: 'Disposition: manual-action/MDN-sent-manually; displayed' },
        ],
      },
    });
    expect(result.kind).toBe('other');
  });
});

describe('parseMessage bounds', () => {
  it('reads a 50 MB message only up to 1 MiB and still classifies the reply at its top', async () => {
    const head =
      'From: Ana Lima <ana.lima@globex.example>\r\nTo: rep@northwind.example\r\nSubject: Re: Quick question\r\n' +
      'In-Reply-To: <cd-7a1f.s1@northwind.example>\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the deck attached.\r\n' +
      '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="deck.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    const raw = new Uint8Array(50 * 1024 * 1024);
    raw.set(new TextEncoder().encode(head));
    raw.fill(0x41, head.length);
    const parsed = await parseMessage(raw);
    expect(parsed.truncated).toBe(true);
    const result = classify(parsed);
    expect(result.kind).toBe('reply');
    expect(result.reply).toEqual({ text: 'See the deck attached.' });
  });
});
