import { InputError, show } from '../../../../core/errors';
import { releaseNext } from './release';
import { inChange, now } from '../change';
import { useDb } from '../database';
import { formatWhen, isoInstant } from '../../format';
import { newStepRun } from '../records';

/**
 * Finishes an open task: `done` (completed; for an email task, "Mark as sent": sent by the
 * salesperson outside the app, so R6 takes this time and R10 does not thread onto it) or
 * `skipped`. The enrollment's next step is released in the same transaction (SPEC R8).
 * @throws InputError when the task is not open (already done elsewhere).
 */
export async function finishTask(taskId: string, outcome: 'done' | 'skipped'): Promise<void> {
  const db = useDb();
  const at = now();
  await inChange(
    [db.tasks, db.enrollments, db.stepRuns, db.campaigns, db.mailboxes],
    async () => {
      const task = await db.tasks.get(taskId);
      if (!task || task.status !== 'open')
        throw new InputError([{ path: 'task', message: `${show(taskId)} is not an open task` }]);
      await db.tasks.update(taskId, { status: outcome, completedAt: at });
      if (task.kind === 'email' && outcome === 'done') {
        // Marked as sent outside the app: a step run records when, with no message to reply to (R10).
        await db.stepRuns.put({
          id: task.id,
          enrollmentId: task.enrollmentId,
          stepId: task.stepId,
          state: 'sent',
          dueAt: task.dueAt,
          messageId: null,
          references: [],
          subject: task.title,
          html: '',
          text: '',
          sentAt: at,
          manual: true,
          outside: true,
          smtpReply: null,
          updatedAt: at,
        });
      }
      await db.enrollments.update(task.enrollmentId, { hold: null });
      await releaseNext(task.enrollmentId);
      const verb = outcome === 'skipped' ? 'Skipped' : task.kind === 'email' ? 'Marked as sent' : 'Completed';
      return {
        result: undefined,
        change: {
          name: `task/${outcome === 'done' ? 'complete' : 'skip'}`,
          args: { id: taskId, at },
          feed: {
            kind: outcome === 'done' ? 'task.completed' : 'task.skipped',
            text: `${verb}: ${task.title}`,
            campaignId: task.campaignId,
            contactId: task.contactId,
          },
        },
      };
    },
    at,
  );
}

/**
 * Finishes several open tasks the same way (bulk complete or skip); tasks no longer open are
 * passed over, and so are email tasks on "complete" (completing one would record an email
 * as sent that nobody sent: each is opened, written and sent, or marked as sent, on its own).
 * Each is its own transaction, so one that fails leaves the others done.
 * @returns how many were finished.
 */
export async function finishTasks(taskIds: readonly string[], outcome: 'done' | 'skipped'): Promise<number> {
  let count = 0;
  for (const id of taskIds) {
    const task = await useDb().tasks.get(id);
    if (task?.status !== 'open' || (outcome === 'done' && task.kind === 'email')) continue;
    await finishTask(id, outcome);
    count++;
  }
  return count;
}

/**
 * Snoozes open tasks until `until` (UTC ms): they leave today's list and come back then.
 * The first due time is kept (`firstDueAt`). Nothing else about the enrollment changes.
 * @throws InputError when `until` is not in the future.
 */
export async function snoozeTasks(taskIds: readonly string[], until: number): Promise<number> {
  const db = useDb();
  const at = now();
  if (!Number.isFinite(until) || until <= at)
    throw new InputError([{ path: 'until', message: `${show(isoInstant(until))} is not in the future` }]);
  return inChange(
    [db.tasks],
    async () => {
      const tasks = (await db.tasks.bulkGet([...taskIds])).filter((t) => t?.status === 'open');
      for (const task of tasks)
        await db.tasks.update(task!.id, { dueAt: until, firstDueAt: task!.firstDueAt ?? task!.dueAt });
      return {
        result: tasks.length,
        change: {
          name: 'task/snooze',
          args: { ids: tasks.map((t) => t!.id), until },
          feed: {
            kind: 'task.snoozed',
            text: `Snoozed ${tasks.length === 1 ? tasks[0]!.title : `${tasks.length} tasks`} until ${formatWhen(until)}`,
            campaignId: tasks[0]?.campaignId,
            contactId: tasks.length === 1 ? tasks[0]!.contactId : undefined,
          },
        },
      };
    },
    at,
  );
}

/** What the person wrote in the compose window of an email task. */
export interface ComposedByHand {
  subject: string;
  /** HTML from the editor; sanitised when shown, sent as written. */
  html: string;
  text: string;
}

/**
 * Sends an email task's message from the app, as edited in the compose window: at once
 * (`at` = now) or at a later instant. The task is closed and the step becomes a scheduled
 * send of exactly this text (a by-hand send: R6 then takes its real sent time); the engine
 * sends it through the same claim-send-record path as every email, threading it when the
 * step is a follow-up.
 * @throws InputError naming `subject` when it is empty or has a line break, `at` when it is in the past,
 *   or `task` when the task is no longer open.
 */
export async function sendTaskEmail(taskId: string, message: ComposedByHand, at: number): Promise<void> {
  const db = useDb();
  const when = now();
  const problems = [];
  if (message.subject.trim() === '') problems.push({ path: 'subject', message: 'is empty' });
  else if (/[\r\n]/.test(message.subject))
    problems.push({ path: 'subject', message: `${show(message.subject)} cannot contain a line break` });
  // A merge field left as written (its value was empty) is never sent as such (SPEC §2).
  for (const [path, value] of [
    ['subject', message.subject],
    ['body', message.html],
  ] as const)
    if (/\{\{|\{%/.test(value))
      problems.push({ path, message: 'still has a merge field ({{ … }}): replace it with the words to send' });
  if (!Number.isFinite(at)) problems.push({ path: 'at', message: 'pick a date and time to send it' });
  else if (at < when - 60_000) problems.push({ path: 'at', message: `${show(isoInstant(at))} is in the past` });
  if (problems.length > 0) throw new InputError(problems);
  const due = Math.max(at, when);
  await inChange(
    [db.tasks, db.stepRuns, db.enrollments],
    async () => {
      const task = await db.tasks.get(taskId);
      if (!task || task.status !== 'open' || task.kind !== 'email')
        throw new InputError([{ path: 'task', message: `${show(taskId)} is not an open email task` }]);
      await db.tasks.update(taskId, { status: 'done', completedAt: when });
      const run = await db.stepRuns.get(task.id);
      await db.stepRuns.put({
        ...(run ?? newStepRun({ id: task.id, enrollmentId: task.enrollmentId, stepId: task.stepId, dueAt: due })),
        state: 'scheduled',
        dueAt: due,
        subject: message.subject.trim(),
        html: message.html,
        text: message.text,
        manual: true,
        edited: true,
        updatedAt: when,
      });
      await db.enrollments.update(task.enrollmentId, {
        hold: null,
        nextDueAt: due,
        nextAction: 'send_email',
        attempts: 0,
        updatedAt: when,
      });
      return {
        result: undefined,
        change: {
          name: 'task/send-email',
          args: { id: taskId, at: due },
          feed: {
            kind: 'email.scheduled',
            text:
              due <= when
                ? `Sending "${message.subject.trim()}" now (written by hand)`
                : `Scheduled "${message.subject.trim()}" for ${formatWhen(due)} (written by hand)`,
            campaignId: task.campaignId,
            contactId: task.contactId,
          },
        },
      };
    },
    when,
  );
}
