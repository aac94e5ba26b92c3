import { z } from 'zod';
import { InputError, show } from '../../../../core/errors';
import {
  DEFAULT_OVERDUE_GRACE_MS,
  EmailAddress,
  HeaderText,
  MAX_OVERDUE_GRACE_MS,
  ZoneName,
} from '../../../../core/model';
import { HolidayCalendar, holidayProblems } from '../../../../core/holidays';
import { parseOrThrow } from '../../../../core/validate';
import { SendingWindow, windowProblems } from '../../../../core/window';
import { DEFAULT_INBOX_POLL_MS } from '../../../../core/imap-settings';
import { INBOX_POLL_MAX_MS, INBOX_POLL_MIN_MS } from '../../../../core/host/contract';
import { useDb } from '../database';
import { replanScheduled } from './replan';
import { inChange, now } from '../change';
import type { MailboxRecord } from '../records';

/** The mailbox form (SPEC §1, R11). The password is not part of it: it goes to the host's secret store. */
export const MailboxInput = z.object({
  id: z.string().optional(),
  name: HeaderText.refine((value) => value.trim() !== '', {
    error: 'is required (the name people see, e.g. "Ana Lima")',
  }),
  email: EmailAddress,
  timeZone: ZoneName,
  smtp: z.object({
    host: z.string().trim().min(1, { error: 'is required (e.g. smtp.example.com)' }),
    port: z
      .number({ error: (issue) => `${show(issue.input)} is not a port number` })
      .int()
      .min(1)
      .max(65535),
    security: z.enum(['tls', 'starttls', 'none']),
    user: z.string(),
  }),
  dailyLimit: z.number().int().min(1, { error: 'must be at least 1 email a day' }).max(10_000),
  minGapMs: z.number().int().min(0).max(3_600_000),
  /** SPEC R9's grace period in ms; left out, a new mailbox gets 2 hours and a saved one keeps its own. */
  overdueGraceMs: z
    .unknown()
    .check((ctx) => {
      const fail = (message: string) => ctx.issues.push({ code: 'custom', message, input: ctx.value });
      if (typeof ctx.value !== 'number' || Number.isNaN(ctx.value)) {
        fail(
          `${ctx.value === undefined || Number.isNaN(ctx.value) ? 'is empty' : `${show(ctx.value)} is not a number`}: enter how many hours late an email may still go (0 or more)`,
        );
        return;
      }
      const hours = ctx.value / 3_600_000;
      if (!Number.isInteger(ctx.value) || ctx.value < 0) fail(`${hours} hours is not a grace period; use 0 or more`);
      else if (ctx.value > MAX_OVERDUE_GRACE_MS)
        fail(`${hours} hours is longer than a week; older sends should wait for you in Overdue`);
    })
    .transform((value) => value as number)
    .optional(),
  /** SPEC R12: the weekly sending window; null sends at any time. Left out, a saved mailbox keeps its own. */
  sendingWindow: SendingWindow.nullable().optional(),
  /** SPEC R13: the holiday calendar; null for none. Left out, a saved mailbox keeps its own. */
  holidays: HolidayCalendar.nullable().optional(),
  /** SPEC §11: where the INBOX is read; null turns reading it off. Left out, a saved mailbox keeps its own. */
  imap: z
    .object({
      host: z.string().trim().min(1, { error: 'is required (e.g. imap.example.com)' }),
      port: z
        .number({ error: (issue) => `${show(issue.input)} is not a port number` })
        .int()
        .min(1)
        .max(65535),
      security: z.enum(['tls', 'starttls', 'none']),
      user: z.string().trim().min(1, { error: 'is required (usually your email address)' }),
    })
    .nullable()
    .optional(),
  /** How often (ms) a server without IDLE is checked: 30 s to 1 hour; left out, 2 minutes or the saved value. */
  inboxPollMs: z
    .number({ error: (issue) => `${show(issue.input)} is not a number of minutes` })
    .check((ctx) => {
      const minutes = ctx.value / 60_000;
      if (!Number.isInteger(ctx.value) || ctx.value < INBOX_POLL_MIN_MS || ctx.value > INBOX_POLL_MAX_MS)
        ctx.issues.push({
          code: 'custom',
          message: `${minutes} minutes is not a check interval; use 0.5 to 60 minutes`,
          input: ctx.value,
        });
    })
    .optional(),
  /**
   * Save a copy of each sent email in Sent (issue 11); null goes back to the default (on, off for
   * Gmail, which keeps its own copy). Left out, a saved mailbox keeps its own.
   */
  saveSentCopy: z
    .boolean({ error: (issue) => `${show(issue.input)} is not on or off` })
    .nullable()
    .optional(),
});
export type MailboxInput = z.input<typeof MailboxInput>;

/**
 * Adds or updates a mailbox.
 * @param hasPassword whether the host now holds a password for it (set by the caller after `secrets/set`).
 * @throws InputError naming the field (`smtp.port`, `timeZone`, `sendingWindow.tue[1]`,
 *   `holidays.extra[0]`, …) and the value; nothing is stored then.
 */
export async function saveMailbox(input: MailboxInput, hasPassword: boolean): Promise<MailboxRecord> {
  const parsed = parseOrThrow(MailboxInput, input);
  const rules = [
    ...(parsed.sendingWindow ? windowProblems(parsed.sendingWindow) : []),
    ...(parsed.holidays ? holidayProblems(parsed.holidays) : []),
  ];
  if (rules.length > 0) throw new InputError(rules);
  const db = useDb();
  const at = now();
  return inChange(
    [db.mailboxes, db.campaigns, db.enrollments, db.stepRuns, db.tasks],
    async () => {
      const current = parsed.id ? await db.mailboxes.get(parsed.id) : undefined;
      const clash = await db.mailboxes.where('email').equals(parsed.email).first();
      if (clash && clash.id !== current?.id)
        throw new InputError([{ path: 'email', message: `${show(parsed.email)} is already a mailbox` }]);
      const record: MailboxRecord = {
        id: current?.id ?? parsed.id ?? crypto.randomUUID(),
        name: parsed.name.trim(),
        email: parsed.email,
        timeZone: parsed.timeZone,
        smtp: { ...parsed.smtp, host: parsed.smtp.host.trim() },
        hasPassword,
        dailyLimit: parsed.dailyLimit,
        minGapMs: parsed.minGapMs,
        overdueGraceMs: parsed.overdueGraceMs ?? current?.overdueGraceMs ?? DEFAULT_OVERDUE_GRACE_MS,
        ...imapOf(parsed.imap === undefined ? current?.imap : (parsed.imap ?? undefined)),
        inboxPollMs: parsed.inboxPollMs ?? current?.inboxPollMs ?? DEFAULT_INBOX_POLL_MS,
        ...kept('sendingWindow', parsed.sendingWindow, current?.sendingWindow),
        ...kept('holidays', parsed.holidays, current?.holidays),
        ...kept('saveSentCopy', parsed.saveSentCopy, current?.saveSentCopy),
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
        version: (current?.version ?? 0) + 1,
      };
      await db.mailboxes.put(record);
      // A campaign created before any mailbox existed sends from the first one added.
      if (!current)
        await db.campaigns.filter((campaign) => campaign.mailboxId === null).modify({ mailboxId: record.id });
      // R12/R13 apply to sends not yet claimed: new hours or days off date those again.
      const hoursChanged =
        !!current &&
        (JSON.stringify(current.sendingWindow ?? null) !== JSON.stringify(record.sendingWindow ?? null) ||
          JSON.stringify(current.holidays ?? null) !== JSON.stringify(record.holidays ?? null));
      const replanned = hoursChanged ? await replanScheduled({ mailboxId: record.id }, at, { mailbox: current }) : 0;
      const again =
        replanned > 0
          ? `; ${replanned} scheduled ${replanned === 1 ? 'email' : 'emails'} moved for the new hours or days off`
          : '';
      return {
        result: record,
        change: {
          name: 'mailbox/save',
          args: record,
          feed: { kind: 'mailbox.saved', text: `Saved mailbox ${record.email}${again}` },
        },
      };
    },
    at,
  );
}

/** `{ imap }` with the host name trimmed, or nothing (no key at all) when the inbox is not read. */
function imapOf(imap: MailboxRecord['imap']): Pick<MailboxRecord, 'imap'> {
  return imap ? { imap: { ...imap, host: imap.host.trim(), user: imap.user.trim() } } : {};
}

/** Deletes a mailbox. @throws InputError when a campaign that is not a draft sends from it. */
export async function deleteMailbox(id: string): Promise<void> {
  const db = useDb();
  await inChange([db.mailboxes, db.campaigns, db.enrollments], async () => {
    const mailbox = await db.mailboxes.get(id);
    if (!mailbox) return { result: undefined, change: { name: 'mailbox/delete', args: { id } } };
    const sending = await db.enrollments
      .filter((e) => e.mailboxId === id && (e.status === 'active' || e.status === 'paused'))
      .count();
    if (sending > 0)
      throw new InputError([
        {
          path: 'mailbox',
          message: `${mailbox.email} still sends for ${sending} ${sending === 1 ? 'person' : 'people'} in campaigns; finish or remove them first`,
        },
      ]);
    const using = await db.campaigns
      .filter((campaign) => campaign.mailboxId === id && campaign.status !== 'draft')
      .first();
    if (using)
      throw new InputError([
        {
          path: 'mailbox',
          message: `${mailbox.email} sends for the campaign ${using.name}; pick another mailbox there first`,
        },
      ]);
    await db.mailboxes.delete(id);
    await db.campaigns.filter((campaign) => campaign.mailboxId === id).modify({ mailboxId: null });
    return {
      result: undefined,
      change: {
        name: 'mailbox/delete',
        args: { id },
        feed: { kind: 'mailbox.deleted', text: `Deleted mailbox ${mailbox.email}` },
      },
    };
  });
}

/** An optional setting as stored: the given value, null clearing it, left out keeping the saved one. */
function kept<K extends string, V>(key: K, given: V | null | undefined, saved: V | undefined): Partial<Record<K, V>> {
  const value = given === undefined ? saved : (given ?? undefined);
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}
