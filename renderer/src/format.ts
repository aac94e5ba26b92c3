import { formatWhen as coreFormatWhen } from '../../core/when';
import { machineZone, type MachineZone } from '../../core/zones';

/**
 * This computer's zone as the screens use it, read once: when the zone database does not
 * know it (`Etc/Unknown`), UTC, and `note` says so (Settings shows it). Never throws.
 */
export const computerZone: MachineZone = machineZone();

/** The zone of this computer (IANA), or UTC when the browser reports none it knows (`Etc/Unknown`). */
export function localZone(): string {
  return computerZone.zone;
}

/**
 * The screens' way to write an instant: {@link coreFormatWhen} in `zone` (default the
 * computer's, {@link localZone}); with `besideLocal`, the computer's own time (`here`,
 * default {@link localZone}) is added when it differs. See core/when.ts for the format.
 * @param ms the instant, UTC epoch milliseconds
 * @returns e.g. "Mon 9 Mar, 09:30 EDT (14:30 GMT+1 here)", or "—" for a non-finite instant
 */
export function formatWhen(
  ms: number,
  zone: string = localZone(),
  options: { besideLocal?: boolean; here?: string } = {},
): string {
  return coreFormatWhen(ms, zone, options.besideLocal ? (options.here ?? localZone()) : undefined);
}

/** An instant as messages and logs give it (ISO 8601, UTC), or the raw value when it is none (NaN). */
export function isoInstant(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
