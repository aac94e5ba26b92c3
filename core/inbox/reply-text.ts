/**
 * What a person wrote in a reply, without the quoted message and the signature:
 * the quote headers of Gmail, Outlook, Apple Mail, iOS, Android, Thunderbird and
 * Yahoo in English, German, French, Spanish, Dutch, Portuguese, Italian and Japanese,
 * `>` quotes (bottom-posted, top-posted and interleaved), Outlook's `From:/Sent:`
 * block, the RFC 3676 `-- ` signature delimiter, mobile taglines ("Sent from my
 * iPhone", "Von meinem iPhone gesendet", "Get Outlook for Android") and a closing
 * sign-off with the name and title under it.
 */

/** "On <date>, <name> wrote:" in the eight languages and the forms mail clients write. */
const WROTE_LINE = [
  /^\s*on\b.{4,300}\bwrote\s*:?\s*$/i,
  /^\s*am\b.{4,300}\bschrieb\b.{0,200}:?\s*$/i,
  /^.{0,200}\bschrieb\s*:?\s*$/i,
  /^\s*le\b.{4,300}\bécrit\s*:?\s*$/i,
  /^\s*el\b.{4,300}\bescribió\s*:?\s*$/i,
  /^.{0,300}\bescribió\s*:\s*$/i,
  /^\s*op\b.{4,300}\b(?:schreef|geschreven)\b.{0,200}:?\s*$/i,
  /^\s*em\b.{4,300}\bescreveu\s*:?\s*$/i,
  /^.{0,300}\bescreveu\s*:\s*$/i,
  /^\s*il (?:giorno )?.{4,300}\bha scritto\s*:?\s*$/i,
  /^.{0,300}\bha scritto\s*:\s*$/i,
  /^.{0,300}(?:のメッセージ|さんは書きました|が書きました|wrote)\s*[:：]\s*$/i,
  /^\s*\d{4}年\d{1,2}月\d{1,2}日.{0,200}[:：]\s*$/,
  /^\s*\d{4}[/-]\d{1,2}[/-]\d{1,2}.{0,200}<[^>]+@[^>]+>\s*[:：]?\s*$/,
];

/** Separator lines that start the original (Outlook, Yahoo, Lotus, forwards). */
const SEPARATOR = [
  /^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|message d'origine|message d’origine|mensaje original|oorspronkelijk bericht|origineel bericht|mensagem original|messaggio originale|元のメッセージ|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|doorgestuurd bericht|mensagem encaminhada|messaggio inoltrato|転送メッセージ)\s*-{2,}\s*$/i,
  /^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|inicio del mensaje reenviado|begin doorgestuurd bericht|início da mensagem reencaminhada|inizio messaggio inoltrato)\s*:\s*$/i,
];

/** Outlook's header block: `From:` then `Sent:`/`Date:` within a few lines, in each language. */
const FROM_FIELD = /^\s*\*?(?:from|von|de|da|van|差出人|送信者)\s*\*?\s*[:：]/i;
const SENT_FIELD =
  /^\s*\*?(?:sent|date|gesendet|datum|envoyé|date d'envoi|enviado|fecha|verzonden|verstuurd|inviato|data|送信日時|日付|to|an|à|para|aan|a|subject|betreff|objet|asunto|onderwerp|assunto|oggetto|件名)\s*\*?\s*[:：]/i;
const UNDERSCORES = /^\s*_{8,}\s*$/;

/** Mobile and webmail taglines; the tagline and everything below it go. */
const TAGLINE =
  /^\s*(?:sent from (?:my |the )?\S.{0,40}|sent (?:via|with|using) .{1,40}|get outlook for (?:ios|android)|outlook for (?:ios|android) (?:herunterladen|télécharger|descargar|downloaden|baixar|scaricare)|(?:von|vom) meinem .{1,30} gesendet|gesendet von (?:meinem )?.{1,30}|envoyé (?:de|depuis) (?:mon |ma )?.{1,30}|enviado (?:desde|de|do) (?:mi |meu |o meu |minha )?.{1,30}|verzonden (?:vanaf|met) (?:mijn )?.{1,30}|verstuurd (?:vanaf|met) (?:mijn )?.{1,30}|inviato da (?:iphone|ipad|android|mobile|samsung|outlook|libero|yahoo).{0,30}|inviato dal mio .{1,30}|iphoneから送信|ipadから送信|android ?から送信|.{1,20}から送信)\s*$/i;

const SIGNATURE_DELIMITER = /^(?:-- ?|--|—|__)\s*$/;

/** Sign-offs that end a reply; the name, title and phone lines under one go with it. */
const SIGN_OFF =
  /^\s*(?:best|best regards|best wishes|all the best|regards|kind regards|warm regards|warmly|many thanks|thanks(?: again)?|thank you|thx|cheers|sincerely|yours(?: sincerely| truly)?|talk soon|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|beste grüße|liebe grüße|schöne grüße|herzliche grüße|grüße|gruß|mfg|lg|cordialement|bien cordialement|bien à vous|salutations|amitiés|merci|bonne journée|saludos|un saludo|saludos cordiales|atentamente|gracias|muchas gracias|un abrazo|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groeten|groet|hartelijke groet(?:en)?|bedankt|atenciosamente|cumprimentos|abraços|abraço|obrigad[oa]|att|cordiali saluti|distinti saluti|saluti|un saluto|grazie|a presto|よろしくお願い(?:いた)?します|よろしくお願い申し上げます|以上、?よろしくお願いします)\s*[,.!。！]*\s*$/i;

export interface ReplyText {
  /** What the person wrote, trimmed. */
  text: string;
  /** Whether a quoted original was found (and removed). */
  quoted: boolean;
}

/**
 * Splits a reply's plain text into what the person wrote and what they quoted.
 *
 * @param body the reply's text/plain body (or its HTML as text, quotes as `> ` lines).
 * @returns the person's own words, quote and signature removed; `quoted` tells
 *   whether a quote was there.
 */
export function replyText(body: string): ReplyText {
  const lines = body
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0/g, ' ')
    .split('\n');
  const headerAt = quoteHeaderAt(lines);
  let own: string[];
  let quoted = false;
  if (headerAt !== null) {
    quoted = true;
    const after = lines.slice(headerAt.end);
    own = lines.slice(0, headerAt.start);
    if (isInterleaved(after)) own = own.concat(after.filter((line) => !isQuoteLine(line)));
  } else {
    own = lines;
  }
  // Quote lines: interleaved answers stay, the quoted lines go.
  const withoutQuotes = own.filter((line) => !isQuoteLine(line));
  if (withoutQuotes.length !== own.length) quoted = true;
  return { text: tidy(removeSignature(withoutQuotes)), quoted };
}

function isQuoteLine(line: string): boolean {
  return /^\s*(?:>|\|)/.test(line);
}

/** The first quote header (one line or wrapped over up to three), as a line range. */
function quoteHeaderAt(lines: string[]): { start: number; end: number } | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isQuoteLine(line) && !/^\s*>\s*(?:on|am|le|el|op|em|il)\b/i.test(line)) continue;
    const bare = line.replace(/^\s*>\s*/, '');
    for (let span = 1; span <= 3 && i + span <= lines.length; span++) {
      const joined = lines
        .slice(i, i + span)
        .map((l) => l.replace(/^\s*>\s*/, '').trim())
        .join(' ');
      if (joined.length > 400) break;
      if (WROTE_LINE.some((pattern) => pattern.test(joined))) {
        // A wrapped header must start like one: don't let a sentence end in "wrote:" pull earlier lines in.
        if (span === 1 || /^\s*(?:on|am|le|el|op|em|il|\d{4})\b/i.test(bare)) return { start: i, end: i + span };
      }
    }
    if (SEPARATOR.some((pattern) => pattern.test(line))) return { start: i, end: i + 1 };
    if (UNDERSCORES.test(line) && lines.slice(i + 1, i + 4).some((l) => FROM_FIELD.test(l)))
      return { start: i, end: i + 1 };
    if (FROM_FIELD.test(line) && lines.slice(i + 1, i + 5).filter((l) => SENT_FIELD.test(l)).length >= 1) {
      // Outlook without a separator line: "From: …" "Sent: …" "To: …" "Subject: …".
      return { start: i, end: i + 1 };
    }
  }
  return null;
}

/** After a quote header: `>` lines with the person's answers between them (an interleaved reply). */
function isInterleaved(after: string[]): boolean {
  const first = after.findIndex((line) => line.trim() !== '');
  if (first < 0 || !isQuoteLine(after[first]!)) return false;
  let sawAnswer = false;
  for (let i = first; i < after.length; i++) {
    const line = after[i]!;
    if (line.trim() === '') continue;
    if (isQuoteLine(line)) {
      if (sawAnswer) return true;
    } else {
      if (SIGNATURE_DELIMITER.test(line) || TAGLINE.test(line)) return false;
      sawAnswer = true;
    }
  }
  return false;
}

function removeSignature(lines: string[]): string[] {
  let end = lines.length;
  for (let i = 0; i < end; i++) {
    const line = lines[i]!;
    if (SIGNATURE_DELIMITER.test(line) || TAGLINE.test(line)) {
      end = i;
      break;
    }
  }
  let kept = lines.slice(0, end);
  // A sign-off near the end, with at most six short lines (name, title, phone) under it.
  for (let i = kept.length - 1; i >= 0 && i >= kept.length - 8; i--) {
    if (!SIGN_OFF.test(kept[i]!)) continue;
    const under = kept.slice(i + 1).filter((line) => line.trim() !== '');
    if (under.length <= 6 && under.every((line) => line.length <= 80) && i > 0) kept = kept.slice(0, i);
    break;
  }
  return kept;
}

function tidy(lines: string[]): string {
  return lines
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
