import { machineZone } from '../../core/zones';
import type { AppStatus } from '../host/services';

/**
 * Pure text for the tray (its menu lines and tooltip) from the renderer's `app/set-status`.
 */

/**
 * Formats when the next send is due, relative to `now` for a person.
 * @param nextSendAt UTC ms, or null when nothing is scheduled
 * @param now UTC ms
 * @param machine the zone the machine reported (`Intl…resolvedOptions().timeZone`); one the zone
 *   database does not know (`Etc/Unknown`, garbage, undefined) is shown as UTC, named after the time
 * @returns e.g. `Next send: today 14:05`, `Next send: Tue 3 Mar 09:00`, `Next send: overdue since 08:00`,
 *   `Next send: today 14:05 UTC` (unknown machine zone), `No sends scheduled`; never throws
 */
export function nextSendLine(
  nextSendAt: number | null,
  now: number,
  machine: string | undefined,
  locale = 'en-GB',
): string {
  if (nextSendAt === null) return 'No sends scheduled';
  const { zone, note } = machineZone({ reported: machine });
  const time =
    new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(nextSendAt) +
    (note ? ` ${zone}` : '');
  const day = (at: number): string =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  if (nextSendAt < now)
    return `Next send: overdue since ${day(nextSendAt) === day(now) ? time : `${day(nextSendAt)} ${time}`}`;
  if (day(nextSendAt) === day(now)) return `Next send: today ${time}`;
  if (day(nextSendAt) === day(now + 86_400_000)) return `Next send: tomorrow ${time}`;
  const date = new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  }).format(nextSendAt);
  return `Next send: ${date} ${time}`;
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
