/**
 * SPEC §5 for one SMTP transfer, as pure rules: how a transfer that ended is classified,
 * and which Message-ID the recipient really got. The host's mailer observes the transfer
 * (did the end of the message data reach the connection? what did the server reply?) and
 * asks these functions what it means; nothing here does I/O.
 */

/** How an SMTP transfer ended, as the mailer saw it. */
export interface TransferEnd {
  /** The SMTP reply code the server gave, or null when it gave none (a dropped connection, a timeout). */
  replyCode: number | null;
  /** The server's reply, or the library's words when there was none. */
  text: string;
  /**
   * True once the end of the message data was handed to the connection (the final dot follows
   * it at once): from then on the server may have accepted the message.
   */
  dataHandedOver: boolean;
}

/** What an ended transfer means for the send (the mail/send outcomes other than sent, deferred, offline). */
export type TransferVerdict =
  | { status: 'retry'; code: number | null; message: string }
  | { status: 'failed'; code: number | null; message: string }
  | { status: 'unknown'; message: string };

/**
 * SPEC §5, "in doubt means a person decides": a failure with no server reply after the end of
 * the data was handed over is `unknown` whatever the error says (it may have been accepted; a
 * retry could deliver it twice). A 5xx reply fails the send with the server's text; a 4xx
 * reply, or a failure before the data was handed over (refused connection, no greeting,
 * refused before DATA), is safe to retry.
 */
export function classifyTransfer(end: TransferEnd): TransferVerdict {
  const message = end.text.trim();
  if (end.replyCode === null && end.dataHandedOver) return { status: 'unknown', message };
  if (end.replyCode !== null && end.replyCode >= 500) return { status: 'failed', code: end.replyCode, message };
  return { status: 'retry', code: end.replyCode, message };
}

/**
 * Exchange Online and Outlook replace the Message-ID and name theirs in the final reply:
 * `250 2.0.0 OK <AM0PR01MB6417…@…prod.exchangelabs.com> [Hostname=…]`.
 */
const EXCHANGE_REPLY = /^250[ -]2\.0\.0 OK (<[^<>\s@]+@[^<>\s@]+>)(?:\s|$)/i;

/**
 * The Message-ID the recipient received, when the server says it replaced ours (SPEC §5,
 * "The delivered Message-ID").
 * @param reply the server's final reply to the message data.
 * @param ours the Message-ID the message was built with, `<id@domain>`.
 * @param libraryId what the SMTP library read from the reply (nodemailer's `serverMessageId`:
 *   Outlook's `*.prod.outlook.com` form, Amazon SES's id), if anything.
 * @returns `<id@domain>`, or undefined when the reply names none or names ours.
 */
export function deliveredMessageId(reply: string, ours: string, libraryId?: string): string | undefined {
  const named = libraryId ?? EXCHANGE_REPLY.exec(reply.trim())?.[1];
  if (!named || !/^<[^<>\s@]+@[^<>\s@]+>$/.test(named)) return undefined;
  return named.toLowerCase() === ours.toLowerCase() ? undefined : named;
}
