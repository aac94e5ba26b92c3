import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guessDelimiter, parseCsvText } from './csv';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'e2e', 'fixtures', name), 'utf8');

describe('the delimiter guess', () => {
  it('reads `Email;Name;Street, City, Zip` by semicolons although its values hold as many commas', () => {
    const text = fixture('contacts-semicolon-commas.csv');
    expect(guessDelimiter(text)).toBe(';');
    const table = parseCsvText(text, 'contacts-semicolon-commas.csv');
    expect(table.guessed).toBe(';');
    expect(table.delimiter).toBe(';');
    expect(table.headers).toEqual(['Email', 'Name', 'Street, City, Zip']);
    expect(table.rows[0]).toEqual(['ana.lima@example.org', 'Ana Lima', 'Rua Augusta 12, Lisboa, 1100-053']);
    expect(table.rows).toHaveLength(3);
  });

  it('still reads the other sample files by the delimiter they use', () => {
    expect(guessDelimiter(fixture('contacts-sample.csv'))).toBe(',');
    expect(guessDelimiter(fixture('contacts-outlook.csv'))).toBe(',');
    expect(guessDelimiter(fixture('contacts-semicolon.csv'))).toBe(';');
    expect(guessDelimiter('Email\tName\nana@example.org\tAna\n')).toBe('\t');
    expect(guessDelimiter('Email|Name|Notes\nana@example.org|Ana|a, b; c\n')).toBe('|');
  });

  it('reads the file by the delimiter the person picks, keeping the guess beside it', () => {
    const table = parseCsvText(fixture('contacts-semicolon-commas.csv'), 'x.csv', ',');
    expect(table.delimiter).toBe(',');
    expect(table.guessed).toBe(';');
    expect(table.headers).toEqual(['Email;Name;Street', 'City', 'Zip']);
  });
});
