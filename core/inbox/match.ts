import type { BounceRecipient } from './bounce';
import type { Classification } from './classify';

/**
 * SPEC R14, pure: which enrollments an incoming message is about. The renderer reads the
 * lookups from its database (sent step runs by Message-ID, ongoing enrollments by address)
 * and applies what `inboxEffects` (effects.ts) makes of the result.
 */

/** A step run the app sent, found by its Message-ID (ours, or the one the provider delivered: SPEC §5). */
export interface SentRun {
  stepRunId: string;
  enrollmentId: string;
  contactId: string;
  /** The address it was sent to, lower case. */
  address: string;
}

/** An ongoing (active or paused) enrollment of the mailbox the message arrived in. */
export interface OngoingEnrollment {
  enrollmentId: string;
  contactId: string;
  /** The person's address, lower case. */
  address: string;
  /** The enrollment's last sent step run (a bounce or reply found by address is about it), or null. */
  lastSentRunId: string | null;
  /** When it was launched, UTC ms: a message dated before it (old mail in the INBOX) is not about it. */
  launchedAt?: number;
}

export interface MatchLookups {
  /** Normalised Message-ID (`<id@domain>`, as the classifier gives them) → the step run sent with it. */
  sent: ReadonlyMap<string, SentRun>;
  /** Lower-case address → that person's ongoing enrollments of this mailbox. */
  ongoingByAddress: ReadonlyMap<string, readonly OngoingEnrollment[]>;
  /** The app's own mailbox addresses, lower case: mail from them (a test sent to oneself) is nobody's reply. */
  ownAddresses?: ReadonlySet<string>;
  /**
   * SPEC §12: the address named by the message's `unsubscribe <token>` subject, when the
   * caller verified the token (core/unsubscribe-token.ts `readUnsubscribeToken`), lower
   * case. The unsubscribe is then about that address, whoever sent it (the mail program of
   * a forwarding address, an alias); an unverified token is ignored and the sender's own
   * address is used, so nobody can unsubscribe someone else by writing their address.
   */
  tokenAddress?: string | null;
  /**
   * When the mail server received the message (IMAP INTERNALDATE), UTC ms, if known. An address
   * match is old mail only when both this and the `Date` header are before the launch.
   */
  receivedAt?: number;
}

/** One enrollment a message is about. */
export interface MatchTarget {
  enrollmentId: string;
  contactId: string;
  /** The person's address, lower case: what a bounce marks and a suppression names. */
  address: string;
  /** The sent email the message answers or returns, or null when none is known. */
  stepRunId: string | null;
  /** For a bounce: the failed recipient this target is. */
  recipient?: BounceRecipient;
}

export interface InboxMatch {
  /** `thread`: a Message-ID we sent was named (In-Reply-To, References, the returned original); `address`: the sender's (or failed recipient's) address. */
  via: 'thread' | 'address';
  targets: MatchTarget[];
}

/**
 * Matches one classified message (SPEC R14). First by thread: `In-Reply-To`, `References`
 * and, for a bounce or complaint, the returned original's Message-ID, against every
 * Message-ID the app sent (its own and the delivered one). Otherwise by address: the
 * `From` of a reply, auto-reply or unsubscribe, the failed recipients of a bounce, the
 * complaining recipients of a complaint, against the people with an ongoing enrollment
 * of this mailbox. A bounce is matched per failed recipient: the recipient the returned
 * original was sent to (or, when it names a single recipient, the one it was sent to under
 * another spelling), else that address's own enrollments; a failed recipient we never
 * mailed is left out. `other` never matches. Never acted on: a reply, auto-reply or
 * unsubscribe from one of the app's own addresses; an address match with an enrollment
 * launched after the message's date and after the server received it (old mail read when a
 * mailbox is first watched; a slow clock on the sender's side is not old mail); an
 * unsubscribe in a thread from someone other than its person (a colleague it was forwarded
 * to asks for themselves, matched by their own address if they are mailed at all). An
 * unsubscribe whose token was verified (`lookups.tokenAddress`) is about the token's address.
 * @returns the match, or null when the message is about nobody the app mails (ignore it).
 */
export function matchMessage(message: Classification, lookups: MatchLookups): InboxMatch | null {
  if (message.kind === 'other') return null;
  // Old mail: dated before the launch by its Date header and, when known, by the server's
  // receipt too (a sender whose clock runs slow still answered after the email went).
  const olderThan = (launchedAt: number): boolean =>
    message.date !== null &&
    message.date < launchedAt &&
    (lookups.receivedAt === undefined || lookups.receivedAt < launchedAt);
  const fromSelf = message.from !== null && (lookups.ownAddresses?.has(message.from) ?? false);
  if (fromSelf && message.kind !== 'bounce' && message.kind !== 'complaint') return null;
  const thread: MatchTarget[] = [];
  for (const id of message.match.messageIds) {
    const run = lookups.sent.get(id);
    if (!run || thread.some((t) => t.enrollmentId === run.enrollmentId)) continue;
    thread.push({
      enrollmentId: run.enrollmentId,
      contactId: run.contactId,
      address: run.address,
      stepRunId: run.stepRunId,
    });
  }
  const byAddress = (address: string): MatchTarget[] =>
    (lookups.ongoingByAddress.get(address) ?? [])
      .filter((e) => e.launchedAt === undefined || !olderThan(e.launchedAt))
      .map((e) => ({
        enrollmentId: e.enrollmentId,
        contactId: e.contactId,
        address: e.address,
        stepRunId: e.lastSentRunId,
      }));

  if (message.kind === 'bounce') {
    const recipients = message.bounce?.recipients ?? [];
    const targets: MatchTarget[] = [];
    let via: InboxMatch['via'] = 'address';
    for (const recipient of recipients) {
      let found = thread.filter((t) => t.address === recipient.address);
      if (found.length === 0 && thread.length === 1 && recipients.length === 1) found = thread;
      if (found.length > 0) via = 'thread';
      else found = byAddress(recipient.address);
      for (const target of found) targets.push({ ...target, recipient });
    }
    return targets.length > 0 ? { via, targets } : null;
  }
  const unsubscriber = message.kind === 'unsubscribe' ? (lookups.tokenAddress ?? message.from) : null;
  if (unsubscriber !== null) {
    const own = thread.filter((t) => t.address === unsubscriber);
    if (own.length > 0) return { via: 'thread', targets: own };
    const theirs = byAddress(unsubscriber);
    return theirs.length > 0 ? { via: 'address', targets: theirs } : null;
  }
  if (thread.length > 0) return { via: 'thread', targets: thread };
  const targets = unique(message.match.addresses).flatMap(byAddress);
  return targets.length > 0 ? { via: 'address', targets } : null;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
