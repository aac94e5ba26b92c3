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
 * is not allowed): one per task, kept until the person opens or dismisses it. Their count
 * goes to the tray (`app/set-status` `dueAlerts`).
 */
export const useTaskAlerts = defineStore('task-alerts', () => {
  const alerts = ref<TaskAlert[]>([]);

  /** Shows `alert` (once per task: a repeat replaces the earlier one's title). */
  function add(alert: TaskAlert): void {
    alerts.value = [...alerts.value.filter((a) => a.taskId !== alert.taskId), alert];
  }

  function dismiss(taskId: string): void {
    alerts.value = alerts.value.filter((a) => a.taskId !== taskId);
  }

  return { alerts, add, dismiss };
});

/** Where a task opens: the Command Center with that task (as Electron's deep links and notifications use). */
export function taskRoute(taskId: string): string {
  return `/command-center?task=${encodeURIComponent(taskId)}`;
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
