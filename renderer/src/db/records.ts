import type { HolidayCalendar } from '../../../core/holidays';
import type { SendingWindow } from '../../../core/window';
import type { Step } from '../../../core/model';
import type { ConflictRow, RowWrite } from '../../../core/sync/protocol';
import type { InboxFeedKind, InboxKind } from '../../../core/inbox';

/**
 * The shapes stored in IndexedDB. Instants are UTC epoch ms; zones are IANA names.
 * Every record a person edits carries `version` (incremented on each change) so the
 * sync issue can detect edits made on a stale copy.
 */

export interface MailboxRecord {
  id: string;
  name: string;
  email: string;
  timeZone: string;
  smtp: { host: string; port: number; security: 'tls' | 'starttls' | 'none'; user: string };
  /** True when the host's secret store holds this mailbox's password (never stored here). */
  hasPassword: boolean;
  dailyLimit: number;
  minGapMs: number;
  /**
   * SPEC R9: how late (ms) a send may still go by itself after the app was closed, asleep or
   * offline; older ones wait in Overdue. Absent on mailboxes saved before it was a setting:
   * `DEFAULT_OVERDUE_GRACE_MS` (2 hours) then.
   */
  overdueGraceMs?: number;
  /** SPEC R12: when automatic emails may go, read in each person's zone; absent = any time. */
  sendingWindow?: SendingWindow;
  /** SPEC R13: the public-holiday calendar and the mailbox's own days off; absent = none. */
  holidays?: HolidayCalendar;
  /**
   * SPEC §11: the IMAP server whose INBOX is watched for replies, bounces and out-of-office
   * replies. Absent: the inbox is not read. The password is in the host's secret store
   * (`imap:<id>`, else the SMTP one).
   */
  imap?: { host: string; port: number; security: 'tls' | 'starttls' | 'none'; user: string };
  /** How often (ms) an IMAP server without IDLE is checked. Absent: `DEFAULT_INBOX_POLL_MS` (2 minutes). */
  inboxPollMs?: number;
  /**
   * Save a copy of each sent email in the Sent folder over IMAP (issue 11). Absent: on, unless
   * the SMTP server keeps its own copy (Gmail): `savesSentCopy` in core/sent-copy.ts decides.
   */
  saveSentCopy?: boolean;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface ContactRecord {
  id: string;
  email: string;
  /** Lower-cased address: the unique key duplicates are found by. */
  emailKey: string;
  firstName: string;
  lastName: string;
  company: string;
  title: string;
  phone: string;
  timeZone: string;
  notes: string;
  custom: Record<string, string>;
  unsubscribed: boolean;
  bounced: boolean;
  /** SPEC R15: temporary bounces in a row (absent: 0); the third pauses the person. */
  softBounces?: number;
  /** The keys of the temporary bounces counted in that row (core `messageKey`), so a second device does not count one twice. */
  countedBounces?: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface TemplateRecord {
  id: string;
  name: string;
  subject: string;
  body: string;
  updatedAt: number;
  version: number;
}

export type CampaignStatus = 'draft' | 'active' | 'paused';

export interface CampaignRecord {
  id: string;
  name: string;
  status: CampaignStatus;
  /**
   * The content version (settings and steps), raised by every content edit; renaming,
   * archiving and launching leave it. A save made on an older one is refused.
   */
  version: number;
  /** 1 when archived (a number, so it can be indexed). */
  archived: 0 | 1;
  mailboxId: string | null;
  timeZoneMode: 'sender' | 'recipient';
  skipWeekends: boolean;
  taskTime: string;
  /** Steps in campaign order, stored with the campaign: they change together. */
  steps: Step[];
  /**
   * SPEC R12 overridden for this campaign: its own window, `'any'` for any time; absent or
   * null: the mailbox's sending hours.
   */
  sendingWindow?: 'any' | SendingWindow | null;
  /** SPEC R15 *stop on reply*: a reply stops the person's enrollment (absent: true). */
  stopOnReply?: boolean;
  /** SPEC R15 *stop the person's other campaigns* when they reply (absent: true). */
  stopOtherCampaigns?: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * `replied`, `bounced` and `unsubscribed` are stopped by the inbox (SPEC R15): nothing more is
 * sent, like `finished` and `removed`.
 */
export type EnrollmentStatus = 'active' | 'paused' | 'finished' | 'removed' | 'replied' | 'bounced' | 'unsubscribed';

/**
 * One person in one campaign. Only the *next* step is materialised (SPEC R8 releases
 * steps one at a time): `nextStepIndex`, `nextDueAt`, `nextAction`.
 */
export interface EnrollmentRecord {
  id: string;
  campaignId: string;
  contactId: string;
  mailboxId: string;
  /** R1's zone Z for this person. */
  zone: string;
  status: EnrollmentStatus;
  launchedAt: number;
  firstSendAt: number | null;
  /** The device that launched it: only that device sends its emails (SPEC §7). */
  deviceId: string;
  nextStepIndex: number;
  nextDueAt: number;
  nextAction: 'send_email' | 'create_task';
  /** R8: days (or business days) later steps have shifted so far. */
  shiftDays: number;
  /**
   * Why the next step is waiting for a person rather than for its instant: an open task,
   * a send that needs attention (blocked, failed, or unknown after a crash), or an overdue
   * send (R9). Held enrollments are not armed in the scheduler.
   */
  hold?: 'task' | 'needs-attention' | 'overdue' | null;
  /**
   * Why `nextDueAt` is later than the campaign's own timing gave (SPEC R12/R13), for the
   * Scheduled folder: it applies only while `dueAt` equals `nextDueAt` (a reschedule or an
   * out-of-office shift leaves it behind). `holiday` is the date in Z (`YYYY-MM-DD`) and its name.
   */
  nextMoved?: NextMoved | null;
  /** Send attempts of the current step that came back "retry" (SPEC §5 backoff). */
  attempts?: number;
  /**
   * Who paused it: a person (this enrollment), the campaign's pause, a 5xx refusal, or three
   * temporary bounces in a row (SPEC R15). Resuming the campaign resumes only its own.
   */
  pausedBy?: 'person' | 'campaign' | 'server' | 'bounces' | null;
  /**
   * SPEC R15: an automatic reply paused it until this instant (UTC ms, the start of the day
   * after the return date in Z); the next step was moved to that day, so it resumes by itself.
   */
  outOfOfficeUntil?: number | null;
  /** The return date the automatic reply gave (`YYYY-MM-DD` in Z), or null when it gave none. */
  returnsOn?: string | null;
  /** The day it resumes (`YYYY-MM-DD` in Z): the day after `returnsOn`, or 7 days on. */
  resumesOn?: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What moved an enrollment's next step (SPEC R12 `window`, R13 `holiday`). */
export interface NextMoved {
  kind: 'window' | 'holiday';
  /** The `nextDueAt` it explains, UTC ms. */
  dueAt: number;
  holiday?: { date: string; name: string };
}

export type StepRunState = 'scheduled' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped' | 'blocked';

/** A step as it was really carried out: the sent copy of an email (follow-ups quote it). */
export interface StepRunRecord {
  id: string;
  enrollmentId: string;
  stepId: string;
  /** The mailbox it goes from (the daily limit counts per mailbox). */
  mailboxId?: string;
  state: StepRunState;
  dueAt: number;
  messageId: string | null;
  /** The Message-ID the recipient got, when the provider replaced ours and said so (SPEC §5). */
  deliveredMessageId?: string;
  references: string[];
  subject: string;
  html: string;
  text: string;
  sentAt: number | null;
  manual: boolean;
  /** Marked as sent outside the app: a follow-up cannot thread onto it (R10). */
  outside?: boolean;
  /** Written by a person in the compose window: the engine sends this subject and body as they are. */
  edited?: boolean;
  smtpReply: string | null;
  /** Why it needs attention (blocked merge field, the server's refusal, an unknown outcome). */
  reason?: string;
  /** SPEC R15: a temporary bounce or delay warning that came back for this email, in words. */
  deliveryProblem?: string;
  updatedAt: number;
}

export interface TaskRecord {
  id: string;
  enrollmentId: string;
  campaignId: string;
  contactId: string;
  stepId: string;
  kind: 'call' | 'linkedin' | 'custom' | 'email';
  title: string;
  notes: string;
  dueAt: number;
  /** When it was first due, before any snooze. */
  firstDueAt?: number;
  status: 'open' | 'done' | 'skipped';
  completedAt: number | null;
  /**
   * Skipped by the inbox, not by a person: the enrollment stopped (`replied`, …) while this
   * task was open. Resuming a replied enrollment raises it again.
   */
  cancelledBy?: 'replied' | 'bounced' | 'unsubscribed';
}

export type FeedKind =
  | 'campaign.created'
  | 'campaign.edited'
  | 'campaign.renamed'
  | 'campaign.duplicated'
  | 'campaign.archived'
  | 'campaign.restored'
  | 'campaign.launched'
  | 'contacts.imported'
  | 'contact.created'
  | 'contact.edited'
  | 'contact.deleted'
  | 'mailbox.saved'
  | 'mailbox.deleted'
  | 'email.sent'
  | 'email.failed'
  | 'email.retried'
  | 'email.blocked'
  | 'email.unknown'
  | 'email.deferred'
  | 'email.overdue'
  | 'email.skipped'
  | 'task.created'
  | 'task.completed'
  | 'task.skipped'
  | 'enrollment.finished'
  | 'enrollment.paused'
  | 'enrollment.resumed'
  | 'enrollment.removed'
  | 'campaign.paused'
  | 'campaign.resumed'
  | 'task.snoozed'
  | 'email.scheduled'
  | 'network.online'
  | 'network.offline'
  | 'sync.conflict'
  | 'email.sent-copy-failed'
  | 'email.sent-copy-saved'
  | InboxFeedKind;

export interface FeedEventRecord {
  id?: number;
  at: number;
  kind: FeedKind;
  text: string;
  campaignId?: string;
  contactId?: string;
  /** The task it is about, for a link that opens it. */
  taskId?: string;
}

/** A change waiting to be pushed to the sync server, written in the same transaction as the change. */
export interface OutboxRecord {
  mutationId?: number;
  clientId: string;
  name: string;
  args: unknown;
  at: number;
  /**
   * The rows the change wrote, each with the row as it was before (see core/sync/protocol.ts
   * `RowWrite`); recorded only on a device that has a sync server set (or had one, db/snapshot.ts).
   */
  writes?: RowWrite[];
  /**
   * Made on a device working alone: no `writes` (the small row). The snapshot taken when a
   * sync server is first set replaces these rows (db/snapshot.ts `startCapture`).
   */
  alone?: true;
}

/**
 * Two devices changed the same thing differently (core/sync/protocol.ts `ConflictRow`): the
 * server kept `theirs` (merged with every change that did not collide) and keeps `mine` here.
 */
export type ConflictRecord = ConflictRow;

/**
 * An address never to be mailed again, workspace-wide (SPEC §12): synced to every device and
 * kept when the contact is deleted. The id is the lower-cased address.
 */
export interface SuppressionRecord {
  id: string;
  address: string;
  /** `unsubscribed` (a request), `complaint` (RFC 5965 report), `bounced` (a permanent bounce). */
  reason: 'unsubscribed' | 'complaint' | 'bounced';
  /** UTC ms. */
  at: number;
  /** The contact it was about when it was recorded (may since be deleted). */
  contactId?: string;
  /** `one-click`: recorded by the team server from the email's unsubscribe link (SPEC §12). */
  via?: 'one-click';
}

/**
 * A message the inbox has read (SPEC §11), kept so that reading it again (the same UID, or
 * the same Message-ID after a UIDVALIDITY change) changes nothing. Local to this device.
 * The id is `<mailboxId>:<uidValidity>:<uid>`.
 */
export interface InboxMessageRecord {
  id: string;
  mailboxId: string;
  uidValidity: number;
  uid: number;
  /** Normalised `<id@domain>`; for a message that had none, the key `messageKey` made (core/inbox/dedupe.ts), so a rescan knows it (null in rows stored before). */
  messageId: string | null;
  kind: InboxKind;
  from: string | null;
  subject: string;
  /** The reply's own words (quote and signature removed), for a reply. */
  text?: string;
  /** The message's Date, else when it was read, UTC ms. */
  at: number;
  /** The enrollments it matched (R14); empty when it was ignored. */
  enrollmentIds: string[];
  contactIds: string[];
  /** The sent emails it answers or returns (step run ids), when it named them (R14 by thread). */
  stepRunIds?: string[];
  /** For an automatic reply: the return date it gave (`YYYY-MM-DD`), or null when none. */
  returnsOn?: string | null;
  /** For a bounce: why, in words, with the RFC 3463 status (`the address does not exist (5.1.1)`). */
  reason?: string;
}

/**
 * A campaign's results as counters (core/results.ts), kept as its enrollments, step runs and
 * tasks change. Derived and local to this device: rebuilt from those rows when missing.
 */
export interface CampaignResultsRecord {
  /** The campaign's id. */
  id: string;
  counters: Record<string, number>;
  /** UTC ms of the last change. */
  updatedAt: number;
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

/** A step run not yet attempted: the shape every send starts from. */
export function newStepRun(
  fields: Pick<StepRunRecord, 'id' | 'enrollmentId' | 'stepId' | 'dueAt'> & Partial<StepRunRecord>,
): StepRunRecord {
  return {
    state: 'scheduled',
    messageId: null,
    references: [],
    subject: '',
    html: '',
    text: '',
    sentAt: null,
    manual: false,
    smtpReply: null,
    updatedAt: fields.dueAt,
    ...fields,
  };
}

/**
 * A sent email waiting to be saved in its mailbox's Sent folder (issue 11), local to the device
 * that sent it (not synced: the raw message is large and only this device appends it). Written
 * in the transaction that records the send; deleted once the copy is in Sent.
 */
export interface SentCopyRecord {
  /** The step run's id. */
  id: string;
  mailboxId: string;
  /** The Message-ID the copy carries: the delivered one when the provider replaced ours. */
  messageId: string;
  subject: string;
  /** Who it went to, as the Live Feed names them. */
  to: string;
  campaignId?: string;
  contactId?: string;
  /** The message exactly as it went on the wire (RFC 5322, CRLF line ends). */
  raw: string;
  /** When it was sent, UTC ms: the copy's date in Sent. */
  sentAt: number;
  /** Tries that failed so far. */
  attempts: number;
  /** When to try (again), UTC ms. */
  nextAt: number;
  /** Why the last try failed, in words, and when it is tried again. */
  problem?: string;
}
