import { compileHolidays, type CompiledHolidays, type HolidayCalendar } from '../holidays';
import { effectiveWindow, type CompiledWindow, type SendingWindow } from '../window';

/** Compiled calendars by their settings: building one reads the holiday library's data (ms, not µs). */
const calendars = new Map<string, CompiledHolidays>();

/**
 * The R12/R13 rules a campaign's emails keep to, ready for `compileCampaign(campaign, rules)`.
 * @param mailbox its stored `sendingWindow` (absent: any time) and `holidays` (absent: none).
 * @param campaign its own `sendingWindow` (R12's override; `'any'`: any time), which wins over
 *   the mailbox's; absent or null: the mailbox's.
 */
export function sendingRules(
  mailbox: { sendingWindow?: SendingWindow; holidays?: HolidayCalendar } | undefined,
  campaign?: { sendingWindow?: 'any' | SendingWindow | null },
): {
  window: CompiledWindow | undefined;
  holidays: CompiledHolidays | undefined;
} {
  const window = effectiveWindow(campaign?.sendingWindow ?? undefined, mailbox?.sendingWindow);
  if (!mailbox?.holidays) return { window, holidays: undefined };
  const key = JSON.stringify(mailbox.holidays);
  let holidays = calendars.get(key);
  if (!holidays) {
    holidays = compileHolidays(mailbox.holidays);
    calendars.set(key, holidays);
  }
  return { window, holidays };
}
