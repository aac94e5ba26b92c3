import Papa from 'papaparse';
import { looksLikeText } from '../../../core/contacts-import';

/** A CSV file read into its header row and data rows (cells as strings). */
export interface CsvTable {
  fileName: string;
  headers: string[];
  rows: string[][];
  /** The delimiter papaparse detected: `,` `;` tab or `|`. */
  delimiter: string;
}

/**
 * Reads and parses a CSV file with papaparse: a UTF-8 BOM is dropped, the delimiter is
 * detected (comma, semicolon, tab, pipe), quoted fields may hold commas and newlines.
 * @throws Error with a message naming the file when it is not a CSV: binary data, empty,
 *   or a quoted field never closed (with its row number).
 */
export async function readCsvFile(file: File): Promise<CsvTable> {
  const head = new Uint8Array(await file.slice(0, 8192).arrayBuffer());
  if (!looksLikeText(head)) {
    throw new Error(
      `"${file.name}" is not a CSV file: it holds binary data. Export your contacts as CSV (comma- or semicolon-separated values) and choose that file.`,
    );
  }
  return parseCsvText(await file.text(), file.name);
}

/** Parses CSV text (see {@link readCsvFile}). */
export function parseCsvText(text: string, fileName: string): CsvTable {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    skipEmptyLines: 'greedy',
    delimitersToGuess: [',', ';', '\t', '|'],
  });
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
  return { fileName, headers: headers.map((h) => h.trim()), rows, delimiter: parsed.meta.delimiter };
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
