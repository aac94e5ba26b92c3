import { describe, expect, it } from 'vitest';
import { classify, parseMessage } from '.';
import { messageKey } from './dedupe';

const message = (headers: string[], body = 'Yes, Thursday works.') =>
  parseMessage(new TextEncoder().encode([...headers, 'Content-Type: text/plain', '', body, ''].join('\r\n')));

describe('messageKey: one key per message across a UIDVALIDITY change (SPEC §11)', () => {
  const base = ['From: Ana <ana@globex.example>', 'To: rep@northwind.example', 'Date: Thu, 5 Mar 2026 10:02:11 -0500'];
  it.each([
    [
      'its own Message-ID when it has one',
      [...base, 'Subject: Re: Hi', 'Message-ID: <a1@globex.example>'],
      '<a1@globex.example>',
    ],
  ])('%s', async (_, headers, key) => {
    expect(messageKey(classify(await message(headers)))).toBe(key);
  });

  it('without one: the same message gives the same key, another message another', async () => {
    const a = messageKey(classify(await message([...base, 'Subject: Re: Hi'])));
    expect(a).toMatch(/^<cd-no-id\.[0-9a-z]+@campaign-desk\.invalid>$/);
    expect(messageKey(classify(await message([...base, 'Subject: Re: Hi'])))).toBe(a);
    expect(messageKey(classify(await message([...base, 'Subject: Re: Hello'])))).not.toBe(a);
    expect(messageKey(classify(await message([...base, 'Subject: Re: Hi'], 'No thanks.')))).not.toBe(a);
  });
});
