import { DateTime } from 'luxon';
import { isIanaZone, machineZone, type MachineZone } from '../../core/zones';

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
 * The one way the screens write an instant for a person: in `zone`, with the zone named, so
 * no time is ambiguous: "Mon 9 Mar, 09:30 EDT" (luxon `ccc d LLL, HH:mm ZZZZ`; a zone with no
 * common abbreviation is named by its offset, "Sun 10 Mar, 16:10 GMT+1").
 * A time that belongs to a mailbox's send is written in the mailbox's zone; other times
 * (a sync, an edit) in {@link localZone}.
 * @param ms the instant, UTC epoch milliseconds
 * @param zone an IANA zone name; one the zone database does not know falls back to UTC
 *   (named as such), never throws
 * @param options.besideLocal when the computer's zone (`options.here`, default
 *   {@link localZone}) shows a different wall time at that instant, adds it after the zone's,
 *   with its date only when that differs: "Mon 9 Mar, 09:30 EDT (14:30 GMT+1 here)",
 *   "Mon 9 Mar, 20:30 EDT (Tue 10 Mar, 09:30 GMT+9 here)"
 * @returns the text, or "—" for an instant that is not a finite number
 */
export function formatWhen(
  ms: number,
  zone: string = localZone(),
  options: { besideLocal?: boolean; here?: string } = {},
): string {
  if (!Number.isFinite(ms)) return '—';
  const at = DateTime.fromMillis(ms, { zone: isIanaZone(zone) ? zone : 'UTC' });
  const text = at.toFormat(FORMAT, LOCALE);
  if (!options.besideLocal) return text;
  const here = at.setZone(options.here ?? localZone());
  if (here.offset === at.offset) return text;
  const sameDay = here.toISODate() === at.toISODate();
  return `${text} (${here.toFormat(sameDay ? TIME : FORMAT, LOCALE)} here)`;
}
const FORMAT = 'ccc d LLL, HH:mm ZZZZ';
const TIME = 'HH:mm ZZZZ';
/** The screens are in English: weekdays, months and zone names are too, whatever the system locale. */
const LOCALE = { locale: 'en-US' };

/** An instant as messages and logs give it (ISO 8601, UTC), or the raw value when it is none (NaN). */
export function isoInstant(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
