import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from './classify';
import { parseMessage } from './parse';
import { readReturnDate } from './return-date';

async function classifyFixture(name: string) {
  return classify(await parseMessage(readFileSync(join(import.meta.dirname, 'fixtures', name))));
}

const AUTO_REPLIES: { file: string; what: string; signal: string; returnsOn: string | null }[] = [
  {
    file: 'ooo-en-outlook.eml',
    what: 'Outlook, RFC 3834 Auto-Submitted: auto-generated, "until Monday, 16 March 2026"',
    signal: 'header',
    returnsOn: '2026-03-16',
  },
  {
    file: 'ooo-en-x-autoreply.eml',
    what: 'X-Autoreply: yes, a "Re:" subject, "back on March 23rd"',
    signal: 'header',
    returnsOn: '2026-03-23',
  },
  {
    file: 'ooo-en-x-autorespond.eml',
    what: 'X-Autorespond, no date in the text',
    signal: 'header',
    returnsOn: null,
  },
  {
    file: 'ooo-en-text-only.eml',
    what: 'no header, no out-of-office subject: the phrase "out of the office … will return on 25 March"',
    signal: 'text',
    returnsOn: '2026-03-25',
  },
  {
    file: 'ooo-de.eml',
    what: 'German, "bis einschließlich 13.03.2026 … Ab dem 16.03. wieder erreichbar"',
    signal: 'header',
    returnsOn: '2026-03-16',
  },
  {
    file: 'ooo-fr.eml',
    what: 'French, Precedence: auto_reply, "jusqu’au 20 mars inclus. De retour le lundi 23 mars"',
    signal: 'header',
    returnsOn: '2026-03-23',
  },
  {
    file: 'ooo-es.eml',
    what: 'Spanish subject "Fuera de la oficina", "hasta el 18 de marzo … Regresaré … el lunes 23 de marzo"',
    signal: 'subject',
    returnsOn: '2026-03-23',
  },
  {
    file: 'ooo-nl.eml',
    what: 'Dutch subject "Afwezigheidsbericht", "tot en met vrijdag 13 maart. Vanaf maandag 16 maart"',
    signal: 'subject',
    returnsOn: '2026-03-16',
  },
  {
    file: 'ooo-pt.eml',
    what: 'Portuguese subject "Resposta automática", "até 27/03/2026. Retornarei no dia 30/03"',
    signal: 'subject',
    returnsOn: '2026-03-30',
  },
  {
    file: 'ooo-it.eml',
    what: 'Italian, "fino al 19 marzo. Rientrerò in ufficio venerdì 20 marzo"',
    signal: 'header',
    returnsOn: '2026-03-20',
  },
  {
    file: 'ooo-ja.eml',
    what: 'Japanese subject 自動応答 (RFC 2047, base64 body), "3月17日より出社"',
    signal: 'subject',
    returnsOn: '2026-03-17',
  },
];

describe('out-of-office replies and the return date read from the text (SPEC §11)', () => {
  it.each(AUTO_REPLIES)('$file: $what', async ({ file, signal, returnsOn }) => {
    const result = await classifyFixture(file);
    expect(result.kind).toBe('auto_reply');
    expect(result.autoReply).toEqual({ returnsOn, signal });
    // Never counted as a reply (R15).
    expect(result.reply).toBeUndefined();
  });

  it('keeps the thread headers an auto-reply carries, for matching (R14)', async () => {
    const result = await classifyFixture('ooo-en-outlook.eml');
    expect(result.from).toBe('ana.lima@globex.example');
    expect(result.inReplyTo).toBe('<cd-7a1f.s1@northwind.example>');
    expect(result.references).toEqual(['<cd-7a1f.s1@northwind.example>']);
  });
});

describe('readReturnDate', () => {
  const march5 = { year: 2026, month: 3, day: 5 };
  it.each([
    ['back on 12 March', '2026-03-12'],
    ['zurück am 12.03.', '2026-03-12'],
    ['de retour le 12 mars', '2026-03-12'],
    ['Volveré el 12 de marzo.', '2026-03-12'],
    ['Estarei de volta até 12/03.', '2026-03-12'],
    ['Sarò di ritorno il 12 marzo.', '2026-03-12'],
    ['Ik ben terug op 12 maart.', '2026-03-12'],
    ['3月12日まで不在です', '2026-03-12'],
    ['I will be back on Monday.', '2026-03-09'],
    // A date without a year after the message's own date takes the next year when it is far behind.
    ['back on 8 January', '2027-01-08'],
    ['I am away this week.', null],
  ])('%j → %s', (text, expected) => {
    expect(readReturnDate(text, march5)).toBe(expected);
  });
});
