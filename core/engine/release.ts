import type { CompiledHolidays } from '../holidays';
import type { Campaign } from '../model';
import { compileCampaign, resolveEnrollment, type StepAction, type StepDone } from '../resolver';
import type { CompiledWindow } from '../window';
import { ZoneClock } from '../zones';

/**
 * SPEC R8 as a pure rule: steps are released one at a time, the next one only once the one
 * before it is done (sent, completed or skipped), and dated by the resolver over what really
 * happened. The renderer reads the step runs and tasks and writes the result (db/repos/release.ts).
 */

/** One step's step run, as far as the release reads it (renderer: `StepRunRecord`). */
export interface ReleaseRun {
  state: 'scheduled' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped' | 'blocked';
  /** UTC ms, or null when it did not go. */
  sentAt: number | null;
  /** Sent by hand (R6 then takes its time). */
  manual: boolean;
  /** Marked as sent outside the app (R10: nothing to thread onto). */
  outside?: boolean | undefined;
  /** Written by a person in the compose window: it counts once that send is done. */
  edited?: boolean | undefined;
  /** UTC ms: a skipped run's skip instant. */
  updatedAt: number;
}

/** One step's task, as far as the release reads it (renderer: `TaskRecord`). */
export interface ReleaseTask {
  status: 'open' | 'done' | 'skipped';
  /** UTC ms, once done or skipped. */
  completedAt: number | null;
}

export interface ReleaseInput {
  /** The campaign as it stands now. */
  campaign: Campaign;
  /** The mailbox's R12 window and R13 calendar (`sendingRules(mailbox)`). */
  rules: { window?: CompiledWindow | undefined; holidays?: CompiledHolidays | undefined };
  /** The enrollment's zone Z (IANA). */
  zone: string;
  /** UTC ms. */
  launchedAt: number;
  /** UTC ms, or null when day 1 was not given its own instant at launch. */
  firstSendAt: number | null;
  /** The step run of the campaign's step at this index, if any. */
  runAt: (index: number) => ReleaseRun | undefined;
  /** The task of the campaign's step at this index, if any. */
  taskAt: (index: number) => ReleaseTask | undefined;
  /** UTC ms: when the next step is released, if later than the step before it was done (a resume, R8). */
  releasedAt?: number | undefined;
}

/** What the enrollment becomes: finished after its last step, else its next step and when it falls due. */
export type Release =
  | { status: 'finished'; nextStepIndex: number }
  | {
      status: 'next';
      nextStepIndex: number;
      nextDueAt: number;
      nextAction: StepAction;
      /** Why R12/R13 moved the step later (`window`, `holiday`), else undefined. */
      moved: 'window' | 'holiday' | undefined;
      /** With `moved: 'holiday'`: the first holiday it moved off, a day number in the zone. */
      holiday: number | undefined;
    };

/**
 * SPEC R8: the steps done so far, in campaign order, up to the first one not done: a sent
 * step run (its `sentAt`), a skipped step run or task, a task done (an email task done counts
 * as sent by hand outside the app). A step written by hand in the compose window counts only
 * once that send is sent or skipped.
 */
export function stepsDone(input: Pick<ReleaseInput, 'campaign' | 'runAt' | 'taskAt'>): StepDone[] {
  const done: StepDone[] = [];
  for (const [index, step] of input.campaign.steps.entries()) {
    const run = input.runAt(index);
    const task = input.taskAt(index);
    // A task turned into a send from the app counts when that send is done, not before.
    if (run?.edited && run.state !== 'sent' && run.state !== 'skipped') break;
    if (run?.state === 'sent' && run.sentAt !== null)
      done.push({ type: 'sent', at: run.sentAt, manual: run.manual, outside: run.outside ?? false });
    else if (run?.state === 'skipped' || task?.status === 'skipped')
      done.push({ type: 'skipped', at: task?.completedAt ?? run!.updatedAt, manual: false, outside: false });
    else if (task?.status === 'done')
      done.push({
        type: step.type === 'email' ? 'sent' : 'completed',
        at: task.completedAt!,
        manual: true,
        outside: step.type === 'email',
      });
    else break;
  }
  return done;
}

/**
 * SPEC R8: the step after the last one done, dated by core's resolver (R2–R8, R12, R13) over
 * what really happened, or `finished` after the last step.
 * @returns the next step's index, instant (UTC ms) and action, or `finished`.
 * @throws InputError when the campaign, as it now stands, cannot be planned (`compileCampaign`).
 */
export function releaseNextStep(input: ReleaseInput): Release {
  const done = stepsDone(input);
  const next = done.length;
  if (next >= input.campaign.steps.length) return { status: 'finished', nextStepIndex: next };
  const planned = resolveEnrollment(
    compileCampaign(input.campaign, input.rules),
    ZoneClock.for(input.zone),
    input.launchedAt,
    input.firstSendAt,
    done,
    input.releasedAt,
  );
  const step = planned[next]!;
  return {
    status: 'next',
    nextStepIndex: next,
    nextDueAt: step.dueAt,
    nextAction: step.action,
    moved: step.moved,
    holiday: step.holiday,
  };
}
