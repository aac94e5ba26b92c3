/**
 * Whether a bounce says the address itself is bad (SPEC R15: permanent — the contact
 * is marked `bounced` and never mailed again) or the failure is temporary or about
 * the message. Read from the RFC 3463 status code and the server's words together,
 * because servers disagree about codes: Office 365 says `5.4.1 Recipient address
 * rejected: Access denied` for an address it does not have, some say `5.1.1` for a
 * full mailbox. The table is in docs/DECISIONS.md ("Bounces: what is permanent").
 */

/** Why one recipient failed, in words a salesperson reads on the sent email. */
export type BounceCategory =
  | 'unknown_address'
  | 'unknown_domain'
  | 'moved'
  | 'mailbox_full'
  | 'disabled'
  | 'spam_or_policy'
  | 'too_large'
  | 'sender_refused'
  | 'throttled'
  | 'expired'
  | 'delayed'
  | 'temporary'
  | 'other';

/** The words shown for each category. */
export const CATEGORY_WORDS: Record<BounceCategory, string> = {
  unknown_address: 'The address does not exist',
  unknown_domain: 'The domain does not receive email',
  moved: 'The person has moved: the address is no longer used',
  mailbox_full: 'The mailbox is full',
  disabled: 'The mailbox is disabled or suspended',
  spam_or_policy: 'Refused as spam or by the receiving server’s policy',
  too_large: 'The email is too large for the receiving server',
  sender_refused: 'The receiving server refused our sending address or server',
  throttled: 'The receiving server is limiting how much mail it takes; try later',
  expired: 'The receiving server could not be reached; delivery was given up',
  delayed: 'Delivery is delayed; the server is still trying',
  temporary: 'A temporary failure at the receiving server',
  other: 'Delivery failed',
};

const PERMANENT: ReadonlySet<BounceCategory> = new Set(['unknown_address', 'unknown_domain', 'moved']);

/** Codes that name a bad address however they are worded (RFC 3463, RFC 7505). */
const HARD_CODES: Record<string, BounceCategory> = {
  '5.1.1': 'unknown_address',
  '5.1.2': 'unknown_domain',
  '5.1.3': 'unknown_address',
  '5.1.6': 'moved',
  '5.1.10': 'unknown_domain',
  '5.4.4': 'unknown_domain',
};

/** Codes about the sender's address or server (RFC 3463 X.1.7, X.1.8; RFC 7372 X.7.2x). */
const SENDER_CODES: ReadonlySet<string> = new Set([
  '5.1.7',
  '5.1.8',
  '5.7.20',
  '5.7.21',
  '5.7.22',
  '5.7.23',
  '5.7.24',
  '5.7.25',
  '5.7.26',
  '5.7.27',
]);

/** Codes that name a temporary or message-level failure when the words say nothing more. */
const SOFT_CODES: Record<string, BounceCategory> = {
  '5.1.7': 'sender_refused',
  '5.1.8': 'sender_refused',
  '5.2.1': 'disabled',
  '5.2.2': 'mailbox_full',
  '5.2.3': 'too_large',
  '5.3.4': 'too_large',
  '5.4.7': 'expired',
  '5.7.26': 'sender_refused',
};

/** The server's words, most telling first: a full mailbox beats everything. */
const SOFT_WORDS: [BounceCategory, RegExp][] = [
  [
    'mailbox_full',
    /mail ?box (?:is )?full|over ?quota|quota (?:exceeded|full)|exceed(?:ed|s)? (?:\w+ )?(?:storage|quota)|insufficient (?:\w+ )?storage|mailbox size limit|not enough (?:space|storage)|out of storage|postfach (?:ist )?voll|speicherplatz|boîte (?:aux lettres |mail )?pleine|buzón (?:está )?lleno|mailbox vol|casella (?:di posta )?piena|caixa (?:de correio )?cheia/i,
  ],
  [
    'disabled',
    /disabled|suspended|inactive|deactivated|locked|frozen|discontinued|not active|blocked for (?:the )?(?:user|account)|gesperrt|désactivé|desactivad|gedeactiveerd|disattivat|desativad/i,
  ],
  [
    'too_large',
    /too (?:big|large)|size limit|exceeds (?:the )?(?:maximum|size|message size)|message size|message length/i,
  ],
  [
    'sender_refused',
    /relay(?:ing)? (?:access )?denied|relaying (?:is )?not (?:allowed|permitted)|no relaying|sender address rejected|domain of sender|sender (?:address|domain)|envelope sender|sender verify|bad sender|authentication required|not permitted to relay/i,
  ],
  [
    'spam_or_policy',
    /spam|junk|black ?list|block ?list|blocked|spamhaus|\brbl\b|dnsbl|reputation|policy|content (?:rejected|filter)|rejected (?:due to|because of) (?:content|policy)|dmarc|\bspf\b|\bdkim\b|unauthenticated|virus|malware|phish|banned|suspicious|not accepted for (?:policy|security)|message rejected|refused to accept|ptr record|reverse dns/i,
  ],
  [
    'throttled',
    /too many (?:connections|messages|emails|mails|recipients|concurrent)|rate limit|rate-limit|throttl|try again later|greylist|graylist|temporarily (?:deferred|rejected|refused)|exceeded (?:the )?(?:\w+ )?(?:rate|limit)/i,
  ],
  [
    'expired',
    /expired|timed? ?out|retry (?:time|timeout)|delivery time|could not be delivered (?:with|for|within) \d+|no answer|connection refused|unreachable|unable to connect/i,
  ],
];

/** The server's words for a bad address. */
const HARD_WORDS: [BounceCategory, RegExp][] = [
  [
    'unknown_domain',
    /host (?:or domain name )?(?:not found|unknown)|unknown host|domain (?:name )?(?:not found|does not exist|unknown)|no such domain|no (?:mx|mail exchanger)|null mx|does not accept (?:e-?)?mail|name service error|nxdomain|unrout(?:e)?able (?:address|domain|mail domain)|all relevant mx records point to non-existent hosts|domain (?:has|with) no (?:mx|mail)|not a (?:known|valid) (?:domain|host)|domäne (?:existiert nicht|unbekannt)|domaine (?:inconnu|inexistant)/i,
  ],
  [
    'moved',
    /has moved|moved permanently|no longer (?:with|at|employed|works?|working|in use|used|valid|active|available|exists?|here)|left the (?:company|organi[sz]ation|firm)|not (?:with|at) (?:the|this) (?:company|organi[sz]ation) any ?more/i,
  ],
  [
    'unknown_address',
    /user unknown|unknown user|unknown (?:or illegal )?(?:recipient|mailbox|address|local[- ]part|alias|account|e-?mail)|no such (?:user|mailbox|recipient|address|account|person|local user|e-?mail)|(?:user|mailbox|recipient|address|account|addressee)(?: name)? (?:does not|doesn't|did not|do not) exist|(?:does not|doesn't) exist|\bnot exist|doesn'?t have an? [\w.-]+ account|invalid (?:recipient|mailbox|address|user|e-?mail address)|recipient (?:address )?(?:invalid|not found|unknown)|not a valid (?:mailbox|recipient|user|address)|mailbox (?:not found|unavailable|does not exist|is unavailable|name not allowed)|user not found|user doesn't|no mailbox (?:here|by that name)|recip(?:ient)?notfound|account (?:does not exist|not found|doesn't exist)|addressee unknown|bad destination (?:mailbox|address)|recipient name is not recognized|name is not recognized|address (?:couldn't|could not|cannot|can't) be found|wasn't found at|was not found at|not listed in|unbekannt|existiert nicht|gibt es nicht|inconnu|n'existe pas|n’existe pas|inexistant|no existe|desconocid|bestaat niet|onbekend|não existe|desconhecid|inexistente|non esiste|sconosciut|inesistente|存在しません/i,
  ],
];

/** Office 365's directory-based edge blocking: its way of saying "no such recipient". */
const OFFICE365_NO_SUCH_RECIPIENT = /recipient address rejected: access denied/i;

export interface Permanence {
  category: BounceCategory;
  permanent: boolean;
}

/**
 * Decides one failed recipient.
 *
 * @param status RFC 3463 code (`5.1.1`) or null when the report gives none.
 * @param action RFC 3464 `Action` (`failed`, `delayed`, …) or null (a non-standard
 *   bounce, which reports failures).
 * @param words the server's diagnostic and any prose about this recipient.
 * @returns the category and whether the address itself is bad. Only a permanent
 *   (5.x.x or code-less) failure of an address that does not exist, a domain that
 *   takes no mail, or a person who moved is permanent; a 4.x.x never is.
 */
export function decidePermanence(status: string | null, action: string | null, words: string): Permanence {
  const act = action?.toLowerCase() ?? 'failed';
  if (act === 'delayed') return { category: 'delayed', permanent: false };
  if (act !== 'failed') return { category: 'other', permanent: false };
  const soft = SOFT_WORDS.find(([, pattern]) => pattern.test(words))?.[0];
  const hard = HARD_WORDS.find(([, pattern]) => pattern.test(words))?.[0];
  const cls = status?.[0];
  if (cls === '4' || cls === '2') {
    return { category: soft ?? (cls === '4' ? 'temporary' : 'other'), permanent: false };
  }
  // A code about our side (sender address, our server's authentication) is never about the address.
  if (status && SENDER_CODES.has(status)) return { category: 'sender_refused', permanent: false };
  const byCode = status ? HARD_CODES[status] : undefined;
  if (byCode) {
    // Servers misuse the address codes for blocks and rate limits (GoDaddy's 5.1.1 "too many
    // recipients this hour"); the words decide then, unless they also say the address is bad.
    if (soft === 'mailbox_full' || soft === 'disabled' || (soft && !hard)) return { category: soft, permanent: false };
    // The words say which bad address it is when the code is borrowed: Office 365 answers
    // 5.1.10 (RFC 7505's null MX) for a mailbox it does not have ("RecipientNotFound").
    return { category: hard && PERMANENT.has(hard) ? hard : byCode, permanent: true };
  }
  if (status === '5.4.1' && OFFICE365_NO_SUCH_RECIPIENT.test(words))
    return { category: 'unknown_address', permanent: true };
  if (hard && !soft) return { category: hard, permanent: PERMANENT.has(hard) };
  if (soft) return { category: soft, permanent: false };
  const softCode = status
    ? (SOFT_CODES[status] ?? (status.startsWith('5.7.') ? 'spam_or_policy' : undefined))
    : undefined;
  return { category: softCode ?? 'other', permanent: false };
}

/** The words for a category, with the server's own text after them when there is any. */
export function reasonWords(category: BounceCategory): string {
  return CATEGORY_WORDS[category];
}
