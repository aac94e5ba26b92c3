/**
 * What a 24-hour time field does with the text typed into it. A browser's `<input type="time">`
 * shows 12-hour times wherever the computer's locale says so ("05:00 PM"), and neither Electron
 * nor Chromium lets a page choose otherwise, while the app writes every time as 24-hour `HH:mm`
 * (SPEC R3, R12; DECISIONS 102). So the fields are text fields that read what a person types.
 */

/**
 * Reads a typed time of day as 24-hour `HH:mm`: `9:30`, `0930`, `930`, `9` and `09.30` all read
 * `09:30` / `09:00`. `24:00` is read only when `midnightEnd` (an end "until midnight").
 * @param text what is in the field.
 * @param midnightEnd whether `24:00` (and `00:00`, which then means the same) is an end of day.
 * @returns `HH:mm`, or `undefined` when the text is no time of day (kept as typed, so the form's
 *   own check names it).
 */
export function readClock(text: string, midnightEnd = false): string | undefined {
  const typed = text.trim();
  const match = /^(\d{1,2})(?:[:.h]?(\d{2}))?$/.exec(typed);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = match[2] === undefined ? 0 : Number(match[2]);
  if (minutes > 59) return undefined;
  if (hours === 24 && minutes === 0 && midnightEnd) return '24:00';
  if (hours > 23) return undefined;
  const clock = `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
  return midnightEnd && clock === '00:00' ? '24:00' : clock;
}

/**
 * The time `step` minutes later (or earlier, when negative) than `clock`, as ↑/↓ give it:
 * rounded to the step first (09:07 ↑ 15 → 09:15), kept within the day (00:00–23:59, or for an
 * end from one step after midnight up to 24:00). An empty or unreadable field starts from 09:00.
 */
export function stepClock(clock: string, step: number, midnightEnd = false): string {
  const read = readClock(clock, midnightEnd) ?? '09:00';
  const [h, m] = read.split(':').map(Number) as [number, number];
  const now = h * 60 + m;
  const size = Math.abs(step);
  const rounded = step > 0 ? Math.floor(now / size) * size + size : Math.ceil(now / size) * size - size;
  const last = midnightEnd ? 24 * 60 : 24 * 60 - 1;
  // An end stops at 00:15: below it is midnight, which an end reads as 24:00.
  const first = midnightEnd ? Math.min(size, 60) : 0;
  const total = Math.min(last, Math.max(first, rounded));
  if (total === 24 * 60) return '24:00';
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}
