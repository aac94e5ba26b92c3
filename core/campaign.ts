import { show, type Problem } from './errors';
import { MAX_DAY, type Campaign, type Step } from './model';
import { templateProblems } from './templating';
import { replySubject, stripReplyPrefix } from './threading';

/** SPEC §3: the timings offered to the campaign's first step when it is an email. */
export const FIRST_EMAIL_TIMINGS = ['choose_at_launch', 'at_time', 'task'] as const;
/** SPEC §3: the timings offered to every other email step. */
export const LATER_EMAIL_TIMINGS = ['same_as_previous', 'at_time', 'task'] as const;

/** What an editor should offer an email step at `index` of `steps` (SPEC §3). */
export function sendChoices(
  steps: readonly Pick<Step, 'type' | 'day'>[],
  index: number,
): {
  timings: readonly string[];
  followUp: boolean;
} {
  const first = index === 0;
  return {
    timings: first ? FIRST_EMAIL_TIMINGS : LATER_EMAIL_TIMINGS,
    followUp: !first && steps[index - 1]?.type === 'email',
  };
}

/**
 * Reads a step's day as a person typed it in an editor (SPEC §1, §8): a whole number
 * from 1 (the campaign's first day) to {@link MAX_DAY}.
 * @param text what the day field holds, e.g. `"3"`, `"0"`, `"1.5"`, `""`.
 * @returns `{ day }`, or `{ problem }` naming the value; the editor then keeps the saved day.
 */
export function readDay(text: string): { day: number } | { problem: string } {
  const trimmed = text.trim();
  const range = `use a whole number from 1 to ${MAX_DAY}`;
  if (trimmed === '') return { problem: `a step needs a day; ${range}` };
  const day = Number(trimmed);
  if (!Number.isFinite(day)) return { problem: `${show(text)} is not a day; ${range}` };
  if (!Number.isInteger(day)) return { problem: `day ${trimmed} is not a whole day; ${range}` };
  if (day < 1) return { problem: `day ${trimmed} is before the campaign starts; the first day is day 1` };
  if (day > MAX_DAY) return { problem: `day ${trimmed} is past the longest campaign (${MAX_DAY} days)` };
  return { day };
}

/** What each step kind is called on every screen (the campaign editor, the Command Center, tasks). */
export const STEP_KIND_LABELS: Readonly<Record<Step['type'], string>> = {
  email: 'Email',
  call: 'Call',
  linkedin: 'LinkedIn',
  custom: 'Task',
};

/** The little of a step its label reads: its kind, its day and, for an email, how it is sent. */
export interface LabelledStep {
  type: Step['type'];
  day: number;
  send?: { timing: string } | undefined;
}

/**
 * What kind of step this is, in {@link STEP_KIND_LABELS}' words, with the one distinction the
 * kind alone does not make: an email the person sends by hand (timing `task`) is an
 * "Email task". E.g. "Email", "Email task", "Call", "LinkedIn", "Task".
 */
export function stepKindLabel(step: Pick<LabelledStep, 'type' | 'send'>): string {
  return step.type === 'email' && step.send?.timing === 'task' ? 'Email task' : STEP_KIND_LABELS[step.type];
}

/**
 * The one way every screen names a step of a campaign (the people list, the launch preview,
 * the results): its number, its day and its kind, "Step 3 · Day 4 · Call".
 * @param step the step (its `day` is the campaign's day, from 1)
 * @param index its place in the campaign's steps, from 0
 */
export function stepLabel(step: LabelledStep, index: number): string {
  return `Step ${index + 1} · Day ${step.day} · ${stepKindLabel(step)}`;
}

/**
 * The words over a task step's title field in the editor, from {@link STEP_KIND_LABELS}:
 * "Call title", "LinkedIn task title" (not "LinkedIn title", read as a person's job title),
 * "Task title".
 */
export function taskTitleLabel(kind: Exclude<Step['type'], 'email'>): string {
  return `${STEP_KIND_LABELS[kind]}${kind === 'linkedin' ? ' task' : ''} title`;
}

/** Index of the nearest email step before `index` on an earlier day (SPEC R6's P), or −1. */
export function previousEmailOnEarlierDay(steps: readonly Pick<Step, 'type' | 'day'>[], index: number): number {
  const day = steps[index]!.day;
  for (let i = index - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.type === 'email' && step.day < day) return i;
  }
  return -1;
}

function describe(step: Step): string {
  return step.type === 'email' ? `email "${step.id}"` : `${step.type} step "${step.id}"`;
}

/**
 * The rules of SPEC §2, §3 and §8 that a campaign's structure must meet before it
 * can be launched; an editor shows each problem at its path, a launch refuses on any.
 * @returns `problems` (block launch) and `warnings` (allowed, but said: a day-1
 *   `same_as_previous` sends at launch, which SPEC R6 does not recommend). Paths start
 *   with `campaign.`.
 */
export function campaignProblems(campaign: Campaign): { problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const { steps } = campaign;
  const at = (index: number, field: string): string => `campaign.steps[${index}]${field ? `.${field}` : ''}`;
  if (steps.length === 0) {
    problems.push({
      path: 'campaign.steps',
      message: 'a campaign with no steps cannot be launched; add a first step on day 1',
    });
  }
  const seen = new Set<string>();
  steps.forEach((step, index) => {
    if (seen.has(step.id))
      problems.push({
        path: at(index, 'id'),
        message: `${show(step.id)} is used by an earlier step; step ids must be unique`,
      });
    seen.add(step.id);
    if (index === 0 && step.day !== 1) {
      problems.push({ path: at(0, 'day'), message: `the first step must be on day 1, not day ${step.day}` });
    }
    const before = steps[index - 1];
    if (before && step.day < before.day) {
      problems.push({
        path: at(index, 'day'),
        message: `day ${step.day} comes after day ${before.day}; days never decrease along the campaign`,
      });
    }
    const fields: [string, string][] =
      step.type === 'email'
        ? [
            ['subject', step.subject ?? ''],
            ['body', step.body],
          ]
        : [
            ['title', step.title],
            ['notes', step.notes],
          ];
    for (const [field, source] of fields) {
      for (const message of templateProblems(source)) problems.push({ path: at(index, field), message });
    }
    if (step.type !== 'email') return;
    const { timing, followUp } = step.send;
    const choices = sendChoices(steps, index);
    if (!choices.timings.includes(timing)) {
      problems.push({
        path: at(index, 'send.timing'),
        message: `${show(timing)} is not offered ${index === 0 ? 'for the first step' : 'after the first step'} (choose ${choices.timings.join(', ')})`,
      });
    }
    if (followUp && !choices.followUp) {
      problems.push({
        path: at(index, 'send.followUp'),
        message: before
          ? `the step before (${describe(before)}) is not an email, so there is nothing to thread onto`
          : 'the first step has no earlier email to thread onto',
      });
    }
    if (!followUp && !step.subject?.trim()) {
      problems.push({
        path: at(index, 'subject'),
        message: 'add a subject (only a threaded follow-up goes without one)',
      });
    }
    if (step.body.replace(/<[^>]*>/g, '').trim() === '') {
      problems.push({ path: at(index, 'body'), message: 'add the text of this email: it is empty' });
    }
    if (timing === 'same_as_previous' && index > 0 && previousEmailOnEarlierDay(steps, index) < 0) {
      if (step.day > 1) {
        problems.push({
          path: at(index, 'send.timing'),
          message: `"same_as_previous" needs an email on a day before day ${step.day}, and there is none; pick "at_time" or add an earlier email`,
        });
      } else {
        warnings.push({
          path: at(index, 'send.timing'),
          message:
            '"same_as_previous" on day 1 sends at the moment of launch (not recommended); pick "at_time" to choose the time',
        });
      }
    }
  });
  return { problems, warnings };
}

/**
 * The subject template a follow-up at `index` is sent with (R10): `Re: ` + the subject of
 * the email its thread starts with, found by walking back over follow-ups. Undefined when
 * the step before is not an email.
 */
export function threadSubject(steps: readonly Step[], index: number): string | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.type !== 'email') return undefined;
    if (!step.send.followUp) return replySubject(step.subject ?? '');
  }
  return undefined;
}

/**
 * The subject an email step at `index` will go with, before it is sent (R10), for screens
 * that show what a person waits on: a follow-up's is `Re: ` + its thread's subject (never
 * `Re: Re:`); an email without its own subject takes its thread's, without `Re:`.
 * `render` fills a subject template in for one person (default: the template as written);
 * the reply prefix is added after it, so a merged value that itself starts with `Re:` is not
 * doubled. The sent subject itself comes from `composeEmail`, from what the previous email really was.
 */
export function plannedSubject(
  steps: readonly Step[],
  index: number,
  render: (template: string) => string = (template) => template,
): string {
  const step = steps[index];
  if (step?.type !== 'email') return '';
  const thread = threadSubject(steps, index);
  if (step.send.followUp && thread !== undefined) return replySubject(render(thread));
  if (step.subject?.trim()) return render(step.subject);
  return thread === undefined ? '' : stripReplyPrefix(render(thread));
}
