import { z } from 'zod';
import { show } from './errors';
import { StorableText } from './storable';
import { HolidayCalendar } from './holidays';
import { SendingWindow } from './window';
import { parseClockTime, zoneProblem } from './zones';

/**
 * The domain model (SPEC §1–§3) as zod schemas, with the types inferred from them.
 * Every refusal names the value it refused; paths are added by {@link parseOrThrow}.
 */

/** `HH:mm`, 24-hour, 00:00–23:59 (SPEC R5). */
export const ClockTime = z.string().refine((value) => parseClockTime(value) !== undefined, {
  error: (issue) => `${show(issue.input)} is not a time of day (use 24-hour HH:mm, 00:00–23:59)`,
});

/** An IANA zone name (SPEC §1, R1); near misses and abbreviations get the IANA name offered. */
export const ZoneName = z.string().check((ctx) => {
  const problem = zoneProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

/** Characters that would let a value break out of a message header (RFC 5322 §2.2). */
const LINE_BREAK = /[\r\n]/;

/** A value that goes into a message header: no line breaks (SPEC §8). */
export const HeaderText = StorableText.refine((value) => !LINE_BREAK.test(value), {
  error: (issue) => `${show(issue.input)} contains a line break, which a mail header cannot carry`,
});

/** An email address: something@domain, no spaces or line breaks. */
export const EmailAddress = StorableText.check((ctx) => {
  const value = ctx.value;
  if (value.trim() === '') {
    ctx.issues.push({
      code: 'custom',
      message: 'is required (an email address such as name@example.com)',
      input: value,
    });
    return;
  }
  let reason: string | undefined;
  if (!value.includes('@')) reason = 'has no "@"';
  else if (/\s/.test(value)) reason = 'contains a space or line break';
  else if (!/^[^@]+@[^@]+\.[^@]+$/.test(value)) reason = 'is not of the form name@domain.tld';
  if (reason)
    ctx.issues.push({ code: 'custom', message: `${show(value)} is not an email address (it ${reason})`, input: value });
});

export const Mailbox = z.object({
  id: z.string().min(1).optional(),
  email: EmailAddress,
  name: HeaderText.default(''),
  timeZone: ZoneName,
  /** SPEC R11: sends per calendar day in the mailbox's zone. */
  dailyLimit: z.number().int().positive().default(400),
  /** SPEC R11: minimum gap between two sends, in ms. */
  minGapMs: z.number().int().nonnegative().default(20_000),
  /** SPEC R12: when automatic emails may go, read in each enrollment's zone; absent = any time. */
  sendingWindow: SendingWindow.optional(),
  /** SPEC R13: the public-holiday calendar and the mailbox's own days off and workdays; absent = none. */
  holidays: HolidayCalendar.optional(),
});
export type Mailbox = z.infer<typeof Mailbox>;

export const Contact = z.object({
  id: z.string().min(1),
  email: EmailAddress,
  firstName: HeaderText.optional(),
  lastName: HeaderText.optional(),
  company: StorableText.optional(),
  title: StorableText.optional(),
  phone: StorableText.optional(),
  timeZone: ZoneName.optional(),
  /** Imported columns, merged as `custom.<column>`. */
  custom: z.record(StorableText, StorableText).default({}),
});
export type Contact = z.infer<typeof Contact>;

/** SPEC §3: the timings an email step can have; which ones are allowed depends on its position. */
export const Timing = z.enum(['choose_at_launch', 'at_time', 'same_as_previous', 'task']);
export type Timing = z.infer<typeof Timing>;

/**
 * An email step's send option (SPEC §3). `time` is required for `at_time`;
 * `followUp` threads onto the previous email (R10), and its timing defaults to
 * `same_as_previous`.
 */
export const SendOption = z
  .object({
    timing: Timing.optional(),
    time: ClockTime.optional(),
    followUp: z.boolean().default(false),
  })
  .transform((send, ctx) => {
    const timing = send.timing ?? (send.followUp ? 'same_as_previous' : undefined);
    if (timing === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['timing'],
        message: 'is required (one of choose_at_launch, at_time, same_as_previous, task)',
        input: undefined,
      });
      return z.NEVER;
    }
    if (timing === 'at_time' && send.time === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['time'],
        message: 'is required when timing is "at_time" (24-hour HH:mm)',
        input: undefined,
      });
      return z.NEVER;
    }
    const option: { timing: Timing; time?: string; followUp: boolean } = { timing, followUp: send.followUp };
    if (send.time !== undefined) option.time = send.time;
    return option;
  });
export type SendOption = z.output<typeof SendOption>;

/** SPEC R9: how late a send may still go by itself when a mailbox names no grace period (2 hours). */
export const DEFAULT_OVERDUE_GRACE_MS = 2 * 3_600_000;
/** SPEC R9: the longest grace period a mailbox may set (7 days, in ms). */
export const MAX_OVERDUE_GRACE_MS = 7 * 24 * 3_600_000;

/** The last day a step may be on: ten years, far past any real campaign, well inside what dates can hold. */
export const MAX_DAY = 3650;

const StepBase = {
  id: z.string().min(1),
  /** 1-based day of the campaign (SPEC §1): day 3 is the third day, not three days after the previous step. */
  day: z
    .number()
    .int()
    .min(1)
    .max(MAX_DAY, { error: (issue) => `day ${show(issue.input)} is past the longest campaign (${MAX_DAY} days)` }),
};

export const EmailStep = z.object({
  ...StepBase,
  type: z.literal('email'),
  subject: HeaderText.optional(),
  body: StorableText.default(''),
  send: SendOption,
});
export type EmailStep = z.output<typeof EmailStep>;

export const TaskStep = z.object({
  ...StepBase,
  type: z.enum(['call', 'linkedin', 'custom']),
  title: StorableText.default(''),
  notes: StorableText.default(''),
});
export type TaskStep = z.output<typeof TaskStep>;

export const Step = z.discriminatedUnion('type', [EmailStep, TaskStep]);
export type Step = z.output<typeof Step>;

export const Campaign = z.object({
  id: z.string().min(1).optional(),
  name: StorableText.optional(),
  timeZoneMode: z.enum(['sender', 'recipient']).default('sender'),
  skipWeekends: z.boolean().default(false),
  taskTime: ClockTime.default('09:00'),
  /** SPEC R12: this campaign's own window instead of the mailbox's; `"any"` sends at any time. */
  sendingWindow: z.union([z.literal('any'), SendingWindow]).optional(),
  steps: z.array(Step),
  /** SPEC R15 *stop on reply*: a reply stops the person's enrollment. Absent means true. */
  stopOnReply: z.boolean().optional(),
  /** SPEC R15 *stop the person's other campaigns* when they reply. Absent means true. */
  stopOtherCampaigns: z.boolean().optional(),
});
export type Campaign = z.output<typeof Campaign>;

/** What already happened to one step of one person (SPEC §10 `events`). */
export const StepEvent = z.object({
  contactId: z.string().min(1),
  stepId: z.string().min(1),
  type: z.enum(['sent', 'completed', 'skipped']),
  at: z.iso.datetime({
    offset: true,
    error: (issue) =>
      `${show(issue.input)} is not an ISO 8601 instant with a zone designator (e.g. "2026-03-06T14:00:00Z")`,
  }),
  /** `sent` only: the salesperson sent it by hand (task or compose window), so R6 takes its real time. */
  manual: z.boolean().default(false),
  /** `sent` only: marked as sent outside the app, so a follow-up cannot thread onto it (R10). */
  outside: z.boolean().default(false),
});
export type StepEvent = z.output<typeof StepEvent>;
