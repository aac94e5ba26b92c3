import type { AppStatus } from '../host/services';

/**
 * Pure text for the tray (its menu lines and tooltip) from the renderer's `app/set-status`.
 */

/**
 * Formats when the next send is due, relative to `now` for a person.
 * @param nextSendAt UTC ms, or null when nothing is scheduled
 * @param now UTC ms
 * @param zone IANA zone to show times in (the machine's)
 * @returns e.g. `Next send: today 14:05`, `Next send: Tue 3 Mar 09:00`, `Next send: overdue since 08:00`,
 *   `No sends scheduled`
 */
export function nextSendLine(nextSendAt: number | null, now: number, zone: string, locale = 'en-GB'): string {
  if (nextSendAt === null) return 'No sends scheduled';
  const time = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(
    nextSendAt,
  );
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
 * The tray's tooltip: the app name, then the two status lines (before the renderer has
 * reported, just the app name).
 */
export function trayTooltip(appName: string, status: AppStatus | null, now: number, zone: string): string {
  if (!status) return appName;
  return `${appName}\n${nextSendLine(status.nextSendAt, now, zone)}\n${openTasksLine(status.openTasks)}`;
}
