import { liveQuery } from 'dexie';
import { watch } from 'vue';
import type { Router } from 'vue-router';
import type { HostCallInput } from '../../../core/host/contract';
import type { CampaignDeskDb } from '../db/database';
import type { HostClient } from './client';

/**
 * The renderer's side of the desktop shell: it follows the host's `app/navigate` (deep links,
 * menu items, clicked notifications) with the router, and reports what the tray shows
 * (`app/set-status`: the next due send and the open tasks count) whenever it changes. The
 * web host accepts the same calls and only remembers the status.
 */

export type AppStatus = HostCallInput<'app/set-status'>;

/**
 * Reads the status from the database: the earliest active enrollment whose next step is an
 * email not held for a person (a task, needs attention, overdue), and the open tasks count.
 * @returns `nextSendAt` in UTC ms, or null when no send is scheduled
 */
export async function readStatus(db: CampaignDeskDb): Promise<AppStatus> {
  const [next, openTasks] = await Promise.all([
    db.enrollments
      .where('[status+nextDueAt]')
      .between(['active', -Infinity], ['active', Infinity])
      .filter((enrollment) => enrollment.nextAction === 'send_email' && !enrollment.hold)
      .first(),
    db.tasks.where('[status+dueAt]').between(['open', -Infinity], ['open', Infinity]).count(),
  ]);
  return { nextSendAt: next?.nextDueAt ?? null, openTasks };
}

/**
 * Starts following the host: navigation requests go to the router, and every change of the
 * status is reported (the first report also tells Electron main that the window is ready
 * for navigation requests queued before it loaded).
 * @param dueAlerts how many due-task alerts the window shows because the system showed none
 *   (reactive: a change is reported too), for the tray's count
 * @returns a function that stops both
 */
export function followHost(
  host: HostClient,
  router: Router,
  db: CampaignDeskDb,
  dueAlerts: () => number = () => 0,
): () => void {
  const stopNavigate = host.on('app/navigate', ({ path }) => {
    if (router.currentRoute.value.fullPath !== path) void router.push(path);
  });
  let last = '';
  let fromDb: AppStatus | undefined;
  const report = (): void => {
    if (!fromDb) return;
    const status: AppStatus = { ...fromDb, dueAlerts: dueAlerts() };
    const key = JSON.stringify(status);
    if (key === last) return;
    last = key;
    void host.tryCall('app/set-status', status).then((reply) => {
      if (reply.error) console.error('could not report the status to the host', reply.error);
    });
  };
  const subscription = liveQuery(() => readStatus(db)).subscribe({
    next: (status) => {
      fromDb = status;
      report();
    },
    error: (error: unknown) => console.error('status query failed', error),
  });
  const stopAlerts = watch(dueAlerts, report);
  return () => {
    stopNavigate();
    stopAlerts();
    subscription.unsubscribe();
  };
}
