import { machineZone, type MachineZone } from '../../core/zones';

/**
 * This computer's zone as the screens use it, read once: when the zone database does not
 * know it (`Etc/Unknown`), UTC, and `note` says so (Settings shows it). Never throws.
 */
export const computerZone: MachineZone = machineZone();

/**
 * How the screens write instants (UTC ms) for a person: in this computer's zone (UTC when
 * it is unknown) and language, with the zone named so no time is ambiguous, e.g.
 * "Mon, 9 Mar, 09:30 EDT".
 */
export function shortWhen(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    timeZone: computerZone.zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** An instant as messages and logs give it (ISO 8601, UTC), or the raw value when it is none (NaN). */
export function isoInstant(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
