import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from './classify';
import { parseMessage } from './parse';
import { replyText } from './reply-text';

async function classifyFixture(name: string) {
  return classify(await parseMessage(readFileSync(join(import.meta.dirname, 'fixtures', name))));
}

/** What the Command Center's Replies folder shows: the person's words, quote and signature gone. */
const REPLIES: { file: string; client: string; text: string }[] = [
  {
    file: 'reply-gmail-en.eml',
    client: 'Gmail, English: sign-off, "-- " signature, "On … wrote:" and the > quote',
    text: 'Hi Sam,\n\nThursday at 2pm works for me. Can you send an invite?',
  },
  {
    file: 'reply-outlook-en.eml',
    client: 'Outlook, English: underscores and From:/Sent:/To:/Subject:, name and title under "Thanks,"',
    text: "Hi Sam,\n\nWe're interested. Could you share pricing for 50 seats?",
  },
  {
    file: 'reply-outlook-de.eml',
    client: 'Outlook, German: Von:/Gesendet:/An:/Betreff: without a separator line',
    text: 'Hallo Herr Rivera,\n\ndanke für die Nachricht. Schicken Sie mir bitte die Preisliste für 2026, dann melde ich mich nächste Woche.',
  },
  {
    file: 'reply-apple-mail-fr.eml',
    client: 'Apple Mail, French: "Le … a écrit :" quoted, "Bien cordialement,"',
    text: 'Bonjour Sam,\n\nMerci, mais nous avons déjà un fournisseur. Recontactez-moi en septembre.',
  },
  {
    file: 'reply-iphone.eml',
    client: 'iPhone Mail: "Sent from my iPhone" and a > quote with its header',
    text: 'Not right now, maybe next quarter.',
  },
  {
    file: 'reply-android-es.eml',
    client: 'Gmail for Android, Spanish: "El … escribió:" wrapped over two lines',
    text: 'Sí, llámame el martes por la mañana.',
  },
  {
    file: 'reply-gmail-nl.eml',
    client: 'Gmail, Dutch: "Op … schreef …:", "Met vriendelijke groet,"',
    text: 'Goedemorgen Sam,\n\nStuur me gerust een voorstel, dan bespreek ik het met het team.',
  },
  {
    file: 'reply-gmail-it.eml',
    client: 'Gmail, Italian: "Il giorno … ha scritto:" wrapped',
    text: 'Ciao Sam,\n\npossiamo sentirci lunedì alle 11?',
  },
  {
    file: 'reply-gmail-pt.eml',
    client: 'Gmail, Portuguese: "Em … escreveu:" wrapped, "Abraço,"',
    text: 'Oi Sam, pode me ligar amanhã às 10h.',
  },
  {
    file: 'reply-ja.eml',
    client: 'Japanese: "2026年3月5日(木) … <addr>:" and the よろしくお願いいたします。 sign-off',
    text: 'Sam様\n\nご連絡ありがとうございます。来週の水曜日であれば大丈夫です。',
  },
  {
    file: 'reply-interleaved.eml',
    client: 'Mutt, interleaved answers between quoted lines, "-- " signature',
    text: 'Yes, Tuesday.\n\nOur CTO, Priya.',
  },
];

describe('replies: the person’s words with the quote and signature removed (SPEC R15)', () => {
  it.each(REPLIES)('$file ($client)', async ({ file, text }) => {
    const result = await classifyFixture(file);
    expect(result.kind).toBe('reply');
    expect(result.reply).toEqual({ text });
    expect(result.inReplyTo).toMatch(/^<cd-7a1f\.s1[.a-z]*@northwind\.example>$/);
  });
});

describe('replyText', () => {
  it('says whether a quote was removed', () => {
    expect(replyText('Sounds good.\n\n> Do you have ten minutes?')).toEqual({ text: 'Sounds good.', quoted: true });
    expect(replyText('Sounds good.')).toEqual({ text: 'Sounds good.', quoted: false });
  });

  it('keeps a sign-off that is the whole message', () => {
    expect(replyText('Thanks!').text).toBe('Thanks!');
  });

  it('keeps words after a sign-off that are more than a name and title', () => {
    const body = 'Yes.\n\nThanks,\nTom\n\n' + 'P.S. '.padEnd(120, 'x');
    expect(replyText(body).text).toBe(body);
  });
});
