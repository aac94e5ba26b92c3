import { z } from 'zod';

/**
 * The message the inbox classifier reads: plain data, no parser objects, so the host
 * can build it from IMAP (headers, BODYSTRUCTURE and the text parts it fetched, never
 * attachments), `parseMessage` can build it from raw RFC 5322 bytes, and it crosses the
 * host contract as JSON.
 *
 * - `headers`: field name in lower case → every value of that field, in message order,
 *   unfolded (RFC 5322 §2.2.3). RFC 2047 encoded words may be left encoded: the
 *   classifier decodes them where it reads text (Subject, display names).
 * - `body`: the root MIME part (RFC 2045/2046).
 */
export interface InboxMessage {
  headers: Record<string, string[]>;
  body: InboxPart;
}

/**
 * One MIME part.
 *
 * - `type`: `type/subtype` in lower case (`multipart/report`, `text/plain`,
 *   `message/delivery-status`).
 * - `params`: Content-Type parameters, names in lower case (`report-type`, `charset`).
 * - `disposition`: `inline`, `attachment` or null (RFC 2183).
 * - `text`: the decoded text (transfer encoding and charset undone) of a part the
 *   classifier reads: `text/*`, `message/delivery-status` (RFC 3464),
 *   `message/feedback-report` (RFC 5965), `text/rfc822-headers` (RFC 6522) and their
 *   RFC 6533 `global` forms. Absent for attachments; a host never needs to fetch those.
 * - `parts`: the children of a `multipart/*` part, in order. Some parsers present the
 *   fields of a delivery-status part as a `text/plain` child; the classifier reads
 *   those too.
 * - `message`: for `message/rfc822` (and `message/global`), the embedded message; its
 *   headers are enough (`body` may be an empty `text/plain`).
 * - `size`: the part's decoded size in bytes where known, for a part whose text is
 *   not given.
 */
export interface InboxPart {
  type: string;
  params?: Record<string, string>;
  disposition?: string | null;
  filename?: string | null;
  text?: string;
  parts?: InboxPart[];
  message?: InboxMessage;
  size?: number;
}

const headerMap = z.record(z.string(), z.array(z.string()));

/** zod schema of an `InboxPart` (recursive), for the host contract. */
export const InboxPartSchema: z.ZodType<InboxPart> = z.lazy(() =>
  z.object({
    type: z.string().min(1),
    params: z.record(z.string(), z.string()).optional(),
    disposition: z.string().nullable().optional(),
    filename: z.string().nullable().optional(),
    text: z.string().optional(),
    parts: z.array(InboxPartSchema).optional(),
    message: InboxMessageSchema.optional(),
    size: z.number().int().nonnegative().optional(),
  }),
);

/** zod schema of an `InboxMessage`, for the host contract (`inbox/messages`). */
export const InboxMessageSchema: z.ZodType<InboxMessage> = z.lazy(() =>
  z.object({ headers: headerMap, body: InboxPartSchema }),
);

/** The first value of header `name` (any case), or undefined. */
export function header(message: InboxMessage, name: string): string | undefined {
  return message.headers[name.toLowerCase()]?.[0];
}

/** Every value of header `name` (any case), in message order. */
export function headers(message: InboxMessage, name: string): string[] {
  return message.headers[name.toLowerCase()] ?? [];
}

/**
 * Every part of the message, depth first, the root first. Embedded messages
 * (`message/rfc822`) are not entered: their parts belong to another message.
 */
export function allParts(message: InboxMessage): InboxPart[] {
  const out: InboxPart[] = [];
  const walk = (part: InboxPart, depth: number): void => {
    out.push(part);
    if (depth > 64) return;
    for (const child of part.parts ?? []) walk(child, depth + 1);
  };
  walk(message.body, 0);
  return out;
}

/** The text of a part and of any children a parser hung under it (see `InboxPart.parts`). */
export function partText(part: InboxPart): string {
  if (!part.parts?.length) return part.text ?? '';
  return [part.text ?? '', ...part.parts.map(partText)].filter((text) => text !== '').join('\n');
}
