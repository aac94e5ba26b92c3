import type { SendOutcome as HostSendOutcome } from '../host/contract';
import type { DueRun } from './due';

/**
 * The outcome of a send as a pure rule (SPEC §5, R11): what the claimed step run and its
 * enrollment become, and what the Live Feed says. The renderer's send pipeline
 * (renderer/src/engine/pipeline.ts) writes the result in its Dexie transaction; a sent
 * email's next step is released by `releaseNextStep` (release.ts).
 */

/** SPEC §5: retry after 1, 5, 15 minutes (ms), then the send needs attention. */
export const RETRY_BACKOFF_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000];

/**
 * A send's outcome as the engine sees it: the host's, or `not-handed-over` when the request
 * never reached the host (no connection to it): nothing was attempted, so it is safe to send
 * at its instant once the host is back (SPEC §5), never an unknown outcome.
 */
export type SendOutcome = HostSendOutcome | { status: 'not-handed-over'; message: string } | Held;

/** Not an outcome yet: the host holds the send for its minimum-gap slot (R11), UTC ms, and sends it then. */
export type Held = { status: 'held'; until: number };

/** An outcome other than sent (sent emails are recorded in bulk, {@link sentRun}). */
export type UnsentOutcome = Exclude<SendOutcome, { status: 'sent' }>;

/** The enrollment as far as the outcome reads it (renderer: `EnrollmentRecord`). */
export interface OutcomeEnrollment {
  status: string;
  nextStepIndex: number;
  /** UTC ms. */
  nextDueAt: number;
  /** Send attempts of the current step that came back "retry" (SPEC §5 backoff). */
  attempts?: number | undefined;
}

export interface OutcomeInput {
  outcome: UnsentOutcome;
  /** UTC ms: the instant it is recorded. */
  now: number;
  /** The enrollment as it was when the send was claimed. */
  claimed: Pick<OutcomeEnrollment, 'nextStepIndex' | 'attempts'>;
  /** The enrollment as it is now; undefined when it was deleted. */
  current: OutcomeEnrollment | undefined;
  /** The step run's state as it is now (a person may have settled it meanwhile). */
  runState: DueRun['state'] | undefined;
  /** The email's subject and how the words name the person (`displayName`), for the Live Feed. */
  subject: string;
  name: string;
}

/** What an unsent outcome writes: each part absent means "left as it is". */
export interface OutcomeRecord {
  /** Written over the claimed step run (the pipeline adds `updatedAt`). */
  run?: {
    state: 'scheduled' | 'skipped' | 'unknown' | 'failed' | 'blocked';
    reason?: string | undefined;
    smtpReply?: string;
  };
  /** Written on the enrollment (the pipeline adds `updatedAt`); instants UTC ms. */
  enrollment?: {
    hold?: 'needs-attention';
    attempts?: number;
    nextDueAt?: number;
    status?: 'paused';
    pausedBy?: 'server';
  };
  /** The mutation and Live Feed row (the pipeline adds the campaign and person). */
  change?: {
    name: 'step-run/unknown' | 'step-run/deferred' | 'step-run/retry' | 'step-run/blocked' | 'step-run/failed';
    args: Record<string, unknown>;
    feed: {
      kind: 'email.unknown' | 'email.deferred' | 'email.retried' | 'email.blocked' | 'email.failed';
      text: string;
      coalesceMs?: number;
    };
  };
  /** The host has no network: the engine waits for it to come back (SPEC §5). */
  offline?: true;
}

/**
 * Whether an enrollment still waits on the step this send was claimed for: same step, and
 * neither finished nor removed (a pause meanwhile does not stop the outcome being recorded).
 */
export function stillOn(
  current: Pick<OutcomeEnrollment, 'status' | 'nextStepIndex'>,
  claimedStepIndex: number,
): boolean {
  return current.nextStepIndex === claimedStepIndex && (current.status === 'active' || current.status === 'paused');
}

/**
 * What a send's unsent outcome writes (SPEC §5, R11):
 * - moved on meanwhile (skipped, removed, deleted): the step run only, and only while it is
 *   still `sending` (a person may have settled it): `skipped` when nothing went (offline,
 *   not handed over, deferred, retry), else `unknown` or `failed`.
 * - `held` (R11): waiting in the host for its minimum-gap slot: the step run stays `sending`,
 *   the enrollment shows the slot (never earlier than a time a person picked); nothing while
 *   it is moved on or paused (its outcome, when it comes, decides).
 * - `offline`, `not-handed-over`: nothing was attempted: back to scheduled at its own instant
 *   (R9 applies when it comes back); `offline` also tells the engine the network is gone.
 * - `unknown`: it may or may not have gone: a person decides (Needs attention).
 * - `deferred` (R11): scheduled again at `until`, never earlier than a time a person picked meanwhile.
 * - `retry`: after {@link RETRY_BACKOFF_MS} (1, 5, 15 min), never earlier than a time a person
 *   picked; once those are used up it is blocked in Needs attention (never delivered, not Failed).
 * - `failed` (5xx): the step run fails with the server's text and the enrollment pauses.
 */
export function recordOutcome(input: OutcomeInput): OutcomeRecord {
  const { outcome, current, subject, name: who } = input;
  // R11's wait, in the host or back here: one row per campaign for a run of waits, not one per attempt.
  const waiting = (until: number, reason: 'daily-limit' | 'min-gap'): OutcomeRecord['change'] => ({
    name: 'step-run/deferred',
    args: { until },
    feed: {
      kind: 'email.deferred',
      text: `Waiting to send "${subject}" to ${who}: ${reason === 'daily-limit' ? "the mailbox's daily limit is reached" : 'the minimum gap between sends'}`,
      coalesceMs: 10 * 60_000,
    },
  });
  if (outcome.status === 'held') {
    // Waiting in the host for its slot, still on its way (the step run stays `sending`): the
    // enrollment shows when it goes. Moved on or paused meanwhile: its outcome, when it comes, decides.
    if (!current || !stillOn(current, input.claimed.nextStepIndex) || current.status !== 'active') return {};
    return {
      enrollment: { nextDueAt: Math.max(outcome.until, current.nextDueAt) },
      change: waiting(outcome.until, 'min-gap'),
    };
  }
  if (!current || !stillOn(current, input.claimed.nextStepIndex)) {
    // The person moved this enrollment on while the email was on its way (skipped, removed):
    // its outcome is kept on the step run only, unless a person already settled that run.
    if (input.runState !== 'sending') return {};
    return {
      run: {
        state:
          outcome.status === 'offline' ||
          outcome.status === 'not-handed-over' ||
          outcome.status === 'deferred' ||
          outcome.status === 'retry'
            ? 'skipped'
            : outcome.status === 'unknown'
              ? 'unknown'
              : 'failed',
        reason: 'message' in outcome ? outcome.message : undefined,
      },
    };
  }
  switch (outcome.status) {
    case 'offline':
      return { run: { state: 'scheduled' }, offline: true };
    case 'not-handed-over':
      return { run: { state: 'scheduled' } };
    case 'unknown':
      return {
        run: { state: 'unknown', reason: outcome.message },
        enrollment: { hold: 'needs-attention' },
        change: {
          name: 'step-run/unknown',
          args: {},
          feed: {
            kind: 'email.unknown',
            text: `Unknown outcome: "${subject}" to ${who} may or may not have been sent (${outcome.message})`,
          },
        },
      };
    case 'deferred':
      // Never earlier than a later time a person picked while it was on its way.
      return {
        run: { state: 'scheduled' },
        enrollment: { nextDueAt: Math.max(outcome.until, current.nextDueAt) },
        change: waiting(outcome.until, outcome.reason),
      };
    case 'retry': {
      const attempts = (input.claimed.attempts ?? 0) + 1;
      const wait = RETRY_BACKOFF_MS[attempts - 1];
      if (wait !== undefined)
        return {
          run: { state: 'scheduled', smtpReply: outcome.message },
          enrollment: { attempts, nextDueAt: Math.max(input.now + wait, current.nextDueAt) },
          change: {
            name: 'step-run/retry',
            args: { attempts },
            feed: {
              kind: 'email.retried',
              text: `Will retry "${subject}" to ${who} in ${wait / 60_000} min: ${outcome.message}`,
            },
          },
        };
      // SPEC §5: still refused for now after the 1, 5 and 15 minute retries: it was never
      // delivered, and waits for a person in Needs attention (not Failed), its Message-ID kept.
      return {
        run: {
          state: 'blocked',
          smtpReply: outcome.message,
          reason: `not sent after ${attempts} tries: ${outcome.message}`,
        },
        enrollment: { hold: 'needs-attention' },
        change: {
          name: 'step-run/blocked',
          args: {},
          feed: {
            kind: 'email.blocked',
            text: `Not sent "${subject}" to ${who} after ${attempts} tries; it waits for you in Needs attention: ${outcome.message}`,
          },
        },
      };
    }
    case 'failed':
      // 5xx: the send fails with the server's text, and the enrollment pauses.
      return {
        run: { state: 'failed', smtpReply: outcome.message, reason: outcome.message },
        enrollment: { status: 'paused', pausedBy: 'server', hold: 'needs-attention' },
        change: {
          name: 'step-run/failed',
          args: { message: outcome.message },
          feed: { kind: 'email.failed', text: `Failed to send "${subject}" to ${who}: ${outcome.message}` },
        },
      };
  }
}

/** What a sent email's step run becomes (SPEC §5: the server's reply, the delivered Message-ID when it replaced ours). */
export function sentRun(outcome: Extract<SendOutcome, { status: 'sent' }>): {
  state: 'sent';
  sentAt: number;
  smtpReply: string;
  deliveredMessageId?: string;
} {
  return {
    state: 'sent',
    sentAt: outcome.at,
    smtpReply: outcome.response,
    ...(outcome.deliveredMessageId ? { deliveredMessageId: outcome.deliveredMessageId } : {}),
  };
}
