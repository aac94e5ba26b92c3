import { formatWhen } from '../../core/when';
import { machineZone } from '../../core/zones';
import type { AppStatus } from '../host/services';

/**
 * Pure text for the tray (its menu lines and tooltip) from the renderer's `app/set-status`.
 */

/**
 * Says when the next send is due, in the app's one time format (core/when.ts).
 * @param nextSendAt UTC ms, or null when nothing is scheduled
 * @param now UTC ms
 * @param machine the zone the machine reported (`Intl…resolvedOptions().timeZone`); one the zone
 *   database does not know (`Etc/Unknown`, garbage, undefined) is shown as UTC
 * @returns e.g. `Next send: Mon 9 Mar, 14:05 GMT+1`, `Next send: overdue since Mon 9 Mar, 08:00 UTC`,
 *   `No sends scheduled`; never throws
 */
export function nextSendLine(nextSendAt: number | null, now: number, machine: string | undefined): string {
  if (nextSendAt === null) return 'No sends scheduled';
  const { zone } = machineZone({ reported: machine });
  const when = formatWhen(nextSendAt, zone);
  return nextSendAt < now ? `Next send: overdue since ${when}` : `Next send: ${when}`;
}

/** `No open tasks`, `1 open task`, `12 open tasks`. */
export function openTasksLine(openTasks: number): string {
  if (openTasks === 0) return 'No open tasks';
  return `${openTasks} open task${openTasks === 1 ? '' : 's'}`;
}

/**
 * Due tasks the system showed no notification for (the app shows them itself):
 * `1 task due: see the app`, `3 tasks due: see the app`, or null when there are none.
 */
export function dueAlertsLine(dueAlerts: number | undefined): string | null {
  if (!dueAlerts) return null;
  return `${dueAlerts} task${dueAlerts === 1 ? '' : 's'} due: see the app`;
}

/**
 * The tray's menu lines: the next send, the open tasks, the due tasks only the app could show,
 * and a note when the machine's zone is unknown (times then in UTC). Before the renderer has
 * reported: `Starting…`. Never throws.
 * @param now UTC ms
 * @param machine the zone the machine reported (see `nextSendLine`)
 */
export function statusLines(status: AppStatus | null, now: number, machine: string | undefined): string[] {
  if (!status) return ['Starting…'];
  const lines = [nextSendLine(status.nextSendAt, now, machine), openTasksLine(status.openTasks)];
  const alerts = dueAlertsLine(status.dueAlerts);
  if (alerts) lines.push(alerts);
  const { note } = machineZone({ reported: machine });
  if (note && status.nextSendAt !== null) lines.push(note);
  return lines;
}

/**
 * The tray's tooltip: the app name, then the status lines (before the renderer has
 * reported, just the app name). Never throws, whatever zone the machine reports.
 */
export function trayTooltip(
  appName: string,
  status: AppStatus | null,
  now: number,
  machine: string | undefined,
): string {
  if (!status) return appName;
  return [appName, ...statusLines(status, now, machine)].join('\n');
}
