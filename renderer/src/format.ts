/**
 * How the screens write instants (UTC ms) for a person: in this computer's zone and
 * language, with the zone named so no time is ambiguous, e.g. "Mon, 9 Mar, 09:30 EDT".
 */
export function shortWhen(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}
