/**
 * The copy in the Sent folder (issue 11), as pure rules: whether a mailbox saves one, the
 * copy's Message-ID when the provider replaced ours (SPEC §5), and when a failed save is tried
 * again. The host does the IMAP APPEND (RFC 3501 §6.3.11); the renderer keeps what is waiting.
 */

/**
 * Providers whose SMTP server files what it sends in the Sent folder by itself: a copy from
 * the app would be a second one. Gmail and Google Workspace (`smtp.gmail.com`,
 * `smtp.googlemail.com`) do; most other servers (Postfix, Exchange on premises, hosting
 * companies) do not.
 */
const KEEPS_OWN_COPY = /(^|\.)(gmail|googlemail)\.com\.?$/i;

/**
 * Whether the SMTP server named `smtpHost` saves its own copy of each sent email in Sent
 * (Gmail, Google Workspace). Case and surrounding spaces do not matter.
 */
export function keepsOwnSentCopy(smtpHost: string): boolean {
  return KEEPS_OWN_COPY.test(smtpHost.trim());
}

/**
 * Whether a mailbox saves a copy of each sent email in its Sent folder: its own setting
 * (`saveSentCopy`), else on unless its SMTP server keeps its own copy ({@link keepsOwnSentCopy}).
 * Needs IMAP settings: without them there is no Sent folder to reach, and the answer is false.
 */
export function savesSentCopy(mailbox: {
  smtp: { host: string };
  imap?: unknown;
  saveSentCopy?: boolean | undefined;
}): boolean {
  if (!mailbox.imap) return false;
  return mailbox.saveSentCopy ?? !keepsOwnSentCopy(mailbox.smtp.host);
}

/**
 * The raw message with its Message-ID header set to `messageId` (the id the provider delivered,
 * SPEC §5), so the copy in Sent names what the recipient got and a reply to it matches. Only
 * the header block (up to the first empty line, RFC 5322 §2.1) is looked at; a folded
 * Message-ID header is replaced whole; a message without one gets it as its first header.
 * @param raw the message as it went on the wire (CRLF or LF line ends, kept as they are).
 * @param messageId `<id@domain>`.
 */
export function withMessageId(raw: string, messageId: string): string {
  const end = /\r?\n\r?\n/.exec(raw);
  const headEnd = end ? end.index : raw.length;
  const head = raw.slice(0, headEnd);
  const rest = raw.slice(headEnd);
  const eol = /\r\n/.test(raw) ? '\r\n' : '\n';
  // The header line and its continuation lines (those starting with a space or a tab).
  const header = /(^|\r?\n)Message-ID:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/i;
  if (header.test(head)) return head.replace(header, (_, before: string) => `${before}Message-ID: ${messageId}`) + rest;
  return `Message-ID: ${messageId}${eol}${head}${rest}`;
}

/**
 * Waits before each new try of a copy that could not be saved, ms: 1, 5 and 15 minutes, then
 * every hour (a refused password too: one login an hour does not lock an account, and saving
 * the mailbox with the right password tries again at once).
 */
export const SENT_COPY_BACKOFF_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

/** How long to wait after the `attempts`-th failed try (1-based), ms. */
export function sentCopyRetryIn(attempts: number): number {
  const i = Math.min(Math.max(attempts, 1), SENT_COPY_BACKOFF_MS.length) - 1;
  return SENT_COPY_BACKOFF_MS[i]!;
}
