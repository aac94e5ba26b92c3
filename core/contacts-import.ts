import { show } from './errors';
import { EmailAddress } from './model';
import { textProblem } from './storable';
import { zoneProblem } from './zones';

/**
 * Contact import (SPEC §8): maps the columns of a parsed CSV onto contact fields,
 * recognising the headers of common exports, and checks every row, so that
 * nothing is written until each problem has been shown. Parsing the file itself
 * (papaparse) happens in the renderer; this module is pure.
 */

export const CONTACT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'title',
  'phone',
  'timeZone',
  'notes',
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** Where a column goes: a contact field, a custom column (`custom.<header>`), or nowhere. */
export type ColumnTarget = ContactField | 'custom' | 'ignore';

export const FIELD_LABELS: Readonly<Record<ContactField, string>> = {
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  company: 'Company',
  title: 'Job title',
  phone: 'Phone',
  timeZone: 'Time zone',
  notes: 'Notes',
};

/** Headers of Google Contacts, Outlook, Salesforce, HubSpot and plain exports, normalised (lower case, letters and digits only). */
const ALIASES: Readonly<Record<string, ContactField>> = {
  email: 'email',
  emailaddress: 'email',
  email1value: 'email',
  email1: 'email',
  primaryemail: 'email',
  workemail: 'email',
  businessemail: 'email',
  mail: 'email',
  firstname: 'firstName',
  givenname: 'firstName',
  first: 'firstName',
  lastname: 'lastName',
  familyname: 'lastName',
  surname: 'lastName',
  last: 'lastName',
  company: 'company',
  companyname: 'company',
  accountname: 'company',
  account: 'company',
  organization: 'company',
  organisation: 'company',
  organizationname: 'company',
  organization1name: 'company',
  title: 'title',
  jobtitle: 'title',
  organization1title: 'title',
  position: 'title',
  role: 'title',
  phone: 'phone',
  phonenumber: 'phone',
  phone1value: 'phone',
  businessphone: 'phone',
  workphone: 'phone',
  mobilephone: 'phone',
  mobile: 'phone',
  mobilephonenumber: 'phone',
  timezone: 'timeZone',
  tz: 'timeZone',
  zone: 'timeZone',
  ianatimezone: 'timeZone',
  notes: 'notes',
  note: 'notes',
  description: 'notes',
  // German, French and Spanish exports.
  vorname: 'firstName',
  nachname: 'lastName',
  firma: 'company',
  unternehmen: 'company',
  telefon: 'phone',
  zeitzone: 'timeZone',
  emailadresse: 'email',
  notizen: 'notes',
  prenom: 'firstName',
  nomdefamille: 'lastName',
  societe: 'company',
  entreprise: 'company',
  fuseauhoraire: 'timeZone',
  nombre: 'firstName',
  apellido: 'lastName',
  apellidos: 'lastName',
  empresa: 'company',
  correo: 'email',
  correoelectronico: 'email',
  zonahoraria: 'timeZone',
};

function normalise(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * The column mapping a person starts from: each header mapped to the field its
 * name suggests (`E-mail 1 - Value` → email, `Given Name` → firstName,
 * `Account Name` → company), the first claim on a field winning; other columns
 * become custom columns, except empty headers, which are ignored.
 */
export function guessMapping(headers: readonly string[]): ColumnTarget[] {
  const taken = new Set<ContactField>();
  return headers.map((header) => {
    const field = ALIASES[normalise(header)];
    if (field && !taken.has(field)) {
      taken.add(field);
      return field;
    }
    return header.trim() === '' ? 'ignore' : 'custom';
  });
}

/** A contact as an import row produces it (strings, empty when absent). */
export interface ImportedContact {
  email: string;
  firstName: string;
  lastName: string;
  company: string;
  title: string;
  phone: string;
  timeZone: string;
  notes: string;
  custom: Record<string, string>;
}

/** One problem with one row: the row number as a spreadsheet shows it (header = row 1), the column, the value and why. */
export interface RowProblem {
  row: number;
  column: string;
  value: string;
  message: string;
}

export interface CheckedImport {
  /** Rows that passed, in file order, with their spreadsheet row numbers. */
  valid: { row: number; contact: ImportedContact }[];
  problems: RowProblem[];
}

/**
 * Applies `mapping` to `rows` (arrays of cell strings, header excluded) and checks each row:
 * an address is required and must be an address; a zone, when given, must be an IANA
 * name (the message offers the one meant, e.g. `EST` → `America/New_York`).
 * A row with any problem is left out of `valid`.
 * @throws Error when the mapping has no email column (naming the headers it saw).
 */
export function checkImport(
  headers: readonly string[],
  mapping: readonly ColumnTarget[],
  rows: readonly string[][],
): CheckedImport {
  const emailColumn = mapping.indexOf('email');
  if (emailColumn < 0) {
    throw new Error(
      `no column is mapped to Email; the file's columns are ${headers.map((h) => show(h)).join(', ')}. Pick the column that holds the email address.`,
    );
  }
  const valid: CheckedImport['valid'] = [];
  const problems: RowProblem[] = [];
  rows.forEach((cells, index) => {
    const row = index + 2;
    if (cells.every((cell) => cell.trim() === '')) return; // blank line
    const contact: ImportedContact = {
      email: '',
      firstName: '',
      lastName: '',
      company: '',
      title: '',
      phone: '',
      timeZone: '',
      notes: '',
      custom: {},
    };
    let ok = true;
    mapping.forEach((target, column) => {
      const value = (cells[column] ?? '').trim();
      if (target === 'ignore') return;
      // A NUL or half an emoji (a broken export) cannot be stored or synced: refuse the row, naming the cell.
      const header = headers[column]!.trim();
      const badValue = textProblem(value);
      const badHeader = target === 'custom' && !badValue ? textProblem(header) : undefined;
      if (badValue || badHeader) {
        const message = badValue ? `this cell ${badValue}` : `the column's name ${badHeader}`;
        problems.push({ row, column: headers[column]!, value, message });
        ok = false;
        return;
      }
      if (target === 'custom') {
        if (value !== '') contact.custom[headers[column]!.trim()] = value;
      } else if (contact[target] === '') contact[target] = value;
    });
    const emailHeader = headers[emailColumn]!;
    if (!ok) {
      // the row is refused already; an emptied cell would only add a second message
    } else if (contact.email === '') {
      problems.push({ row, column: emailHeader, value: '', message: 'the email address is empty' });
      ok = false;
    } else {
      const parsed = EmailAddress.safeParse(contact.email);
      if (!parsed.success) {
        problems.push({ row, column: emailHeader, value: contact.email, message: parsed.error.issues[0]!.message });
        ok = false;
      }
    }
    if (contact.timeZone !== '') {
      const problem = zoneProblem(contact.timeZone);
      if (problem) {
        problems.push({
          row,
          column: headers[mapping.indexOf('timeZone')]!,
          value: contact.timeZone,
          message: problem,
        });
        ok = false;
      }
    }
    for (const field of ['firstName', 'lastName'] as const) {
      if (/[\r\n]/.test(contact[field])) {
        const column = headers[mapping.indexOf(field)]!;
        problems.push({
          row,
          column,
          value: contact[field],
          message: `${show(contact[field])} contains a line break, which a name in a mail header cannot carry`,
        });
        ok = false;
      }
    }
    if (ok) valid.push({ row, contact });
  });
  return { valid, problems };
}

/**
 * Whether `bytes` (the start of a file) look like text rather than binary data:
 * no NUL byte, and under 5% control characters other than tab, CR and LF.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  let control = 0;
  for (const byte of bytes) {
    if (byte === 0) return false;
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 13) control++;
  }
  return bytes.length === 0 || control / bytes.length < 0.05;
}
