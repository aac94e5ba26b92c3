import { DAY_MS, isoWeekday, wallDay, ZoneClock } from '../zones';
import type { Classification } from './classify';
import type { InboxMatch, MatchTarget } from './match';

/**
 * SPEC R15, pure: what a matched message does. `inboxEffects` reads the facts the renderer
 * gives it (the people the message is about, their enrollments, the emails it answers)
 * and returns the writes to make and the Live Feed rows that say so, in the salesperson's
 * words. The renderer applies them in one transaction (renderer/src/db/repos/inbox.ts).
 */

/** Days an automatic reply that names no return date pauses an enrollment (SPEC R15). */
export const DEFAULT_OUT_OF_OFFICE_DAYS = 7;

/** Temporary bounces in a row for one address that pause the person (SPEC R15). */
export const SOFT_BOUNCES_TO_PAUSE = 3;

/** An enrollment as the effects need it. */
export interface EnrollmentFacts {
  id: string;
  campaignId: string;
  campaignName: string;
  contactId: string;
  /** `active`, `paused`, or a status in which it is over (`finished`, `removed`, `replied`, …). */
  status: string;
  /** R1's zone Z (IANA). */
  zone: string;
  /** The next step's due instant, UTC ms. */
  nextDueAt: number;
  /** What the next step waits for besides its instant (`task`, `needs-attention`, `overdue`), or null. */
  hold: string | null;
  skipWeekends: boolean;
  /** Campaign setting *stop on reply* (default true). */
  stopOnReply: boolean;
  /** Campaign setting *stop the person's other campaigns* on reply (default true). */
  stopOtherCampaigns: boolean;
}

/** A person a message is about. */
export interface PersonFacts {
  contactId: string;
  /** How the Live Feed names them (`Ana Lima`, or the address when they have no name). */
  name: string;
  address: string;
  /** Temporary bounces in a row so far. */
  softBounces: number;
  /**
   * The keys (`messageKey`) of the temporary bounces counted in that row, so the same bounce
   * read on a second device (both watch the mailbox) is not counted twice.
   */
  countedBounces?: readonly string[];
  /** Every enrollment of the person, in any campaign and mailbox (oldest first reads best in the feed). */
  enrollments: readonly EnrollmentFacts[];
}

export interface EffectFacts {
  /** When the message arrived, UTC ms (its "today" for a pause without a return date). */
  receivedAt: number;
  /** The people of the match's targets, by contact id. */
  people: ReadonlyMap<string, PersonFacts>;
  /** The subject of each sent step run the targets name, by step run id. */
  subjects: ReadonlyMap<string, string>;
  /** Days a pause without a return date lasts (default {@link DEFAULT_OUT_OF_OFFICE_DAYS}). */
  outOfOfficeDays?: number;
  /** The message's key (`messageKey`): a temporary bounce counts once per key. */
  messageKey?: string;
}

export type StopStatus = 'replied' | 'bounced' | 'unsubscribed';

/** One write. Instants are UTC ms; dates `YYYY-MM-DD` in the enrollment's zone. */
export type InboxEffect =
  | { type: 'stop'; enrollmentId: string; status: StopStatus }
  | {
      type: 'out-of-office';
      enrollmentId: string;
      /** The start of the day it resumes (the day after the return date), UTC ms. */
      until: number;
      resumesOn: string;
      /** The return date the reply gave, or null when it gave none. */
      returnsOn: string | null;
      /** The next step's new due instant (the same local time on the resume day, or unchanged). */
      nextDueAt: number;
    }
  | { type: 'pause'; enrollmentId: string }
  | {
      type: 'contact';
      contactId: string;
      bounced?: true;
      unsubscribed?: true;
      /** Temporary bounces in a row, from now on. */
      softBounces?: number;
      /** The keys of the bounces counted in that row (empty when it starts over). */
      countedBounces?: string[];
    }
  | { type: 'note'; stepRunId: string; note: string }
  | { type: 'suppress'; address: string; contactId: string; reason: 'unsubscribed' | 'complaint' | 'bounced' };

export type InboxFeedKind =
  | 'inbox.replied'
  | 'inbox.auto_reply'
  | 'inbox.bounced'
  | 'inbox.delivery_problem'
  | 'inbox.unsubscribed'
  | 'inbox.complaint';

export interface InboxFeedRow {
  kind: InboxFeedKind;
  text: string;
  campaignId?: string;
  contactId?: string;
}

export interface InboxEffects {
  effects: InboxEffect[];
  feed: InboxFeedRow[];
}

const ONGOING = new Set(['active', 'paused']);

/**
 * The effects of one matched message (SPEC R15):
 * - reply: each matched enrollment stops as `replied` when its campaign stops on reply, and
 *   with *stop the person's other campaigns* every other ongoing enrollment of the person
 *   too; temporary bounces in a row start again from 0.
 * - auto_reply: each matched ongoing enrollment pauses until the day after the return date
 *   (or `outOfOfficeDays` after the day it arrived), in the enrollment's zone Z: its next
 *   step moves to that day at the same local time (with `skipWeekends`, a Saturday or Sunday
 *   resume day becomes Monday), so it resumes by itself and R8 shifts what follows. Never a reply.
 * - bounce, per failed recipient: permanent → the contact is `bounced`, the address is
 *   suppressed, every ongoing enrollment of the person stops as `bounced`; temporary or
 *   about the message → a note on the sent email with the reason; a failure (not a delay
 *   warning) counts, and the {@link SOFT_BOUNCES_TO_PAUSE}th in a row pauses every active
 *   enrollment of the person.
 * - unsubscribe and complaint: the address is suppressed workspace-wide, the contact is
 *   `unsubscribed`, and every ongoing enrollment of the person stops as `unsubscribed`.
 * Effects on one enrollment are listed once. Never throws for facts it lacks: a target whose
 * person is not in `facts.people` is skipped.
 */
export function inboxEffects(message: Classification, match: InboxMatch, facts: EffectFacts): InboxEffects {
  const out: InboxEffects = { effects: [], feed: [] };
  const stopped = new Set<string>();
  const stop = (enrollmentId: string, status: StopStatus): void => {
    if (stopped.has(enrollmentId)) return;
    stopped.add(enrollmentId);
    out.effects.push({ type: 'stop', enrollmentId, status });
  };
  const done = new Set<string>();
  for (const target of match.targets) {
    const person = facts.people.get(target.contactId);
    if (!person) continue;
    const enrollment = person.enrollments.find((e) => e.id === target.enrollmentId);
    // The enrollment the message is about first, then the person's others in the order given.
    const ongoing = person.enrollments
      .filter((e) => ONGOING.has(e.status))
      .sort((a, b) => Number(b.id === target.enrollmentId) - Number(a.id === target.enrollmentId));
    switch (message.kind) {
      case 'reply':
        reply(out, message, person, enrollment, ongoing, stop, stopped);
        break;
      case 'auto_reply':
        if (enrollment) autoReply(out, message, facts, person, enrollment);
        break;
      case 'bounce':
        if (target.recipient) bounce(out, target, facts, person, ongoing, stop, done);
        break;
      case 'unsubscribe':
      case 'complaint':
        if (done.has(person.contactId)) break;
        done.add(person.contactId);
        unsubscribe(out, message.kind, person, ongoing, stop);
        break;
      default:
        break;
    }
  }
  return out;
}

function reply(
  out: InboxEffects,
  message: Classification,
  person: PersonFacts,
  enrollment: EnrollmentFacts | undefined,
  ongoing: readonly EnrollmentFacts[],
  stop: (id: string, status: StopStatus) => void,
  stopped: ReadonlySet<string>,
): void {
  if (person.softBounces > 0)
    out.effects.push({ type: 'contact', contactId: person.contactId, softBounces: 0, countedBounces: [] });
  const said = snippet(message.reply?.text ?? '');
  const words = said ? `: "${said}"` : '';
  if (!enrollment) {
    out.feed.push({ kind: 'inbox.replied', text: `${person.name} replied${words}`, contactId: person.contactId });
    return;
  }
  const about = { campaignId: enrollment.campaignId, contactId: person.contactId };
  if (stopped.has(enrollment.id)) return;
  const isOngoing = ONGOING.has(enrollment.status);
  let what: string;
  if (!isOngoing) what = '';
  else if (enrollment.stopOnReply) {
    stop(enrollment.id, 'replied');
    what = `; ${enrollment.campaignName} is stopped for them`;
  } else what = `; ${enrollment.campaignName} goes on (stop on reply is off)`;
  out.feed.push({
    kind: 'inbox.replied',
    text: `${person.name} replied to ${enrollment.campaignName}${words}${what}`,
    ...about,
  });
  if (!enrollment.stopOtherCampaigns) return;
  for (const other of ongoing) {
    if (other.id === enrollment.id || stopped.has(other.id)) continue;
    stop(other.id, 'replied');
    out.feed.push({
      kind: 'inbox.replied',
      text: `Stopped ${other.campaignName} for ${person.name}: they replied to ${enrollment.campaignName}`,
      campaignId: other.campaignId,
      contactId: person.contactId,
    });
  }
}

function autoReply(
  out: InboxEffects,
  message: Classification,
  facts: EffectFacts,
  person: PersonFacts,
  enrollment: EnrollmentFacts,
): void {
  const about = { campaignId: enrollment.campaignId, contactId: person.contactId };
  const returnsOn = message.autoReply?.returnsOn ?? null;
  if (!ONGOING.has(enrollment.status)) {
    out.feed.push({ kind: 'inbox.auto_reply', text: `Automatic reply from ${person.name}`, ...about });
    return;
  }
  const pause = outOfOfficePause({
    returnsOn,
    receivedAt: facts.receivedAt,
    zone: enrollment.zone,
    nextDueAt: enrollment.nextDueAt,
    moveNext: !enrollment.hold,
    skipWeekends: enrollment.skipWeekends,
    days: facts.outOfOfficeDays ?? DEFAULT_OUT_OF_OFFICE_DAYS,
  });
  const why = returnsOn
    ? `${person.name} is out of the office until ${dayWords(returnsOn)}`
    : `${person.name} sent an automatic reply with no return date`;
  if (pause.until <= facts.receivedAt) {
    out.feed.push({ kind: 'inbox.auto_reply', text: `${why}, which has passed: nothing is paused`, ...about });
    return;
  }
  out.effects.push({
    type: 'out-of-office',
    enrollmentId: enrollment.id,
    until: pause.until,
    resumesOn: pause.resumesOn,
    returnsOn,
    nextDueAt: pause.nextDueAt,
  });
  const howLong = returnsOn ? '' : ` for ${facts.outOfOfficeDays ?? DEFAULT_OUT_OF_OFFICE_DAYS} days`;
  out.feed.push({
    kind: 'inbox.auto_reply',
    text: `${why}: ${enrollment.campaignName} pauses${howLong} and resumes by itself on ${dayWords(pause.resumesOn)}`,
    ...about,
  });
}

function bounce(
  out: InboxEffects,
  target: MatchTarget,
  facts: EffectFacts,
  person: PersonFacts,
  ongoing: readonly EnrollmentFacts[],
  stop: (id: string, status: StopStatus) => void,
  done: Set<string>,
): void {
  const recipient = target.recipient!;
  const code = recipient.status ? ` (${recipient.status})` : '';
  const reason = `${recipient.reason}${code}`;
  const first = ongoing[0] ?? person.enrollments.find((e) => e.id === target.enrollmentId);
  const about = { campaignId: first?.campaignId, contactId: person.contactId };
  const key = `${person.contactId}:${recipient.permanent ? 'hard' : 'soft'}`;
  if (done.has(key)) return;
  done.add(key);
  if (recipient.permanent) {
    out.effects.push({
      type: 'contact',
      contactId: person.contactId,
      bounced: true,
      softBounces: 0,
      countedBounces: [],
    });
    out.effects.push({ type: 'suppress', address: person.address, contactId: person.contactId, reason: 'bounced' });
    for (const e of ongoing) stop(e.id, 'bounced');
    const stoppedWords = ongoing.length ? `; stopped ${names(ongoing)}` : '';
    out.feed.push({
      kind: 'inbox.bounced',
      text: `${person.address} bounced: ${reason}. ${person.name} is marked bounced and will not be emailed again${stoppedWords}`,
      ...about,
    });
    return;
  }
  const subject = target.stepRunId ? facts.subjects.get(target.stepRunId) : undefined;
  if (target.stepRunId) out.effects.push({ type: 'note', stepRunId: target.stepRunId, note: reason });
  const on = subject !== undefined ? ` "${subject}"` : ' the email';
  if (recipient.action === 'delayed') {
    out.feed.push({
      kind: 'inbox.delivery_problem',
      text: `Not yet delivered to ${person.name}: ${reason}. Noted on${on}`,
      ...about,
    });
    return;
  }
  // Counted already (the same bounce, read by another device that watches this mailbox too).
  if (facts.messageKey !== undefined && person.countedBounces?.includes(facts.messageKey)) return;
  const count = person.softBounces + 1;
  const counted = [...(person.countedBounces ?? []), ...(facts.messageKey !== undefined ? [facts.messageKey] : [])];
  const active = ongoing.filter((e) => e.status === 'active');
  if (count >= SOFT_BOUNCES_TO_PAUSE) {
    out.effects.push({ type: 'contact', contactId: person.contactId, softBounces: 0, countedBounces: [] });
    for (const e of active) out.effects.push({ type: 'pause', enrollmentId: e.id });
    const paused = active.length ? `: paused ${person.name} in ${names(active)} until you resume` : '';
    out.feed.push({
      kind: 'inbox.delivery_problem',
      text: `Not delivered to ${person.name} for the ${ordinal(count)} time in a row: ${reason}${paused}`,
      ...about,
    });
    return;
  }
  out.effects.push({ type: 'contact', contactId: person.contactId, softBounces: count, countedBounces: counted });
  out.feed.push({
    kind: 'inbox.delivery_problem',
    text: `Not delivered to ${person.name}: ${reason}. Noted on${on}; ${SOFT_BOUNCES_TO_PAUSE} in a row pause them`,
    ...about,
  });
}

function unsubscribe(
  out: InboxEffects,
  kind: 'unsubscribe' | 'complaint',
  person: PersonFacts,
  ongoing: readonly EnrollmentFacts[],
  stop: (id: string, status: StopStatus) => void,
): void {
  out.effects.push({ type: 'contact', contactId: person.contactId, unsubscribed: true });
  out.effects.push({
    type: 'suppress',
    address: person.address,
    contactId: person.contactId,
    reason: kind === 'complaint' ? 'complaint' : 'unsubscribed',
  });
  for (const e of ongoing) stop(e.id, 'unsubscribed');
  const stoppedWords = ongoing.length ? `; stopped ${names(ongoing)}` : '';
  const what = kind === 'complaint' ? 'marked your email as spam' : 'unsubscribed';
  out.feed.push({
    kind: kind === 'complaint' ? 'inbox.complaint' : 'inbox.unsubscribed',
    text: `${person.name} ${what}: ${person.address} will not be emailed again${stoppedWords}`,
    campaignId: ongoing[0]?.campaignId,
    contactId: person.contactId,
  });
}

/**
 * When an out-of-office pause ends (SPEC R15), in zone `zone` (IANA): the day after
 * `returnsOn` (`YYYY-MM-DD`), or `days` after the calendar day of `receivedAt` (UTC ms) when
 * the reply names no return date; with `skipWeekends` a Saturday or Sunday becomes the
 * Monday after. `nextDueAt` (UTC ms) moves to that day at its own local time of day (RFC
 * 5545's rule for a time a DST change skips or repeats) when `moveNext` and it falls earlier.
 * @returns `until`: the start of the resume day, UTC ms; `resumesOn`: that day, `YYYY-MM-DD`;
 *   `nextDueAt`: the next step's due instant, UTC ms.
 * @throws Error when `zone` is not an IANA zone or `returnsOn` is not a `YYYY-MM-DD` date.
 */
export function outOfOfficePause(input: {
  returnsOn: string | null;
  receivedAt: number;
  zone: string;
  nextDueAt: number;
  moveNext: boolean;
  skipWeekends: boolean;
  days: number;
}): { until: number; resumesOn: string; nextDueAt: number } {
  const clock = ZoneClock.for(input.zone);
  let day = input.returnsOn ? dayNumber(input.returnsOn) + 1 : wallDay(clock.toWall(input.receivedAt)) + input.days;
  if (input.skipWeekends) while (isoWeekday(day) > 5) day += 1;
  const until = clock.fromWall(day * DAY_MS);
  const nextDueAt = input.moveNext ? afterOutOfOffice(input.nextDueAt, until, input.zone) : input.nextDueAt;
  return { until, resumesOn: isoDate(day), nextDueAt };
}

/**
 * A due instant kept out of an out-of-office pause (SPEC R15): `dueAt` (UTC ms) when it is
 * not before `until` (the start of the resume day, UTC ms, as {@link outOfOfficePause} gives
 * it), otherwise the same local time of day in `zone` (IANA) on the resume day (RFC 5545's
 * rule for a time a DST change skips or repeats). The send engine applies it to every step
 * released while the person is away, so an email that was still on its way when the
 * auto-reply came does not release the next one into the pause.
 * @throws Error when `zone` is not an IANA zone.
 */
export function afterOutOfOffice(dueAt: number, until: number | null | undefined, zone: string): number {
  if (until === null || until === undefined || dueAt >= until) return dueAt;
  const clock = ZoneClock.for(zone);
  const day = wallDay(clock.toWall(until));
  const dueWall = clock.toWall(dueAt);
  const dueDay = wallDay(dueWall);
  return dueDay < day ? clock.fromWall(day * DAY_MS + (dueWall - dueDay * DAY_MS)) : dueAt;
}

function dayNumber(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${JSON.stringify(date)} is not a YYYY-MM-DD date`);
  return ms / DAY_MS;
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-03-17` → `Tue 17 Mar 2026`. */
export function dayWords(date: string): string {
  const day = dayNumber(date);
  const d = new Date(day * DAY_MS);
  return `${WEEKDAYS[isoWeekday(day) - 1]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** The campaigns' names, each once, in alphabetical order (the enrollments' order is their random ids'). */
function names(enrollments: readonly EnrollmentFacts[]): string {
  return [...new Set(enrollments.map((e) => e.campaignName))].sort((a, b) => a.localeCompare(b)).join(', ');
}

function ordinal(n: number): string {
  return n === 3 ? 'third' : `${n}th`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
