/**
 * The IMAP settings a mailbox form starts from (SPEC §11: "same as SMTP" prefilled), pure.
 * Most providers name their servers `smtp.<domain>` and `imap.<domain>` and take the same
 * login for both; the few that do not are listed.
 */

/** SPEC §11: a server without IDLE is polled every 2 minutes unless the mailbox says otherwise. */
export const DEFAULT_INBOX_POLL_MS = 2 * 60_000;

/** The usual port for each security setting (RFC 8314 §3.3: 993 implicit TLS; 143 STARTTLS or none). */
export const IMAP_PORTS = { tls: 993, starttls: 143, none: 143 } as const;

/** Providers whose IMAP server is not the SMTP name with `smtp` turned into `imap`. */
const KNOWN: Record<string, string> = {
  'smtp-mail.outlook.com': 'outlook.office365.com',
  'smtp.office365.com': 'outlook.office365.com',
  'smtp.mail.me.com': 'imap.mail.me.com',
  'smtp.zoho.com': 'imap.zoho.com',
};

/**
 * The IMAP server a mailbox most likely reads from, given its SMTP server name:
 * `smtp.example.com` → `imap.example.com`, `smtp-relay.x` and `mail.x` and an IP address
 * unchanged, Outlook's and Office 365's to `outlook.office365.com`. Empty in, empty out.
 */
export function guessImapHost(smtpHost: string): string {
  const host = smtpHost.trim();
  const known = KNOWN[host.toLowerCase()];
  if (known) return known;
  return host.replace(/^smtp\./i, 'imap.');
}
