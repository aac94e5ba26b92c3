import type { z } from 'zod';
import { campaignProblems } from './campaign';
import { formatPath, type Problem } from './errors';
import { Campaign, type EmailStep, type Step, type Timing } from './model';

/**
 * The shape rules of a campaign's steps as an editor changes them (SPEC §1, §3, §8): what a
 * new step holds, how an edit merges, how a step moves between days, and which problems a
 * draft shows. Pure: the editor view only calls these and saves what they return.
 */

/** The day a campaign's first step goes on (SPEC §1: days are 1-based). */
export const FIRST_DAY = 1;
/** How many days after the last step a newly added step goes (the salesperson can change it). */
export const NEW_STEP_GAP_DAYS = 2;
/** The send time a new email (or one switched to "at a time") starts with, 24-hour local HH:mm. */
export const DEFAULT_SEND_TIME = '09:00';

/** The fields of a step one edit changes (`send` merges field by field). */
export interface StepPatch {
  subject?: string;
  body?: string;
  title?: string;
  notes?: string;
  send?: Partial<EmailStep['send']>;
}

/**
 * The step an editor adds at the end of `steps` (SPEC §1, §3).
 * - Its day is {@link FIRST_DAY} for the first step, else the last step's day + {@link NEW_STEP_GAP_DAYS}.
 * - A first email goes at {@link DEFAULT_SEND_TIME}, starting its own thread.
 * - A later email goes at the same time as the previous email when there is one (else at
 *   {@link DEFAULT_SEND_TIME}), and is a follow-up in the thread (no subject of its own) when the
 *   step right before it is an email; otherwise it starts with an empty subject to fill in.
 * - A task step (call, LinkedIn, custom) starts with an empty title and notes.
 * @param id the new step's id, unique in the campaign (the caller makes it).
 */
export function newStep(type: Step['type'], steps: readonly Step[], id: string): Step {
  const last = steps.at(-1);
  const day = last ? last.day + NEW_STEP_GAP_DAYS : FIRST_DAY;
  if (type !== 'email') return { id, day, type, title: '', notes: '' };
  const afterEmail = last?.type === 'email';
  const hasEarlierEmail = steps.some((s) => s.type === 'email');
  return {
    id,
    day,
    type: 'email',
    subject: afterEmail ? undefined : '',
    body: '',
    send: !last
      ? { timing: 'at_time', time: DEFAULT_SEND_TIME, followUp: false }
      : {
          timing: hasEarlierEmail ? 'same_as_previous' : 'at_time',
          time: hasEarlierEmail ? undefined : DEFAULT_SEND_TIME,
          followUp: afterEmail,
        },
  };
}

/**
 * Merges one edit into a step as it is now (never into a stale copy): fields replace, `send`
 * merges field by field and only into an email.
 */
export function patchStep(step: Step, patch: StepPatch): Step {
  const { send, ...fields } = patch;
  const next = { ...step, ...fields } as Step;
  if (send && next.type === 'email') next.send = { ...next.send, ...send };
  return next;
}

/**
 * The `send` change for picking `timing` in the editor (SPEC §3): "at a time" keeps the time the
 * email had, or starts at {@link DEFAULT_SEND_TIME}; other timings keep the time as it was, so
 * switching back restores it.
 */
export function timingPatch(send: EmailStep['send'], timing: Timing): Partial<EmailStep['send']> {
  return { timing, time: timing === 'at_time' ? (send.time ?? DEFAULT_SEND_TIME) : send.time };
}

/** SPEC §3: ticking "follow-up" makes the email go at the same time as the previous one; unticking keeps its timing. */
export function followUpPatch(followUp: boolean): Partial<EmailStep['send']> {
  return followUp ? { followUp: true, timing: 'same_as_previous' } : { followUp: false };
}

/** The steps in campaign order: by day, keeping the order within a day (a stable sort; days never decrease). */
export function orderByDay(steps: readonly Step[]): Step[] {
  return [...steps].sort((a, b) => a.day - b.day);
}

/**
 * Moves the step at `index` one place up (−1) or down (+1): within its day it swaps with its
 * neighbour; at the edge of its day it joins the neighbouring day (keeping its place in the
 * list). At either end of the campaign nothing changes.
 * @returns a new list in campaign order; `steps` is not changed.
 */
export function moveStep(steps: readonly Step[], index: number, direction: -1 | 1): Step[] {
  const next = [...steps];
  const step = next[index];
  const neighbour = next[index + direction];
  if (!step || !neighbour) return next;
  if (neighbour.day === step.day) {
    next[index] = neighbour;
    next[index + direction] = step;
  } else next[index] = { ...step, day: neighbour.day };
  return orderByDay(next);
}

/**
 * Puts a deleted step back where it was (undo): at `index`, or at the end when the campaign has
 * fewer steps now; edits made since are kept.
 * @returns a new list in campaign order.
 */
export function restoreStep(steps: readonly Step[], index: number, step: Step): Step[] {
  const next = [...steps];
  next.splice(Math.min(index, next.length), 0, step);
  return orderByDay(next);
}

/** What an editor holds of a campaign: core's input shape, where a `sendingWindow` of null means "the mailbox's hours" (R12). */
export type CampaignDraftInput = Omit<z.input<typeof Campaign>, 'sendingWindow'> & {
  sendingWindow?: z.input<typeof Campaign>['sendingWindow'] | null;
};

/**
 * Everything a draft campaign shows the salesperson before launch (SPEC §8): first the shape
 * problems (a field of the wrong shape, e.g. `campaign.steps[1].send.time`), and only when the
 * shape is good the rules of {@link campaignProblems}.
 * @returns `problems` (block launch, not editing) and `warnings` (allowed, but said). Paths start with `campaign.`.
 */
export function draftProblems(draft: CampaignDraftInput, id?: string): { problems: Problem[]; warnings: Problem[] } {
  const { sendingWindow, ...rest } = draft;
  const parsed = Campaign.safeParse({ ...rest, ...(sendingWindow ? { sendingWindow } : {}), ...(id ? { id } : {}) });
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path, 'campaign'),
        message: issue.message,
      })),
      warnings: [],
    };
  }
  return campaignProblems(parsed.data);
}
