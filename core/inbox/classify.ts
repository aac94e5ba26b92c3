import { detectAutoReply, isBulk, type AutoReplySignal } from './auto-reply';
import { fromMailSystem, readBounce, type BounceRecipient } from './bounce';
import { addresses, decodeHeader, firstMessageId, mailbox, messageIds, pushAddress } from './fields';
import { allParts, header, partText, type InboxMessage } from './message';
import { replyText } from './reply-text';
import { calendarDateOf, messageDate, readReturnDate } from './return-date';
import { bodyText } from './text';
import { isStopRequest, unsubscribeSubject } from './unsubscribe';

/** SPEC §11's kinds. */
export type InboxKind = 'reply' | 'auto_reply' | 'bounce' | 'complaint' | 'unsubscribe' | 'other';

/**
 * What the inbox makes of one message (SPEC §11, R14, R15). Pure data.
 *
 * - `from`: the `From` address, lower case, or null.
 * - `messageId`, `inReplyTo`: normalised `<id@domain>`, or null; `references`: in order.
 * - `match`: what R14 matches against sent step runs and enrollments. `messageIds`
 *   holds `In-Reply-To` and `References`, and for a bounce or complaint the returned
 *   original's Message-ID; `addresses` holds the failed recipients (bounce), the
 *   complained-about recipients (complaint), or the sender (every other kind).
 * - `bounce`, `complaint`, `autoReply`, `reply`, `unsubscribe`: present only for
 *   their kind (`reply` also for an `unsubscribe` that came as a reply's words).
 */
export interface Classification {
  kind: InboxKind;
  from: string | null;
  fromName: string | null;
  subject: string;
  /** The message's `Date` as UTC epoch ms, or null. */
  date: number | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  match: { messageIds: string[]; addresses: string[] };
  bounce?: {
    recipients: BounceRecipient[];
    /** The returned original's Message-IDs (R14). */
    originalMessageIds: string[];
  };
  complaint?: {
    /** RFC 5965 `Feedback-Type` (`abuse`, `fraud`, `not-spam`, …) or null. */
    feedbackType: string | null;
    /** Who complained: `Original-Rcpt-To`, `Removal-Recipient`, else the original's `To`. */
    addresses: string[];
    originalMessageIds: string[];
  };
  autoReply?: {
    /** The day the person is back, `YYYY-MM-DD` in their calendar, or null when the text names none. */
    returnsOn: string | null;
    /** What marked it automatic: RFC 3834 or vendor `header`, `subject`, or the `text`. */
    signal: AutoReplySignal;
  };
  reply?: { text: string };
  unsubscribe?: {
    /** The token of a `List-Unsubscribe` mailto subject (verify it before acting), or null. */
    token: string | null;
    /** `subject`: the mailto of List-Unsubscribe; `text`: a reply asking to stop. */
    via: 'subject' | 'text';
  };
}

export interface ClassifyOptions {
  /**
   * When the message arrived (UTC epoch ms, e.g. IMAP INTERNALDATE), used for the
   * year of a return date when the message has no readable `Date` header.
   */
  receivedAt?: number;
}

const FEEDBACK_TYPES = new Set(['message/feedback-report']);

/**
 * Classifies one message by SPEC §11: a complaint (RFC 5965 feedback report), a bounce
 * (RFC 3464 delivery-status report, or a common server's prose bounce), an
 * unsubscribe (`unsubscribe <token>` subject, or a reply that only asks to stop), an
 * automatic reply (RFC 3834 and vendor headers, out-of-office subjects and phrases in
 * eight languages), a reply (a person wrote), or `other` (bulk mail, a delivery
 * success report, a read receipt, a message with no sender). Never throws.
 */
export function classify(message: InboxMessage, options: ClassifyOptions = {}): Classification {
  const sender = mailbox(header(message, 'from'));
  const subject = decodeHeader(header(message, 'subject'));
  const inReplyTo = firstMessageId(header(message, 'in-reply-to'));
  const references = messageIds(headersJoined(message, 'references'));
  const threadIds = unique([...(inReplyTo ? [inReplyTo] : []), ...references]);
  const dateMs = parseDate(header(message, 'date'));
  const base: Classification = {
    kind: 'other',
    from: sender.address,
    fromName: sender.name,
    subject,
    date: dateMs,
    messageId: firstMessageId(header(message, 'message-id')),
    inReplyTo,
    references,
    match: { messageIds: threadIds, addresses: sender.address ? [sender.address] : [] },
  };
  const text = bodyText(message);

  const complaint = readComplaint(message);
  if (complaint) {
    return {
      ...base,
      kind: 'complaint',
      match: { messageIds: unique([...threadIds, ...complaint.originalMessageIds]), addresses: complaint.addresses },
      complaint,
    };
  }

  const bounce = readBounce(message, text);
  if (bounce?.success) return base;
  if (bounce) {
    const failed = bounce.recipients.map((r) => r.address);
    return {
      ...base,
      kind: 'bounce',
      match: { messageIds: unique([...threadIds, ...bounce.originalMessageIds]), addresses: failed },
      bounce: { recipients: bounce.recipients, originalMessageIds: bounce.originalMessageIds },
    };
  }
  if (isReport(message)) return base;

  const token = unsubscribeSubject(subject);
  if (token !== null) return { ...base, kind: 'unsubscribe', unsubscribe: { token: token || null, via: 'subject' } };

  const own = replyText(text);
  const reference =
    messageDate(header(message, 'date')) ?? (options.receivedAt ? calendarDateOf(options.receivedAt) : null);
  const autoReply = (signal: AutoReplySignal): Classification => ({
    ...base,
    kind: 'auto_reply',
    autoReply: { returnsOn: readReturnDate(own.text || text, reference), signal },
  });

  // Phrases in a quoted original never count; a person quoting us wrote the rest.
  const signal = detectAutoReply(message, own.quoted ? '' : own.text);
  if (signal === 'header') return autoReply(signal);
  if (isBulk(message) && threadIds.length === 0) return signal ? autoReply(signal) : base;
  if (signal) return autoReply(signal);

  if (!sender.address || fromMailSystem(message)) return base;
  if (isStopRequest(own.text)) {
    return { ...base, kind: 'unsubscribe', unsubscribe: { token: null, via: 'text' }, reply: { text: own.text } };
  }
  return { ...base, kind: 'reply', reply: { text: own.text } };
}

/** A complaint: an RFC 5965 feedback report. */
function readComplaint(message: InboxMessage): NonNullable<Classification['complaint']> | null {
  const parts = allParts(message);
  const report = parts.find((part) => FEEDBACK_TYPES.has(part.type));
  const typed =
    message.body.type === 'multipart/report' && /feedback-report/i.test(message.body.params?.['report-type'] ?? '');
  // Hotmail's older complaint format: the original as message/rfc822, no report part.
  const hotmail =
    /complaint about message from/i.test(decodeHeader(header(message, 'subject'))) &&
    parts.some((part) => part.message);
  if (!report && !typed && !hotmail) return null;
  const fields = report ? reportFields(partText(report)) : {};
  // RFC 6591 authentication-failure reports and "not spam" reports are no one asking to stop.
  const feedbackType = fields['feedback-type']?.[0]?.trim().toLowerCase() ?? null;
  if (feedbackType === 'auth-failure' || feedbackType === 'not-spam') return null;
  const found: string[] = [];
  for (const part of parts) {
    for (const value of part.message?.headers['x-hmxmroriginalrecipient'] ?? []) pushAddress(found, value);
  }
  for (const name of ['original-rcpt-to', 'removal-recipient']) {
    for (const value of fields[name] ?? []) for (const address of addresses(value)) pushAddress(found, address);
  }
  const ids: string[] = [];
  for (const part of parts) {
    const headersOfOriginal =
      part.message?.headers ?? (part.type === 'text/rfc822-headers' && part.text ? reportFields(part.text) : undefined);
    if (!headersOfOriginal) continue;
    for (const id of messageIds(headersOfOriginal['message-id']?.[0])) if (!ids.includes(id)) ids.push(id);
    if (found.length === 0)
      for (const address of addresses(headersOfOriginal['to']?.join(', '))) pushAddress(found, address);
  }
  return { feedbackType, addresses: found, originalMessageIds: ids };
}

/** Other machine reports (read receipts, RFC 8098) are neither replies nor bounces. */
function isReport(message: InboxMessage): boolean {
  if (message.body.type === 'multipart/report') return true;
  return allParts(message).some((part) => /disposition-notification/.test(part.type));
}

/** `Name: value` fields of a report or header block (lower-case names, values unfolded). */
function reportFields(text: string): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const line of text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (match) (map[match[1]!.toLowerCase()] ??= []).push(match[2]!.trim());
  }
  return map;
}

function headersJoined(message: InboxMessage, name: string): string | undefined {
  const values = message.headers[name];
  return values?.length ? values.join(' ') : undefined;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function parseDate(value: string | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(ms) ? null : ms;
}
