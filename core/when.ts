import { DateTime } from 'luxon';
import { isIanaZone } from './zones';

/**
 * The one way the app writes an instant for a person (the screens, the feed, the tray): in
 * `zone`, with the zone named, so no time is ambiguous: "Mon 9 Mar, 09:30 EDT" (luxon
 * `ccc d LLL, HH:mm ZZZZ`, in English; a zone with no common abbreviation is named by its
 * offset, "Sun 10 Mar, 16:10 GMT+1"). A time that belongs to a mailbox's send is written in
 * the mailbox's zone; other times (a sync, an edit) in the computer's; a list that mixes
 * both (the Live Feed) writes all of them in one zone (renderer/src/format.ts `listZone`).
 * @param ms the instant, UTC epoch milliseconds
 * @param zone an IANA zone name; one the zone database does not know falls back to UTC
 *   (named as such), never throws
 * @param here when given and it shows a different wall time at that instant, that time is
 *   added after the zone's, with its date only when that differs: "Mon 9 Mar, 09:30 EDT
 *   (14:30 GMT+1 here)", "Mon 9 Mar, 20:30 EDT (Tue 10 Mar, 09:30 GMT+9 here)"
 * @returns the text, or "—" for an instant that is not a finite number
 */
export function formatWhen(ms: number, zone: string, here?: string): string {
  if (!Number.isFinite(ms)) return '—';
  const at = DateTime.fromMillis(ms, { zone: isIanaZone(zone) ? zone : 'UTC' });
  const text = at.toFormat(FORMAT, LOCALE);
  if (here === undefined) return text;
  const there = at.setZone(isIanaZone(here) ? here : 'UTC');
  if (there.offset === at.offset) return text;
  const sameDay = there.toISODate() === at.toISODate();
  return `${text} (${there.toFormat(sameDay ? TIME : FORMAT, LOCALE)} here)`;
}
const FORMAT = 'ccc d LLL, HH:mm ZZZZ';
const TIME = 'HH:mm ZZZZ';
const LOCALE = { locale: 'en-US' };
