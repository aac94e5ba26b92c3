/**
 * The return date an out-of-office reply names (`back on 12 March`, `zurück am
 * 12.03.`, `de retour le 12 mars`, `3月12日まで`), as a calendar date `YYYY-MM-DD`.
 * A date without a year takes the year that puts it nearest after the message's own
 * date (a date up to 30 days before it keeps that year: the reply was late).
 */

const MONTHS: [number, string][] = [
  [1, 'january|jan|januar|jänner|janvier|janv|enero|ene|januari|janeiro|gennaio|gen'],
  [2, 'february|feb|februar|février|fevrier|févr|fevr|febrero|februari|fevereiro|fev|febbraio'],
  [3, 'march|mar|märz|maerz|mär|mars|marzo|maart|mrt|março|marco'],
  [4, 'april|apr|avril|avr|abril|abr|aprile'],
  [5, 'may|mai|mayo|mei|maio|maggio|mag'],
  [6, 'june|jun|juni|juin|junio|junho|giugno|giu'],
  [7, 'july|jul|juli|juillet|juil|julio|julho|luglio|lug'],
  [8, 'august|aug|août|aout|agosto|augustus'],
  [9, 'september|sept|sep|septembre|septiembre|setiembre|setembro|settembre'],
  [10, 'october|oct|oktober|okt|octobre|octubre|outubro|ottobre|ott'],
  [11, 'november|nov|novembre|noviembre|novembro'],
  [12, 'december|dec|dezember|dez|décembre|decembre|déc|diciembre|dic|dezembro|dicembre'],
];

const MONTH_OF = new Map<string, number>();
for (const [month, names] of MONTHS) for (const name of names.split('|')) MONTH_OF.set(name, month);
const MONTH_NAMES = [...MONTH_OF.keys()].sort((a, b) => b.length - a.length).join('|');

const WEEKDAYS: [number, string][] = [
  [1, 'monday|montag|lundi|lunes|maandag|segunda(?:-feira)?|lunedì|lunedi'],
  [2, 'tuesday|dienstag|mardi|martes|dinsdag|terça(?:-feira)?|terca(?:-feira)?|martedì|martedi'],
  [3, 'wednesday|mittwoch|mercredi|miércoles|miercoles|woensdag|quarta(?:-feira)?|mercoledì|mercoledi'],
  [4, 'thursday|donnerstag|jeudi|jueves|donderdag|quinta(?:-feira)?|giovedì|giovedi'],
  [5, 'friday|freitag|vendredi|viernes|vrijdag|sexta(?:-feira)?|venerdì|venerdi'],
  [6, 'saturday|samstag|samedi|sábado|sabado|zaterdag|sabato'],
  [7, 'sunday|sonntag|dimanche|domingo|zondag|domenica'],
];

/**
 * Words that put a date as the day the person is back (or the last day away) before it.
 * Stems (`regres…`, `rientr…`, `retorn…`) take any ending: `regresaré`, `rientrerò`,
 * `retornarei`. Unicode-aware, so a word ending in an accented letter (`até`, `volveré`)
 * still ends there.
 */
const RETURN_BEFORE = new RegExp(
  '(?<![\\p{L}])(?:' +
    [
      'back|return\\p{L}*|until|till|til|through|thru|resum\\p{L}*|reachable|available again|in the office|in office',
      'zurück|wieder|bis|ab dem|ab|erreichbar|einschließlich|einschliesslich',
      'retour|jusqu|jusqu’|revien\\p{L}*|reviendr\\p{L}*|rentr\\p{L}*|inclus|à partir du|a partir du',
      'regres\\p{L}*|vuelta|volver\\p{L}*|volveré|hasta|a partir del|incorpor\\p{L}*',
      'terug|tot en met|t/m|tot|vanaf|weer',
      'volta|volto|retorn\\p{L}*|até|a partir de|a partir do',
      'rientr\\p{L}*|ritorno|fino al|fino a|torner\\p{L}*|dal|a partire dal',
    ].join('|') +
    ')(?![\\p{L}])[^.\\n\\d]{0,40}$',
  'iu',
);

/** Japanese puts the particle after the date: `3月12日まで`, `3月13日より出社`. */
const RETURN_AFTER_JA = /^\s*(?:\([^)]*\)|（[^）]*）)?\s*(?:まで|に戻|より|から|以降|には)/;

const DATE_PATTERNS: RegExp[] = [
  // 2026-03-12, 2026/03/12
  /(?<![\d.])(?<y>\d{4})[-/](?<m>\d{1,2})[-/](?<d>\d{1,2})(?![\d])/g,
  // 2026年3月12日, 3月12日
  /(?:(?<y>\d{4})\s*年\s*)?(?<m>\d{1,2})\s*月\s*(?<d>\d{1,2})\s*日/g,
  // 12 March 2026, 12th of March, 12. März, 1er avril, 12 de marzo de 2026
  new RegExp(
    `(?<![\\d.])(?<d>\\d{1,2})(?:st|nd|rd|th|er|e|º|°|\\.)?\\s*(?:of\\s+|de\\s+|del\\s+)?(?<mon>${MONTH_NAMES})\\.?(?![\\p{L}])(?:,?\\s*(?:de\\s+)?(?<y>\\d{4}))?`,
    'giu',
  ),
  // March 12, March 12th, 2026
  new RegExp(
    `(?<![\\p{L}])(?<mon>${MONTH_NAMES})\\.?\\s+(?<d>\\d{1,2})(?:st|nd|rd|th)?(?![\\d:])(?:,?\\s*(?<y>\\d{4}))?`,
    'giu',
  ),
  // 12.03.2026, 12.03., 12.3.26
  /(?<![\d.])(?<d>\d{1,2})\.(?<m>\d{1,2})\.(?<y>\d{4}|\d{2}(?!\d))?(?![\d])/g,
  // 12/03/2026, 3/12, 12-03-2026
  /(?<![\d/.-])(?<a>\d{1,2})[/-](?<b>\d{1,2})(?:[/-](?<y>\d{4}|\d{2}))?(?![\d/:])/g,
];

const WEEKDAY_PATTERN = new RegExp(
  `(?<![\\p{L}])(?<wd>${WEEKDAYS.map(([, names]) => names).join('|')})(?![\\p{L}])`,
  'giu',
);

interface Found {
  at: number;
  date: CalendarDate;
  returnWord: boolean;
}

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Reads the return date from an out-of-office text.
 *
 * @param text the reply's text (quote removed).
 * @param reference the message's own date as a calendar date in the sender's offset
 *   (from its `Date` header), which decides the year of a date written without one;
 *   null when unknown (then only dates with a year count).
 * @returns `YYYY-MM-DD`, or null when the text names no usable date. Of dates written
 *   after a return word (`back`, `until`, `bis`, `jusqu'au`, `hasta`, `tot`, `até`,
 *   `fino al`, `まで` …) the latest wins; failing that, the latest date in the text.
 *   Dates more than 30 days before the message or over 400 days after it are ignored.
 */
export function readReturnDate(text: string, reference: CalendarDate | null): string | null {
  const clean = toAsciiDigits(text).slice(0, 8000);
  const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/.test(clean);
  const english = /\b(?:back|return|office|until|away|vacation|holiday|leave)\b/i.test(clean) && !japanese;
  const found: Found[] = [];
  const taken: [number, number][] = [];
  for (const pattern of DATE_PATTERNS) {
    pattern.lastIndex = 0;
    for (const match of clean.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (taken.some(([a, b]) => start < b && end > a)) continue;
      const groups = match.groups ?? {};
      let month: number;
      let day: number;
      if (groups['mon'] !== undefined) {
        month = MONTH_OF.get(groups['mon'].toLowerCase()) ?? 0;
        day = Number(groups['d']);
      } else if (groups['a'] !== undefined) {
        const a = Number(groups['a']);
        const b = Number(groups['b']);
        // Day first, except in English and Japanese text (month first) unless that cannot be.
        const monthFirst = a > 12 ? false : b > 12 ? true : english || japanese;
        [month, day] = monthFirst ? [a, b] : [b, a];
      } else {
        month = Number(groups['m']);
        day = Number(groups['d']);
      }
      const yearText = groups['y'];
      const year = yearText === undefined ? null : yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
      const date = resolveYear(year, month, day, reference);
      if (!date) continue;
      taken.push([start, end]);
      const before = clean.slice(Math.max(0, start - 60), start);
      const after = clean.slice(end, end + 12);
      found.push({ at: start, date, returnWord: RETURN_BEFORE.test(before) || RETURN_AFTER_JA.test(after) });
    }
  }
  if (reference) {
    for (const match of clean.matchAll(WEEKDAY_PATTERN)) {
      const before = clean.slice(Math.max(0, match.index - 40), match.index);
      if (!RETURN_BEFORE.test(before)) continue;
      if (taken.some(([a, b]) => match.index >= a - 25 && match.index < b + 3)) continue;
      const weekday = WEEKDAYS.find(([, names]) => new RegExp(`^(?:${names})$`, 'iu').test(match[0]))?.[0];
      if (weekday) found.push({ at: match.index, date: nextWeekday(reference, weekday), returnWord: true });
    }
  }
  const pool = found.some((f) => f.returnWord) ? found.filter((f) => f.returnWord) : found;
  if (pool.length === 0) return null;
  const latest = pool.reduce((best, f) => (dayNumber(f.date) > dayNumber(best.date) ? f : best));
  return iso(latest.date);
}

function toAsciiDigits(text: string): string {
  return text.replace(/[０-９]/g, (digit) => String(digit.charCodeAt(0) - 0xff10));
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayNumber(date: CalendarDate): number {
  return Math.floor(Date.UTC(date.year, date.month - 1, date.day) / 86_400_000);
}

function fromDayNumber(n: number): CalendarDate {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function valid(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function resolveYear(
  year: number | null,
  month: number,
  day: number,
  reference: CalendarDate | null,
): CalendarDate | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (year === null) {
    if (!reference) return null;
    let candidate = reference.year;
    if (!valid(candidate, month, day) || dayNumber({ year: candidate, month, day }) < dayNumber(reference) - 30)
      candidate += 1;
    if (!valid(candidate, month, day)) return null;
    year = candidate;
  }
  if (!valid(year, month, day)) return null;
  const date = { year, month, day };
  if (reference) {
    const offset = dayNumber(date) - dayNumber(reference);
    if (offset < -30 || offset > 400) return null;
  }
  return date;
}

/** The first `weekday` (1 = Monday … 7 = Sunday) strictly after `reference`. */
function nextWeekday(reference: CalendarDate, weekday: number): CalendarDate {
  const n = dayNumber(reference);
  const current = ((new Date(n * 86_400_000).getUTCDay() + 6) % 7) + 1;
  const ahead = (weekday - current + 7) % 7 || 7;
  return fromDayNumber(n + ahead);
}

function iso(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/**
 * The calendar date of an RFC 5322 `Date` header in the sender's own offset
 * (`Thu, 5 Mar 2026 23:30:00 -0800` → 2026-03-05), or null if unreadable.
 */
export function messageDate(value: string | undefined): CalendarDate | null {
  if (!value) return null;
  const match =
    /(?<d>\d{1,2})\s+(?<mon>[A-Za-z]{3})[a-z]*\s+(?<y>\d{2,4})(?:\s+(?<h>\d{1,2}):(?<min>\d{2})(?::\d{2})?(?:\s*(?<off>[+-]\d{4}))?)?/.exec(
      value,
    );
  if (!match?.groups) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : fromDayNumber(Math.floor(ms / 86_400_000));
  }
  const month = MONTH_OF.get(match.groups['mon']!.toLowerCase());
  let year = Number(match.groups['y']);
  if (year < 100) year += year < 50 ? 2000 : 1900;
  const day = Number(match.groups['d']);
  if (!month || !valid(year, month, day)) return null;
  return { year, month, day };
}

/** The calendar date (UTC) of an instant in ms, for messages whose Date header is unreadable. */
export function calendarDateOf(ms: number): CalendarDate {
  return fromDayNumber(Math.floor(ms / 86_400_000));
}
