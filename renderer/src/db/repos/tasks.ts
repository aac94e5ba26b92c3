import { InputError, show } from '../../../../core/errors';
import { releaseNext } from '../../engine/engine';
import { inChange, now } from '../change';
import { useDb } from '../database';

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
    [db.tasks, db.enrollments, db.stepRuns, db.campaigns],
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
