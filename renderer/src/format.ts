import { DateTime } from 'luxon';
import { formatWhen as coreFormatWhen } from '../../core/when';
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

/** What moved a send or task (SPEC R12/R13), as the launch preview's steps and an enrollment's `nextMoved` carry it. */
export interface MovedReason {
  kind: 'window' | 'holiday';
  /** For `holiday`: its date in the person's zone (`YYYY-MM-DD`) and name ("a day off" for the mailbox's own). */
  holiday?: { date: string; name: string } | undefined;
}

/**
 * Says why a step goes later than the campaign's own timing (SPEC R12/R13), for the launch
 * preview and the Scheduled folder: "Moved to Mon 08:00 — outside sending hours", "Moved —
 * 26 Nov is a holiday (Thanksgiving Day)", "Moved — 24 Dec is one of your days off".
 * @param moved what moved it. @param dueAt where it landed, UTC ms.
 * @param zone the person's zone Z the window and holidays are read in (IANA).
 * @param here the zone the screen writes other times in (the mailbox's); when Z shows another
 *   wall time, the window's time is marked "their time".
 */
export function movedNote(moved: MovedReason, dueAt: number, zone: string, here?: string): string {
  if (moved.kind === 'holiday') {
    const day = moved.holiday
      ? DateTime.fromISO(moved.holiday.date, { zone: 'UTC' }).toFormat('d LLL', { locale: 'en-US' })
      : undefined;
    if (!day || !moved.holiday) return 'Moved — off a holiday';
    return moved.holiday.name === 'a day off'
      ? `Moved — ${day} is one of your days off`
      : `Moved — ${day} is a holiday (${moved.holiday.name})`;
  }
  const at = DateTime.fromMillis(dueAt, { zone: isIanaZone(zone) ? zone : 'UTC' });
  const theirs =
    here !== undefined && at.offset !== DateTime.fromMillis(dueAt, { zone: isIanaZone(here) ? here : 'UTC' }).offset;
  return `Moved to ${at.toFormat('ccc HH:mm', { locale: 'en-US' })}${theirs ? ' their time' : ''} — outside sending hours`;
}

/**
 * The Scheduled folder's note on a person's next step (SPEC R12/R13): {@link movedNote} for the
 * enrollment's `nextMoved` while it still explains `nextDueAt` (a reschedule or an
 * out-of-office shift since leaves it behind: no note then).
 * @param here the mailbox's zone, the one the row's time is written in.
 * @returns the note, or undefined when the step goes at its own time.
 */
export function nextMovedNote(
  enrollment: { nextDueAt: number; zone: string; nextMoved?: (MovedReason & { dueAt: number }) | null },
  here?: string,
): string | undefined {
  const moved = enrollment.nextMoved;
  if (!moved || moved.dueAt !== enrollment.nextDueAt) return undefined;
  return movedNote(moved, enrollment.nextDueAt, enrollment.zone, here);
}

/** The one zone a list of times of several kinds (the Live Feed) is written in, and whose it is. */
export interface ListZone {
  /** IANA name, always one the zone database knows. */
  zone: string;
  /** `mailbox`: the zone every mailbox sends in; `computer`: this computer's ({@link localZone}). */
  whose: 'mailbox' | 'computer';
  /** The mailbox's zone as stored when the zone database does not know it (then `zone` is UTC). */
  unknown?: string;
}

/**
 * Picks the single zone for a list whose rows mix sends, edits and syncs (the Live Feed), so
 * no two of its times are written in different zones: the mailboxes' zone when every mailbox
 * has the same one (one mailbox, typically), else (no mailbox, or mailboxes in different
 * zones) this computer's. A mailbox zone the database does not know counts as UTC, as
 * {@link formatWhen} writes it. Never throws.
 * @param mailboxZones each mailbox's `timeZone` (IANA), in any order, repeats allowed
 * @param here this computer's zone (default {@link localZone})
 */
export function listZone(mailboxZones: readonly string[], here: string = localZone()): ListZone {
  const zones = new Set(mailboxZones.map((zone) => (isIanaZone(zone) ? zone : 'UTC')));
  if (zones.size === 1) {
    const unknown = mailboxZones.find((zone) => !isIanaZone(zone));
    return { zone: [...zones][0]!, whose: 'mailbox', ...(unknown === undefined ? {} : { unknown }) };
  }
  return { zone: here, whose: 'computer' };
}
