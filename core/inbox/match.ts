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
}

export interface MatchLookups {
  /** Normalised Message-ID (`<id@domain>`, as the classifier gives them) → the step run sent with it. */
  sent: ReadonlyMap<string, SentRun>;
  /** Lower-case address → that person's ongoing enrollments of this mailbox. */
  ongoingByAddress: ReadonlyMap<string, readonly OngoingEnrollment[]>;
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
 * mailed is left out. `other` never matches.
 * @returns the match, or null when the message is about nobody the app mails (ignore it).
 */
export function matchMessage(message: Classification, lookups: MatchLookups): InboxMatch | null {
  if (message.kind === 'other') return null;
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
    (lookups.ongoingByAddress.get(address) ?? []).map((e) => ({
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
  if (thread.length > 0) return { via: 'thread', targets: thread };
  const targets = unique(message.match.addresses).flatMap(byAddress);
  return targets.length > 0 ? { via: 'address', targets } : null;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
