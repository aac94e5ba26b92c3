import { compile } from 'html-to-text';
import { allParts, type InboxMessage, type InboxPart } from './message';

// Compiled once (html-to-text's `convert` compiles its options on every call).
const readable = compile({
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'style', format: 'skip' },
    { selector: 'head', format: 'skip' },
  ],
});

/** Plain text of an HTML body for reading (quotes kept as `> ` lines, no link targets, no images). */
export function readableHtml(html: string): string {
  return readable(html);
}

function isBodyText(part: InboxPart): boolean {
  return part.disposition !== 'attachment' || !part.filename;
}

/**
 * What the person (or the server) wrote: the message's text/plain parts joined, or,
 * when it has none, its text/html parts as text. Attachments are not read.
 */
export function bodyText(message: InboxMessage): string {
  const parts = allParts(message);
  const plain = parts.filter((part) => part.type === 'text/plain' && part.text !== undefined && isBodyText(part));
  if (plain.length > 0) return normalizeNewlines(plain.map((part) => part.text!).join('\n'));
  const html = parts.filter((part) => part.type === 'text/html' && part.text !== undefined && isBodyText(part));
  return normalizeNewlines(html.map((part) => readableHtml(part.text!)).join('\n'));
}

/** `\r\n` and `\r` to `\n`, non-breaking spaces to spaces. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\u00a0/g, ' ');
}
