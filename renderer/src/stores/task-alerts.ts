import { defineStore } from 'pinia';
import { ref } from 'vue';

/** A due task the system showed no notification for: the window shows it until opened or dismissed. */
export interface TaskAlert {
  taskId: string;
  /** The task's title as the person wrote it, merge fields filled: `Call Ana Silva`. */
  title: string;
}

/**
 * Task-due alerts shown inside the app when the operating system shows none (`notify/show`
 * answered `shown: false`, Electron's Notification `failed`, or the page's Web Notification
 * is not allowed): one per task, in the order they fell due, kept until the person opens or
 * dismisses it (TaskAlerts.vue shows two as banners, more as one summary). Their count goes to
 * the tray (`app/set-status` `dueAlerts`).
 */
export const useTaskAlerts = defineStore('task-alerts', () => {
  const alerts = ref<TaskAlert[]>([]);

  /** Shows `alert` (once per task: a repeat replaces the earlier one's title). */
  function add(alert: TaskAlert): void {
    alerts.value = [...alerts.value.filter((a) => a.taskId !== alert.taskId), alert];
  }

  /** Takes away the alert for `taskId` (none there: nothing happens). */
  function dismiss(taskId: string): void {
    alerts.value = alerts.value.filter((a) => a.taskId !== taskId);
  }

  /** Takes away every alert (the tasks stay due in the Command Center's Tasks due folder). */
  function dismissAll(): void {
    alerts.value = [];
  }

  return { alerts, add, dismiss, dismissAll };
});

/** Where a task opens: the Command Center with that task (as Electron's deep links and notifications use). */
export function taskRoute(taskId: string): string {
  return `/command-center?task=${encodeURIComponent(taskId)}`;
}

/** The Command Center's Tasks due folder (CommandCenterView's `?folder=`), where every due task is listed. */
export const TASKS_DUE_ROUTE = '/command-center?folder=tasks';

/** At most this many alerts show as their own banners; with more, one summary banner stands for all. */
export const MAX_TASK_BANNERS = 2;

/**
 * The summary banner's words for `alerts` (more than `MAX_TASK_BANNERS`), the first to fall due
 * named: `{ heading: '4 tasks due:', names: 'Call Ana Lima, Call Kenji Mori and 2 more' }`.
 */
export function taskAlertSummary(alerts: readonly TaskAlert[]): { heading: string; names: string } {
  const named = alerts.slice(0, MAX_TASK_BANNERS).map((alert) => alert.title);
  const more = alerts.length - named.length;
  return {
    heading: `${alerts.length.toLocaleString()} tasks due:`,
    names: more > 0 ? `${named.join(', ')} and ${more.toLocaleString()} more` : named.join(' and '),
  };
}

/**
 * Tells the person a task is due when the host showed no system notification: the page's
 * Web Notification where the person allowed it (an error there falls back too), else an
 * alert inside the app.
 * @param open opens the task (the router), for a clicked Web Notification
 */
export function alertTaskDue(alert: TaskAlert, add: (alert: TaskAlert) => void, open: (path: string) => void): void {
  const Web = (globalThis as { Notification?: typeof Notification }).Notification;
  if (Web?.permission === 'granted') {
    try {
      const shown = new Web('Task due', { body: alert.title, tag: alert.taskId });
      shown.onclick = () => {
        globalThis.focus?.();
        open(taskRoute(alert.taskId));
      };
      shown.onerror = () => add(alert);
      return;
    } catch {
      // Some browsers only allow notifications from a service worker: the app shows it itself.
    }
  }
  add(alert);
}
