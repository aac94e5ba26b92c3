import { InputError, show, type Problem } from '../../../../core/errors';
import {
  classify,
  inboxEffects,
  matchMessage,
  parseMessage,
  type Classification,
  type EnrollmentFacts,
  InboxMessageSchema,
  type InboxEffect,
  type InboxMessage,
  type InboxFeedRow,
  type StopStatus,
  type OngoingEnrollment,
  type PersonFacts,
  type SentRun,
  type MatchLookups,
} from '../../../../core/inbox';
import { keepToCalendar } from '../../../../core/resolver';
import { messageKey } from '../../../../core/inbox/dedupe';
import { sendingRules } from '../../../../core/engine/rules';
import { ZoneClock } from '../../../../core/zones';
import { inChange, now, type Change } from '../change';
import { readDeviceId } from '../device';
import { useDb } from '../database';
import type {
  CampaignRecord,
  ContactRecord,
  EnrollmentRecord,
  EnrollmentStatus,
  FeedEventRecord,
  InboxMessageRecord,
  SuppressionRecord,
} from '../records';
import { displayName } from './contacts';
import { checkIncomingToken } from '../unsubscribe';

/**
 * The inbox's side of the database (SPEC §11, ARCHITECTURE.md "One reply, end to end", step
 * 3): a batch of messages the host read from a mailbox's INBOX is classified and matched by
 * core, and everything it does is written in one transaction with the mailbox's new cursor.
 */

/** Messages the host read from one mailbox's INBOX, in UID order or not. */
export interface InboxBatch {
  mailboxId: string;
  /** The INBOX's UIDVALIDITY (RFC 3501 §2.3.1.1): a new value renumbers every UID. */
  uidValidity: number;
  /** The highest UID the host has looked at (including messages it did not send here). */
  lastUid: number;
  /**
   * Each message as RFC 5322 text (`raw`; headers and text parts are enough), or as core's
   * `InboxMessage` when the host built it from IMAP's BODYSTRUCTURE and text parts
   * (`message`, with `receivedAt`, IMAP INTERNALDATE in UTC ms, for a return date's year).
   */
  messages: InboxBatchMessage[];
}

export type InboxBatchMessage =
  | { uid: number; raw: string; receivedAt?: number | undefined }
  | { uid: number; message: InboxMessage; receivedAt?: number };

/** What a batch did. */
export interface InboxBatchResult {
  /** Messages read for the first time. */
  read: number;
  /** Of those, the ones that matched an enrollment (R14) and had their effects (R15). */
  matched: number;
  /** Messages already read before (the same UID, or the same Message-ID under another UID). */
  alreadyRead: number;
  /**
   * The Live Feed rows the batch wrote, in order (kind `inbox.replied`, …), e.g. for the
   * desktop notification SPEC R15 asks for on a reply.
   */
  feed: InboxFeedRow[];
}

/** Where a mailbox's INBOX was read up to. */
export interface InboxCursor {
  uidValidity: number;
  lastUid: number;
}

const ALL_STATUSES: EnrollmentStatus[] = [
  'active',
  'paused',
  'finished',
  'removed',
  'replied',
  'bounced',
  'unsubscribed',
];
const ONGOING: EnrollmentStatus[] = ['active', 'paused'];

/** Why a stopped enrollment's waiting email was not sent, on its step run. */
const STOP_WORDS: Record<StopStatus, string> = {
  replied: 'not sent: they replied',
  bounced: 'not sent: their address bounced',
  unsubscribed: 'not sent: they unsubscribed',
};

const cursorKey = (mailboxId: string): string => `inboxCursor:${mailboxId}`;

/** Thrown inside the transaction when a batch brings nothing new: it rolls back, so nothing is written. */
class NothingNew extends Error {}

/**
 * The stored cursor of a mailbox's INBOX: its UIDVALIDITY and the last UID applied, or
 * undefined before its first batch. The host resumes after `lastUid` when `uidValidity`
 * is still the server's, and rescans otherwise (re-read messages change nothing).
 */
export async function inboxCursor(mailboxId: string): Promise<InboxCursor | undefined> {
  const value = (await useDb().meta.get(cursorKey(mailboxId)))?.value as InboxCursor | undefined;
  return value ? { uidValidity: value.uidValidity, lastUid: value.lastUid } : undefined;
}

/**
 * The Message-IDs already read from this mailbox, for the watcher's rescan after a
 * UIDVALIDITY change (`knownMessageIds`): normalised `<id@domain>`, in no order.
 */
export async function knownInboxMessageIds(mailboxId: string): Promise<string[]> {
  const rows = await useDb()
    .inboxMessages.where('[mailboxId+messageId]')
    .between([mailboxId, ''], [mailboxId, '\uffff'])
    .toArray();
  return [...new Set(rows.map((r) => r.messageId).filter((id): id is string => id !== null))];
}

/**
 * Applies a batch of INBOX messages (SPEC §11, R14, R15): each is parsed and classified by
 * core (outside the transaction), then in ONE transaction matched against the step runs
 * sent (own and delivered Message-IDs) and the mailbox's ongoing enrollments, and its
 * effects written: enrollments stopped (`replied`, `bounced`, `unsubscribed`) or paused
 * (out of office until …, or three temporary bounces), contacts marked, notes on sent emails,
 * addresses suppressed workspace-wide, a Live Feed row for each effect, the outbox row for
 * sync, each message recorded as read, and the mailbox's cursor. All or nothing.
 *
 * Idempotent: a message already read (its `<mailboxId>:<uidValidity>:<uid>`, or its
 * Message-ID in this mailbox after a UIDVALIDITY change) changes nothing, and a batch with
 * nothing new writes nothing at all. The cursor only moves forward within one UIDVALIDITY.
 * Messages that match nobody are recorded as read and otherwise ignored.
 * @throws InputError naming the field (`mailboxId`, `uidValidity`, `lastUid`,
 *   `messages[2].uid`, `messages[2].raw`) and the value for a malformed batch or a mailbox
 *   that does not exist; nothing is stored then.
 */
export async function applyInboxBatch(batch: InboxBatch): Promise<InboxBatchResult> {
  checkBatch(batch);
  const receivedAt = now();
  // Parsing is not database work: done first, so the transaction holds only Dexie calls.
  // So is checking unsubscribe tokens (Web Crypto's promises would end a Dexie transaction early).
  const parsed = await Promise.all(
    [...batch.messages]
      .sort((a, b) => a.uid - b.uid)
      .map(async (m) => {
        const message =
          'raw' in m
            ? classify(await parseMessage(m.raw), { receivedAt: m.receivedAt ?? receivedAt })
            : classify(m.message, { receivedAt: m.receivedAt ?? receivedAt });
        const token = message.kind === 'unsubscribe' ? message.unsubscribe?.token : null;
        const claim = token ? await checkIncomingToken(token) : null;
        return { uid: m.uid, message, tokenAddress: claim?.address ?? null, internalDate: m.receivedAt };
      }),
  );
  const db = useDb();
  try {
    return await inChange(
      [
        db.mailboxes,
        db.contacts,
        db.campaigns,
        db.enrollments,
        db.stepRuns,
        db.tasks,
        db.suppressions,
        db.inboxMessages,
      ],
      async () => {
        if (!(await db.mailboxes.get(batch.mailboxId)))
          throw new InputError([{ path: 'mailboxId', message: `${show(batch.mailboxId)} is not a mailbox` }]);
        const feed: InboxFeedRow[] = [];
        const result: InboxBatchResult = { read: 0, matched: 0, alreadyRead: 0, feed };
        let added = 0;
        for (const { uid, message, tokenAddress, internalDate } of parsed) {
          const id = `${batch.mailboxId}:${batch.uidValidity}:${uid}`;
          if (await db.inboxMessages.get(id)) {
            result.alreadyRead++;
            continue;
          }
          // A message without a Message-ID is known again by a key made from what its sender wrote.
          const key = messageKey(message);
          const seen = await db.inboxMessages.where('[mailboxId+messageId]').equals([batch.mailboxId, key]).first();
          const record: InboxMessageRecord = {
            id,
            mailboxId: batch.mailboxId,
            uidValidity: batch.uidValidity,
            uid,
            messageId: key,
            kind: message.kind,
            from: message.from,
            subject: message.subject,
            ...(message.reply ? { text: message.reply.text } : {}),
            ...(message.kind === 'auto_reply' ? { returnsOn: message.autoReply?.returnsOn ?? null } : {}),
            ...(message.bounce ? { reason: bounceReason(message) } : {}),
            at: message.date ?? receivedAt,
            enrollmentIds: seen?.enrollmentIds ?? [],
            contactIds: seen?.contactIds ?? [],
          };
          if (seen) {
            // The same message under a new UID (UIDVALIDITY changed): known, never acted on twice.
            await db.inboxMessages.add(record);
            added++;
            result.alreadyRead++;
            continue;
          }
          result.read++;
          const applied = await applyOne(batch.mailboxId, message, receivedAt, tokenAddress, internalDate);
          if (applied) {
            result.matched++;
            record.enrollmentIds = applied.enrollmentIds;
            record.contactIds = applied.contactIds;
            if (applied.stepRunIds.length > 0) record.stepRunIds = applied.stepRunIds;
            feed.push(...applied.feed);
          }
          await db.inboxMessages.add(record);
          added++;
        }
        const stored = await inboxCursor(batch.mailboxId);
        const cursor: InboxCursor =
          stored && stored.uidValidity === batch.uidValidity
            ? { uidValidity: batch.uidValidity, lastUid: Math.max(stored.lastUid, batch.lastUid) }
            : { uidValidity: batch.uidValidity, lastUid: batch.lastUid };
        const moved = !stored || stored.uidValidity !== cursor.uidValidity || stored.lastUid !== cursor.lastUid;
        if (added === 0 && !moved) throw new NothingNew();
        await db.meta.put({ key: cursorKey(batch.mailboxId), value: cursor });
        // The Live Feed is this device's own record (not synced): its rows are written here, in order.
        const at = now();
        if (feed.length > 0) await db.feed.bulkAdd(feed.map((row): FeedEventRecord => ({ ...row, at })));
        return {
          result,
          change: {
            name: 'inbox/apply',
            args: {
              mailboxId: batch.mailboxId,
              uidValidity: batch.uidValidity,
              lastUid: cursor.lastUid,
              read: result.read,
            },
          },
        };
      },
      receivedAt,
    );
  } catch (error) {
    if (error instanceof NothingNew) return { read: 0, matched: 0, alreadyRead: parsed.length, feed: [] };
    throw error;
  }
}

function checkBatch(batch: InboxBatch): void {
  const problems: Problem[] = [];
  const whole = (value: unknown, path: string, min: number) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      problems.push({ path, message: `${show(value)} is not a whole number of at least ${min}` });
  };
  if (typeof batch?.mailboxId !== 'string' || batch.mailboxId === '')
    problems.push({ path: 'mailboxId', message: `${show(batch?.mailboxId)} is not a mailbox id` });
  whole(batch?.uidValidity, 'uidValidity', 1);
  whole(batch?.lastUid, 'lastUid', 0);
  if (!Array.isArray(batch?.messages))
    problems.push({ path: 'messages', message: `${show(batch?.messages)} is not a list` });
  else
    batch.messages.forEach((m, i) => {
      whole(m?.uid, `messages[${i}].uid`, 1);
      if (m && typeof m === 'object' && 'message' in m) {
        const checked = InboxMessageSchema.safeParse(m.message);
        const issue = checked.error?.issues[0];
        if (issue)
          problems.push({
            path: `messages[${i}].message${issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`,
            message: issue.message,
          });
      } else {
        const raw = (m as { raw?: unknown } | undefined)?.raw;
        if (typeof raw !== 'string')
          problems.push({ path: `messages[${i}].raw`, message: `${show(raw)} is not message text` });
      }
    });
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * Matches one message and writes its effects (inside the caller's transaction).
 * @returns what it matched and the Live Feed rows, or null when it matched nobody.
 */
async function applyOne(
  mailboxId: string,
  message: Classification,
  receivedAt: number,
  tokenAddress: string | null,
  /** The server's receipt of the message (IMAP INTERNALDATE), UTC ms, when the host gave it. */
  internalDate?: number,
): Promise<{ enrollmentIds: string[]; contactIds: string[]; stepRunIds: string[]; feed: InboxFeedRow[] } | null> {
  const db = useDb();
  const match = matchMessage(message, {
    ...(await lookups(mailboxId, message, tokenAddress)),
    tokenAddress,
    ...(internalDate !== undefined ? { receivedAt: internalDate } : {}),
  });
  if (!match) return tokenAddress ? suppressOnly(tokenAddress, receivedAt) : null;
  const contactIds = [...new Set(match.targets.map((t) => t.contactId))];
  const people = new Map<string, PersonFacts>();
  for (const contact of (await db.contacts.bulkGet(contactIds)).filter((c): c is ContactRecord => !!c)) {
    const enrollments = await db.enrollments
      .where('[contactId+status]')
      .anyOf(ALL_STATUSES.map((status) => [contact.id, status]))
      .toArray();
    const campaigns = new Map(
      (await db.campaigns.bulkGet([...new Set(enrollments.map((e) => e.campaignId))]))
        .filter((c): c is CampaignRecord => !!c)
        .map((c) => [c.id, c]),
    );
    people.set(contact.id, {
      contactId: contact.id,
      name: displayName(contact),
      address: contact.emailKey,
      softBounces: contact.softBounces ?? 0,
      ...(contact.countedBounces ? { countedBounces: contact.countedBounces } : {}),
      enrollments: enrollments
        .map((e) => enrollmentFacts(e, campaigns.get(e.campaignId)))
        .sort((a, b) => a.launchedAt - b.launchedAt || a.campaignName.localeCompare(b.campaignName)),
    });
  }
  const runIds = match.targets.map((t) => t.stepRunId).filter((id): id is string => id !== null);
  const subjects = new Map(
    (await db.stepRuns.bulkGet(runIds)).filter((r) => !!r).map((r) => [r!.id, r!.subject] as const),
  );
  const { effects, feed } = inboxEffects(message, match, {
    receivedAt,
    people,
    subjects,
    messageKey: messageKey(message),
  });
  for (const effect of effects) await write(effect, receivedAt);
  return {
    enrollmentIds: [...new Set(match.targets.map((t) => t.enrollmentId))],
    contactIds,
    stepRunIds: [...new Set(runIds)],
    feed,
  };
}

/**
 * A verified `unsubscribe <token>` about an address with no ongoing enrollment of this
 * mailbox (its campaign ended, or its contact was deleted): the address still joins the
 * suppression list (SPEC §12) and its contacts are marked, inside the caller's transaction.
 */
async function suppressOnly(
  address: string,
  at: number,
): Promise<{ enrollmentIds: string[]; contactIds: string[]; stepRunIds: string[]; feed: InboxFeedRow[] } | null> {
  const db = useDb();
  const contacts = await db.contacts.where('emailKey').equals(address).toArray();
  for (const contact of contacts) await write({ type: 'contact', contactId: contact.id, unsubscribed: true }, at);
  const listed = !!(await db.suppressions.get(address));
  if (!listed)
    await db.suppressions.add({
      id: address,
      address,
      reason: 'unsubscribed',
      at,
      ...(contacts[0] ? { contactId: contacts[0].id } : {}),
    });
  if (listed && contacts.every((c) => c.unsubscribed)) return null;
  const name = contacts[0] ? displayName(contacts[0]) : address;
  return {
    enrollmentIds: [],
    contactIds: contacts.map((c) => c.id),
    stepRunIds: [],
    feed: [
      {
        kind: 'inbox.unsubscribed',
        text: `${name} unsubscribed: ${address} will not be emailed again`,
        ...(contacts[0] ? { contactId: contacts[0].id } : {}),
      },
    ],
  };
}

function enrollmentFacts(
  e: EnrollmentRecord,
  campaign: CampaignRecord | undefined,
): EnrollmentFacts & { launchedAt: number } {
  return {
    id: e.id,
    campaignId: e.campaignId,
    campaignName: campaign?.name ?? 'a deleted campaign',
    contactId: e.contactId,
    status: e.status,
    zone: e.zone,
    nextDueAt: e.nextDueAt,
    hold: e.hold ?? null,
    skipWeekends: campaign?.skipWeekends ?? false,
    stopOnReply: campaign?.stopOnReply ?? true,
    stopOtherCampaigns: campaign?.stopOtherCampaigns ?? true,
    launchedAt: e.launchedAt,
  };
}

/** R14's lookups for one message: the step runs its Message-IDs name, and the mailbox's ongoing enrollments of its addresses. */
async function lookups(
  mailboxId: string,
  message: Classification,
  tokenAddress: string | null = null,
): Promise<MatchLookups> {
  const db = useDb();
  const sent = new Map<string, SentRun>();
  const ids = message.match.messageIds;
  if (ids.length > 0) {
    const runs = [
      ...(await db.stepRuns.where('messageId').anyOf(ids).toArray()),
      ...(await db.stepRuns.where('deliveredMessageId').anyOf(ids).toArray()),
    ];
    const enrollments = new Map(
      (await db.enrollments.bulkGet([...new Set(runs.map((r) => r.enrollmentId))]))
        .filter((e): e is EnrollmentRecord => !!e)
        .map((e) => [e.id, e]),
    );
    const contacts = new Map(
      (await db.contacts.bulkGet([...new Set([...enrollments.values()].map((e) => e.contactId))]))
        .filter((c): c is ContactRecord => !!c)
        .map((c) => [c.id, c]),
    );
    for (const run of runs) {
      const enrollment = enrollments.get(run.enrollmentId);
      const contact = enrollment && contacts.get(enrollment.contactId);
      if (!enrollment || !contact) continue;
      const ref: SentRun = {
        stepRunId: run.id,
        enrollmentId: enrollment.id,
        contactId: contact.id,
        address: contact.emailKey,
      };
      for (const id of [run.messageId, run.deliveredMessageId]) if (id && ids.includes(id)) sent.set(id, ref);
    }
  }
  const addresses = [
    ...new Set([
      ...message.match.addresses,
      ...(message.bounce?.recipients.map((r) => r.address) ?? []),
      ...(tokenAddress ? [tokenAddress] : []),
    ]),
  ];
  const ongoingByAddress = new Map<string, OngoingEnrollment[]>();
  if (addresses.length > 0) {
    const contacts = await db.contacts.where('emailKey').anyOf(addresses).toArray();
    for (const contact of contacts) {
      const enrollments = (
        await db.enrollments
          .where('[contactId+status]')
          .anyOf(ONGOING.map((status) => [contact.id, status]))
          .toArray()
      ).filter((e) => e.mailboxId === mailboxId);
      const found: OngoingEnrollment[] = [];
      for (const e of enrollments)
        found.push({
          enrollmentId: e.id,
          contactId: contact.id,
          address: contact.emailKey,
          lastSentRunId: await lastSent(e),
          launchedAt: e.launchedAt,
        });
      if (found.length > 0) ongoingByAddress.set(contact.emailKey, found);
    }
  }
  const ownAddresses = new Set((await db.mailboxes.toArray()).map((m) => m.email.toLowerCase()));
  return { sent, ongoingByAddress, ownAddresses };
}

/** The enrollment's last sent email's step run id, or null. */
async function lastSent(e: EnrollmentRecord): Promise<string | null> {
  const db = useDb();
  const steps = (await db.campaigns.get(e.campaignId))?.steps ?? [];
  const ids = steps.slice(0, e.nextStepIndex + 1).map((step) => `${e.id}:${step.id}`);
  const runs = await db.stepRuns.bulkGet(ids);
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i]?.state === 'sent') return runs[i]!.id;
  return null;
}

/** Writes one effect (inside the caller's transaction). */
async function write(effect: InboxEffect, at: number): Promise<void> {
  const db = useDb();
  switch (effect.type) {
    case 'stop': {
      const e = await db.enrollments.get(effect.enrollmentId);
      if (!e || (e.status !== 'active' && e.status !== 'paused')) return;
      await cancelWaitingStep(e, effect.status, at);
      await db.enrollments.update(e.id, { status: effect.status, hold: null, pausedBy: null, updatedAt: at });
      return;
    }
    case 'out-of-office': {
      const e = await db.enrollments.get(effect.enrollmentId);
      if (!e) return;
      // The resume day's send keeps to R13 and R12 like any other (a holiday, the hours).
      const campaign = await db.campaigns.get(e.campaignId);
      const nextDueAt =
        campaign && effect.nextDueAt !== e.nextDueAt
          ? keepToCalendar(effect.nextDueAt, e.nextAction, ZoneClock.for(e.zone), {
              ...sendingRules(await db.mailboxes.get(e.mailboxId), campaign),
              skipWeekends: campaign.skipWeekends,
            }).dueAt
          : effect.nextDueAt;
      await db.enrollments.update(effect.enrollmentId, {
        outOfOfficeUntil: effect.until,
        returnsOn: effect.returnsOn,
        resumesOn: effect.resumesOn,
        nextDueAt,
        updatedAt: at,
      });
      return;
    }
    case 'pause':
      await db.enrollments.update(effect.enrollmentId, { status: 'paused', pausedBy: 'bounces', updatedAt: at });
      return;
    case 'contact': {
      const contact = await db.contacts.get(effect.contactId);
      if (!contact) return;
      await db.contacts.put({
        ...contact,
        ...(effect.bounced ? { bounced: true } : {}),
        ...(effect.unsubscribed ? { unsubscribed: true } : {}),
        ...(effect.softBounces !== undefined ? { softBounces: effect.softBounces } : {}),
        ...(effect.countedBounces !== undefined ? { countedBounces: effect.countedBounces } : {}),
        updatedAt: at,
        version: contact.version + 1,
      });
      return;
    }
    case 'note':
      await db.stepRuns.update(effect.stepRunId, { deliveryProblem: effect.note });
      return;
    case 'suppress':
      if (await db.suppressions.get(effect.address)) return;
      await db.suppressions.add({
        id: effect.address,
        address: effect.address,
        reason: effect.reason,
        at,
        contactId: effect.contactId,
      });
      return;
  }
}

/**
 * A stopped enrollment's waiting step is cancelled: an open task skipped, an unsent email
 * skipped, each saying it was the stop (`status`). Runs inside the caller's transaction.
 */
export async function cancelWaitingStep(e: EnrollmentRecord, status: StopStatus, at: number): Promise<void> {
  const db = useDb();
  const step = (await db.campaigns.get(e.campaignId))?.steps[e.nextStepIndex];
  if (!step) return;
  const runId = `${e.id}:${step.id}`;
  const task = await db.tasks.get(runId);
  if (task?.status === 'open')
    await db.tasks.update(runId, { status: 'skipped', completedAt: at, cancelledBy: status });
  const run = await db.stepRuns.get(runId);
  if (run && (run.state === 'scheduled' || run.state === 'blocked'))
    await db.stepRuns.update(runId, { state: 'skipped', reason: STOP_WORDS[status], updatedAt: at });
}

/** A bounce's reasons in words, one per failed recipient: `the address does not exist (5.1.1)`. */
function bounceReason(message: Classification): string {
  const reasons = (message.bounce?.recipients ?? []).map((r) => `${r.reason}${r.status ? ` (${r.status})` : ''}`);
  return [...new Set(reasons)].join('; ');
}

/** Why a replied enrollment's waiting email was not sent (on its step run), for Resume to undo. */
export const REPLIED_WORDS = STOP_WORDS.replied;

/**
 * What Contacts needs for each person's badges (core's `contactBadges`): the suppression list
 * by address, and by contact the enrollments that stopped on a reply or are out of office.
 * Reads only those enrollments (indexed by status), not every enrollment.
 */
export async function badgeFacts(): Promise<{
  suppressions: Map<string, SuppressionRecord>;
  enrollments: Map<string, EnrollmentRecord[]>;
}> {
  const db = useDb();
  // Every out-of-office mark, passed or not: the screen compares it with its own clock.
  const [suppressions, replied, away] = await Promise.all([
    db.suppressions.toArray(),
    db.enrollments.where('[status+nextDueAt]').between(['replied', -Infinity], ['replied', Infinity]).toArray(),
    db.enrollments
      .where('[status+nextDueAt]')
      .between(['active', -Infinity], ['active', Infinity])
      .filter((e) => (e.outOfOfficeUntil ?? 0) > 0)
      .toArray(),
  ]);
  const enrollments = new Map<string, EnrollmentRecord[]>();
  for (const e of [...replied, ...away]) enrollments.set(e.contactId, [...(enrollments.get(e.contactId) ?? []), e]);
  return { suppressions: new Map(suppressions.map((s) => [s.id, s])), enrollments };
}

/**
 * SPEC §12 for an address that joined the suppression list elsewhere (a one-click
 * unsubscribe recorded by the team server, `POST /u/<token>`, or another device's inbox),
 * as a pull brought its row: the ongoing enrollments this device launched to that address
 * stop (`unsubscribed`; `bounced` for a bounce), each waiting step is cancelled, and the
 * contacts are marked, as the inbox does for a mailed request. Enrollments launched on
 * another device are left to it (its own pull does the same). Idempotent: a row seen again
 * changes nothing. One transaction; a feed row per address that stopped something.
 * @param suppressions suppression rows as pulled (`address` is the lowercase email key)
 * @returns how many enrollments stopped
 */
export async function stopSuppressed(suppressions: readonly SuppressionRecord[]): Promise<number> {
  if (suppressions.length === 0) return 0;
  const db = useDb();
  return inChange([db.enrollments, db.stepRuns, db.tasks, db.contacts, db.campaigns, db.suppressions], async () => {
    const at = now();
    const device = await readDeviceId(db);
    const changes: Change[] = [];
    let stopped = 0;
    for (const suppression of suppressions) {
      const status: StopStatus = suppression.reason === 'bounced' ? 'bounced' : 'unsubscribed';
      const contacts = await db.contacts.where('emailKey').equals(suppression.address).toArray();
      const campaigns: string[] = [];
      let campaignId: string | undefined;
      let marked = false;
      for (const contact of contacts) {
        const ongoing = await db.enrollments
          .where('[contactId+status]')
          .anyOf([
            [contact.id, 'active'],
            [contact.id, 'paused'],
          ])
          .toArray();
        for (const e of ongoing.filter((e) => e.deviceId === device)) {
          await write({ type: 'stop', enrollmentId: e.id, status }, at);
          campaigns.push((await db.campaigns.get(e.campaignId))?.name ?? 'a campaign');
          campaignId ??= e.campaignId;
          stopped++;
        }
        const already = status === 'bounced' ? contact.bounced : contact.unsubscribed;
        if (!already) {
          await write(
            {
              type: 'contact',
              contactId: contact.id,
              ...(status === 'bounced' ? { bounced: true } : { unsubscribed: true }),
            },
            at,
          );
          marked = true;
        }
      }
      if (campaigns.length === 0 && !marked) continue;
      const who = contacts[0] ? displayName(contacts[0]) : suppression.address;
      const names = [...new Set(campaigns)].sort((a, b) => a.localeCompare(b)).join(', ');
      const how =
        status === 'bounced'
          ? 'bounced'
          : suppression.reason === 'complaint'
            ? 'reported an email as spam'
            : suppression.via === 'one-click'
              ? 'unsubscribed with the link in an email'
              : 'unsubscribed';
      changes.push({
        name: 'suppression/applied',
        args: { address: suppression.address, status },
        feed: {
          kind: status === 'bounced' ? 'inbox.bounced' : 'inbox.unsubscribed',
          text: `${who} ${how}: ${suppression.address} will not be emailed again${names ? `; stopped ${names}` : ''}`,
          ...(contacts[0] ? { contactId: contacts[0].id } : {}),
          // The row is timed in the campaign's mailbox zone and links to it, as the inbox's rows.
          ...(campaignId ? { campaignId } : {}),
        },
      });
    }
    return { result: stopped, change: changes };
  });
}
