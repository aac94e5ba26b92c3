import PostalMime from 'postal-mime';
import type { Attachment, Header } from 'postal-mime';
import type { InboxMessage, InboxPart } from './message';

/** How much of a raw message `parseMessage` reads by default: 1 MiB (see `ParseOptions`). */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/** The most of an embedded message's header block `parseMessage` reads: 64 KiB. */
const MAX_EMBEDDED_HEADER_BYTES = 64 * 1024;

/** Parts whose decoded text the classifier reads even when they are attachments. */
const REPORT_TYPES = new Set([
  'message/delivery-status',
  'message/global-delivery-status',
  'message/feedback-report',
  'message/disposition-notification',
  'message/global-disposition-notification',
  'text/rfc822-headers',
  'message/global-headers',
]);

const EMBEDDED_TYPES = new Set(['message/rfc822', 'message/global']);

export interface ParseOptions {
  /**
   * Bytes of the raw message to read, from the start (default 1 MiB). The headers and
   * the text parts of a reply, out-of-office reply, bounce or complaint come first; the
   * rest is attachments and returned originals, which the classifier never needs. A
   * larger message is cut there (`InboxMessage` is then built from what was read), so
   * a 50 MB message costs what a 1 MB one does.
   */
  maxBytes?: number;
}

/** An `InboxMessage` plus whether the raw message was cut at `maxBytes`. */
export interface ParsedMessage extends InboxMessage {
  truncated: boolean;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Parses a raw RFC 5322 message (bytes as read from a `.eml` file or an IMAP
 * `BODY[]`) into the `InboxMessage` the classifier takes, with postal-mime (RFC 2045–
 * 2047, 2231). Never throws for bad input: a message that is not valid MIME becomes
 * whatever headers and text could be read (possibly none), which classifies as `other`
 * or as well as its content allows.
 *
 * Attachments are not kept: only text parts, report parts (RFC 3464 delivery-status,
 * RFC 5965 feedback-report, RFC 6522 rfc822-headers) and the headers of embedded
 * messages are.
 */
export async function parseMessage(
  raw: Uint8Array | ArrayBuffer | string,
  options: ParseOptions = {},
): Promise<ParsedMessage> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes =
    typeof raw === 'string' ? new TextEncoder().encode(raw) : raw instanceof Uint8Array ? raw : new Uint8Array(raw);
  const truncated = bytes.byteLength > maxBytes;
  if (truncated) bytes = bytes.subarray(0, maxBytes);
  try {
    const email = await PostalMime.parse(bytes, { forceRfc822Attachments: true });
    const headers = headerMap(email.headers);
    const root = contentType(headers);
    const attachments = await Promise.all(email.attachments.map(attachmentPart));
    let body: InboxPart;
    if (root.type.startsWith('multipart/')) {
      // postal-mime joins the inline text parts of each kind (text/plain parts into
      // `text`, text/html into `html`); the tree keeps one part of each, then the rest.
      const parts: InboxPart[] = [];
      if (email.text !== undefined) parts.push({ type: 'text/plain', text: email.text });
      if (email.html !== undefined) parts.push({ type: 'text/html', text: email.html });
      body = { ...root, parts: [...parts, ...attachments] };
    } else if (email.text === undefined && email.html === undefined && attachments[0]) {
      body = { ...attachments[0], params: root.params ?? {} };
    } else {
      body = { ...root, text: (root.type === 'text/html' ? email.html : email.text) ?? email.text ?? email.html ?? '' };
    }
    return { headers, body, truncated };
  } catch {
    // postal-mime refuses only pathological input (nesting past 256 levels, 2 MB of
    // headers): keep what a plain header scan finds.
    return { headers: scanHeaders(bytes), body: { type: 'text/plain', text: '' }, truncated };
  }
}

function headerMap(list: Header[]): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const { key, value } of list) (map[key] ??= []).push(value);
  return map;
}

/** `type/subtype` and parameters of the root part from its Content-Type header. */
function contentType(headers: Record<string, string[]>): Pick<InboxPart, 'type' | 'params'> {
  const value = headers['content-type']?.[0];
  if (!value) return { type: 'text/plain' };
  const [typePart = '', ...rest] = value.split(';');
  const type = typePart.trim().toLowerCase();
  const params: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    params[name] = piece
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/s, '$1');
  }
  return { type: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : 'text/plain', params };
}

async function attachmentPart(attachment: Attachment): Promise<InboxPart> {
  const type = attachment.mimeType.toLowerCase();
  const content = attachment.content;
  const data = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
  const part: InboxPart = {
    type,
    disposition: attachment.disposition,
    filename: attachment.filename,
    size: data.byteLength,
  };
  if (REPORT_TYPES.has(type)) part.text = utf8.decode(data);
  else if (EMBEDDED_TYPES.has(type)) part.message = await embeddedMessage(data);
  return part;
}

/** The headers of an embedded message (the original a bounce or complaint returns). */
async function embeddedMessage(data: Uint8Array): Promise<InboxMessage> {
  const end = headerEnd(data, MAX_EMBEDDED_HEADER_BYTES);
  try {
    const email = await PostalMime.parse(data.subarray(0, end));
    return { headers: headerMap(email.headers), body: { type: 'text/plain', text: '' } };
  } catch {
    return { headers: scanHeaders(data.subarray(0, end)), body: { type: 'text/plain', text: '' } };
  }
}

/** Offset just past the blank line that ends the header block, or `limit`. */
function headerEnd(data: Uint8Array, limit: number): number {
  const stop = Math.min(data.byteLength, limit);
  for (let i = 0; i < stop - 1; i++) {
    if (data[i] !== 0x0a) continue;
    if (data[i + 1] === 0x0a) return i + 2;
    if (data[i + 1] === 0x0d && data[i + 2] === 0x0a) return i + 3;
  }
  return stop;
}

/** A plain header scan (RFC 5322 §2.2), for input postal-mime refuses. */
function scanHeaders(bytes: Uint8Array): Record<string, string[]> {
  const text = utf8.decode(bytes.subarray(0, headerEnd(bytes, 256 * 1024)));
  const map: Record<string, string[]> = {};
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const match = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (match) (map[match[1]!.toLowerCase()] ??= []).push(match[2]!.trim());
  }
  return map;
}
