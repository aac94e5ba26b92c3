import Papa from 'papaparse';
import { guessMapping, looksLikeText } from '../../../core/contacts-import';

/** The characters a contacts file may split its columns by, in the order the import dialog offers them. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** How the import dialog names each delimiter. */
export const DELIMITER_LABELS: Readonly<Record<Delimiter, string>> = {
  ',': 'Comma ( , )',
  ';': 'Semicolon ( ; )',
  '\t': 'Tab',
  '|': 'Pipe ( | )',
};

/** A CSV file read into its header row and data rows (cells as strings). */
export interface CsvTable {
  fileName: string;
  headers: string[];
  rows: string[][];
  /** The delimiter the file was read with: the one asked for, else the guess. */
  delimiter: Delimiter;
  /** The delimiter {@link guessDelimiter} chose for this text. */
  guessed: Delimiter;
}

/** How many records from the top of a file the delimiter guess looks at. */
const GUESS_RECORDS = 50;

/**
 * Guesses which delimiter splits the columns of CSV `text` (a BOM already removed or not).
 * Each candidate reads the first 50 records with papaparse (so quoted fields are honoured);
 * candidates are ranked by, in turn:
 * 1. giving the header at least two columns;
 * 2. the share of records with as many fields as the header (a consistent table);
 * 3. the header naming an email column (`Email;Name;Street, City, Zip` read by commas has
 *    three consistent columns too, but its first header is `Email;Name;Street`);
 * 4. fewer cells with padding spaces at either end (`, City` after a comma split);
 * 5. the order of {@link DELIMITERS}.
 * @returns one of {@link DELIMITERS}; a comma when nothing splits the text at all.
 */
export function guessDelimiter(text: string): Delimiter {
  const body = text.replace(/^\uFEFF/, '');
  let best: { delimiter: Delimiter; score: number[] } | undefined;
  for (const delimiter of DELIMITERS) {
    const records = Papa.parse<string[]>(body, { delimiter, preview: GUESS_RECORDS, skipEmptyLines: 'greedy' }).data;
    const header = records[0] ?? [];
    const width = header.length;
    const consistent = records.filter((record) => record.length === width).length / Math.max(records.length, 1);
    const hasEmail = guessMapping(header).includes('email');
    const cells = records.flat();
    const padded = cells.filter((cell) => /^\s|\s$/.test(cell)).length / Math.max(cells.length, 1);
    const score = [width >= 2 ? 1 : 0, consistent, hasEmail ? 1 : 0, -padded];
    if (!best || isBetter(score, best.score)) best = { delimiter, score };
  }
  return best?.delimiter ?? ',';
}

function isBetter(score: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < score.length; i++) {
    if (score[i]! !== than[i]!) return score[i]! > than[i]!;
  }
  return false;
}

/**
 * Reads and parses a CSV file with papaparse: a UTF-8 BOM is dropped, the columns are split
 * by `delimiter` when given, else by the {@link guessDelimiter} guess (comma, semicolon, tab,
 * pipe); quoted fields may hold delimiters and newlines.
 * @throws Error with a message naming the file when it is not a CSV: binary data, empty,
 *   or a quoted field never closed (with its row number).
 */
export async function readCsvFile(file: File, delimiter?: Delimiter): Promise<CsvTable> {
  const head = new Uint8Array(await file.slice(0, 8192).arrayBuffer());
  if (!looksLikeText(head)) {
    throw new Error(
      `"${file.name}" is not a CSV file: it holds binary data. Export your contacts as CSV (comma- or semicolon-separated values) and choose that file.`,
    );
  }
  return parseCsvText(await file.text(), file.name, delimiter);
}

/** Parses CSV text (see {@link readCsvFile}). */
export function parseCsvText(text: string, fileName: string, delimiter?: Delimiter): CsvTable {
  const body = text.replace(/^\uFEFF/, '');
  const guessed = guessDelimiter(body);
  const used = delimiter ?? guessed;
  const parsed = Papa.parse<string[]>(body, { skipEmptyLines: 'greedy', delimiter: used });
  const broken = parsed.errors.find((error) => error.type === 'Quotes');
  if (broken) {
    throw new Error(
      `"${fileName}" is not a valid CSV file: row ${(broken.row ?? 0) + 1} opens a quoted field that is never closed.`,
    );
  }
  const [headers, ...rows] = parsed.data;
  if (!headers || headers.every((cell) => cell.trim() === ''))
    throw new Error(`"${fileName}" is empty: there is no header row.`);
  if (rows.length === 0) throw new Error(`"${fileName}" has a header row but no contacts under it.`);
  return { fileName, headers: headers.map((h) => h.trim()), rows, delimiter: used, guessed };
}

/** The per-row error report as CSV text (row, column, value, problem), for download. */
export function problemsCsv(
  problems: readonly { row: number; column: string; value: string; message: string }[],
): string {
  return Papa.unparse({
    fields: ['row', 'column', 'value', 'problem'],
    data: problems.map((p) => [p.row, p.column, p.value, p.message]),
  });
}

/** Offers `text` to the person as a file download. */
export function download(fileName: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
