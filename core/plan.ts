import { DateTime } from 'luxon';
import { z } from 'zod';
import { InputError, show, type Problem } from './errors';
import { Campaign, Contact, Mailbox, StepEvent, type Step } from './model';
import { checkLaunch, compileCampaign, resolveEnrollment, type StepAction, type StepDone } from './resolver';
import { mergeContext, renderTemplate, type MergeContext } from './templating';
import { foldHeader, replySubject, stripReplyPrefix } from './threading';
import { compileHolidays } from './holidays';
import { effectiveWindow } from './window';
import { DAY_MS, ZoneClock } from './zones';
import { parseOrThrow } from './validate';

/**
 * The `plan` command's logic (SPEC §10): a scenario in, every person's resolved
 * schedule out, with no database and no network. The command-line wrapper
 * (`scripts/plan.ts`) only reads the file and prints.
 */

const Instant = z.iso.datetime({
  offset: true,
  error: (issue) =>
    `${show(issue.input)} is not an ISO 8601 instant with a zone designator (e.g. "2026-03-06T14:00:00Z")`,
});

const Launch = z.object({
  at: Instant,
  firstSendAt: Instant.nullable().default(null),
});

/** One step of one person in the plan's output (SPEC §10). */
export interface PlannedStep {
  stepId: string;
  action: StepAction;
  /** UTC, ISO 8601 with milliseconds. */
  dueAt: string;
  /** The same instant in the enrollment's zone, ISO 8601 with its offset. */
  local: string;
  late: boolean;
  /** Set when R13 moved the step off a holiday, or R12 moved an automatic email into the window (SPEC §10). */
  moved?: 'window' | 'holiday';
  /**
   * Only with `plan(scenario, { reasons: true })` (the app's launch preview; never in the
   * command's output): the holiday a `moved: "holiday"` step moved off, `YYYY-MM-DD` in the
   * enrollment's zone, and its name ("Thanksgiving Day", or "a day off" for the mailbox's own).
   */
  holiday?: { date: string; name: string };
  /** Rendered subject of an email step (a follow-up's is the `Re:` subject). */
  subject?: string;
  /** Rendered title of a task step. */
  title?: string;
  /** Why this person's email cannot be rendered (SPEC §2); replaces `subject`. */
  blocked?: string;
  /** What already happened (from `events`). */
  done?: { type: StepDone['type']; at: string; manual?: true; outside?: true };
}

export interface PlanOutput {
  enrollments: { contactId: string; zone: string; steps: PlannedStep[] }[];
}

function section<S extends z.ZodType>(raw: Record<string, unknown>, key: string, schema: S): z.output<S> {
  return parseOrThrow(schema, raw[key], key);
}

/**
 * Plans a scenario (SPEC §10 input shape) by SPEC §4.
 * @param scenario the parsed JSON of a scenario file.
 * @param options.reasons also say which holiday moved a step (`holiday`), for the screens.
 * @returns every contact's enrollment with each step's due instant, in input order.
 * @throws InputError naming the field path and the refused value (SPEC §8): a bad zone,
 *   time, address or instant, a campaign rule, a send time missing or before launch,
 *   or an event that does not fit the campaign.
 */
export function plan(scenario: unknown, options: { reasons?: boolean } = {}): PlanOutput {
  if (scenario === null || typeof scenario !== 'object' || Array.isArray(scenario)) {
    throw new InputError([
      {
        path: '(root)',
        message: `a scenario is a JSON object with mailbox, campaign, contacts and launch; got ${show(scenario)}`,
      },
    ]);
  }
  const raw = scenario as Record<string, unknown>;
  const mailbox = section(raw, 'mailbox', Mailbox);
  const campaign = section(raw, 'campaign', Campaign);
  const contacts = section(raw, 'contacts', z.array(Contact));
  const launch = section(raw, 'launch', Launch);
  const events = section(raw, 'events', z.array(StepEvent).default([]));

  const holidays = mailbox.holidays && compileHolidays(mailbox.holidays);
  const compiled = compileCampaign(campaign, {
    window: effectiveWindow(campaign.sendingWindow, mailbox.sendingWindow),
    holidays,
  });
  const launchAt = Date.parse(launch.at);
  const firstSendAt = launch.firstSendAt === null ? null : Date.parse(launch.firstSendAt);
  checkLaunch(compiled, launchAt, firstSendAt);

  const contactIndex = new Map<string, number>();
  contacts.forEach((contact, index) => {
    if (contactIndex.has(contact.id)) {
      throw new InputError([
        {
          path: `contacts[${index}].id`,
          message: `${show(contact.id)} is used by an earlier contact; ids must be unique`,
        },
      ]);
    }
    contactIndex.set(contact.id, index);
  });
  const doneByContact = eventsByContact(events, campaign.steps, contactIndex, launchAt);

  return {
    enrollments: contacts.map((contact) => {
      const zoneName = campaign.timeZoneMode === 'recipient' && contact.timeZone ? contact.timeZone : mailbox.timeZone;
      const zone = ZoneClock.for(zoneName);
      const done = doneByContact.get(contact.id) ?? [];
      const resolved = resolveEnrollment(compiled, zone, launchAt, firstSendAt, done);
      const context = mergeContext(contact, mailbox);
      const subjects: (string | { blocked: string } | undefined)[] = [];
      const steps = resolved.map((entry): PlannedStep => {
        const step = campaign.steps[entry.index]!;
        const out: PlannedStep = {
          stepId: step.id,
          action: entry.action,
          dueAt: new Date(entry.dueAt).toISOString(),
          local: DateTime.fromMillis(entry.dueAt, { zone: zoneName }).toISO()!,
          late: entry.late,
        };
        if (entry.moved) out.moved = entry.moved;
        if (options.reasons && holidays && entry.holiday !== undefined) {
          out.holiday = {
            date: new Date(entry.holiday * DAY_MS).toISOString().slice(0, 10),
            name: holidays.nameOf(entry.holiday) ?? 'a day off',
          };
        }
        if (step.type === 'email') {
          const subject = emailSubject(step, entry.index, subjects, done, context);
          subjects[entry.index] = subject;
          if (typeof subject === 'string') out.subject = subject;
          else out.blocked = subject.blocked;
        } else {
          const title = renderTemplate(step.title, context);
          out.title = title.ok ? title.text : step.title;
        }
        if (entry.done) {
          out.done = { type: entry.done.type, at: new Date(entry.done.at).toISOString() };
          if (entry.done.manual) out.done.manual = true;
          if (entry.done.outside) out.done.outside = true;
        }
        return out;
      });
      return { contactId: contact.id, zone: zoneName, steps };
    }),
  };
}

/** The subject a person's email step is sent with (R10), or why it is blocked. */
function emailSubject(
  step: Extract<Step, { type: 'email' }>,
  index: number,
  subjects: readonly (string | { blocked: string } | undefined)[],
  done: readonly (StepDone | undefined)[],
  context: MergeContext,
): string | { blocked: string } {
  const body = renderTemplate(step.body, context, 'html');
  if (!body.ok) return { blocked: `body: ${body.blocked}` };
  const previousDone = done[index - 1];
  const threads = step.send.followUp && previousDone?.type !== 'skipped' && !previousDone?.outside;
  if (threads || (step.send.followUp && !step.subject?.trim())) {
    const previous = subjects[index - 1];
    if (previous === undefined) return { blocked: 'the previous step is not an email' };
    if (typeof previous !== 'string') return { blocked: `the email it follows up is blocked (${previous.blocked})` };
    // R10: a follow-up whose parent was not sent by the app goes as a new email.
    return threads ? replySubject(previous) : stripReplyPrefix(previous);
  }
  const subject = renderTemplate(step.subject ?? '', context);
  return subject.ok ? foldHeader(subject.text) : { blocked: `subject: ${subject.blocked}` };
}

function eventsByContact(
  events: readonly StepEvent[],
  steps: readonly Step[],
  contactIndex: ReadonlyMap<string, number>,
  launchAt: number,
): Map<string, (StepDone | undefined)[]> {
  const stepIndex = new Map(steps.map((step, index) => [step.id, index]));
  const byContact = new Map<string, (StepDone | undefined)[]>();
  const problems: Problem[] = [];
  events.forEach((event, i) => {
    const path = `events[${i}]`;
    if (!contactIndex.has(event.contactId)) {
      problems.push({ path: `${path}.contactId`, message: `${show(event.contactId)} is not the id of any contact` });
      return;
    }
    const index = stepIndex.get(event.stepId);
    if (index === undefined) {
      problems.push({ path: `${path}.stepId`, message: `${show(event.stepId)} is not the id of any step` });
      return;
    }
    const step = steps[index]!;
    if (event.type === 'sent' && step.type !== 'email') {
      problems.push({
        path: `${path}.type`,
        message: `"sent" fits email steps only; "${step.id}" is a ${step.type} step (use "completed" or "skipped")`,
      });
    }
    if (event.type === 'completed' && step.type === 'email' && step.send.timing !== 'task') {
      problems.push({
        path: `${path}.type`,
        message: `"completed" fits tasks only; "${step.id}" is an email that sends by itself (use "sent" or "skipped")`,
      });
    }
    if (event.type !== 'sent' && (event.manual || event.outside)) {
      problems.push({
        path: `${path}.${event.manual ? 'manual' : 'outside'}`,
        message: `applies to a "sent" event only, not "${event.type}"`,
      });
    }
    const at = Date.parse(event.at);
    if (at < launchAt) problems.push({ path: `${path}.at`, message: `${show(event.at)} is before the launch instant` });
    const done = byContact.get(event.contactId) ?? [];
    if (done[index])
      problems.push({
        path: `${path}.stepId`,
        message: `step ${show(event.stepId)} already has an event for this contact`,
      });
    done[index] = { type: event.type, at, manual: event.manual, outside: event.outside };
    byContact.set(event.contactId, done);
  });
  for (const [contactId, done] of byContact) {
    let previousAt = launchAt;
    for (let index = 0; index < done.length; index++) {
      const entry = done[index];
      if (!entry) {
        problems.push({
          path: 'events',
          message: `contact ${show(contactId)} has an event for step "${steps[done.length - 1]!.id}" but none for the earlier step "${steps[index]!.id}" (steps happen in campaign order)`,
        });
        break;
      }
      if (entry.at < previousAt) {
        problems.push({
          path: 'events',
          message: `contact ${show(contactId)}: step "${steps[index]!.id}" is done before the step ahead of it`,
        });
        break;
      }
      previousAt = entry.at;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return byContact;
}

/**
 * The whole command as a function of its file's text, for the CLI and its tests.
 * @returns `{ code: 0, stdout }` with the plan as JSON (2-space indent), or `{ code: 2, stderr }`
 *   with one line `error: <field path>: <reason>` (SPEC §10). Never throws for bad input.
 */
export function runPlan(text: string): { code: 0 | 2; stdout: string; stderr: string } {
  let scenario: unknown;
  try {
    scenario = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { code: 2, stdout: '', stderr: `error: (file): ${describeJsonError(text, (error as Error).message)}\n` };
  }
  try {
    return { code: 0, stdout: `${JSON.stringify(plan(scenario), null, 2)}\n`, stderr: '' };
  } catch (error) {
    if (error instanceof InputError)
      return { code: 2, stdout: '', stderr: `error: ${error.message.replace(/\s*\n\s*/g, ' ')}\n` };
    throw error;
  }
}

/** A JSON parse error as a person editing the file needs it: line and column, and a hint for a CSV given by mistake. */
function describeJsonError(text: string, message: string): string {
  if (/^\uFEFF?[^{[\s]/.test(text) && /[,;]/.test(text.split('\n')[0] ?? '')) {
    return 'not valid JSON: this looks like a CSV file; plan takes a scenario in JSON (see docs/examples/scenario.json)';
  }
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : /end of JSON input/i.test(message) ? text.length : undefined;
  if (offset === undefined)
    return `not valid JSON: ${message.replace(/, ".*" is not valid JSON$/s, '').replace(/\s+/g, ' ')}`;
  const before = text.slice(0, offset).split('\n');
  const reason = message
    .replace(/\s*in JSON at position \d+.*$/, '')
    .replace(/^Unexpected end of JSON input$/, 'the file ends too early');
  return `not valid JSON at line ${before.length}, column ${before.at(-1)!.length + 1}: ${reason}`;
}
