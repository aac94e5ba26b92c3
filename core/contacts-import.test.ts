import { describe, expect, it } from 'vitest';
import { checkImport, guessMapping, looksLikeText } from './contacts-import';

describe('column mapping for common exports', () => {
  it('Google Contacts', () => {
    expect(
      guessMapping([
        'Name',
        'Given Name',
        'Family Name',
        'E-mail 1 - Value',
        'Organization 1 - Name',
        'Organization 1 - Title',
        'Phone 1 - Value',
      ]),
    ).toEqual(['custom', 'firstName', 'lastName', 'email', 'company', 'title', 'phone']);
  });

  it('Outlook, Salesforce and HubSpot', () => {
    expect(
      guessMapping(['First Name', 'Last Name', 'E-mail Address', 'E-mail 2 Address', 'Company', 'Job Title']),
    ).toEqual(['firstName', 'lastName', 'email', 'custom', 'company', 'title']);
    expect(guessMapping(['First Name', 'Last Name', 'Email', 'Account Name', 'Title', 'Mobile Phone'])).toEqual([
      'firstName',
      'lastName',
      'email',
      'company',
      'title',
      'phone',
    ]);
    expect(guessMapping(['Email', 'First Name', 'Company Name', 'Time Zone', 'Lifecycle Stage', ''])).toEqual([
      'email',
      'firstName',
      'company',
      'timeZone',
      'custom',
      'ignore',
    ]);
  });

  it('German and French headers, accents ignored', () => {
    expect(guessMapping(['Vorname', 'Nachname', 'E-Mail-Adresse', 'Firma', 'Zeitzone'])).toEqual([
      'firstName',
      'lastName',
      'email',
      'company',
      'timeZone',
    ]);
    expect(guessMapping(['Prénom', 'Société'])).toEqual(['firstName', 'company']);
  });
});

describe('row checks', () => {
  const headers = ['Email', 'Name', 'TZ', 'Region'];
  const mapping = guessMapping(headers);

  it('keeps good rows, lists each bad one with its spreadsheet row number, skips blank lines', () => {
    const { valid, problems } = checkImport(headers, mapping, [
      ['ana@example.org', 'Ana', 'Europe/Berlin', 'EMEA'],
      ['', '', '', ''],
      ['bob.example.org', 'Bob', '', ''],
      ['carla@example.org', 'Carla', 'PST', ''],
      ['', 'Dan', '', ''],
    ]);
    expect(valid).toEqual([
      {
        row: 2,
        contact: {
          email: 'ana@example.org',
          firstName: '',
          lastName: '',
          company: '',
          title: '',
          phone: '',
          timeZone: 'Europe/Berlin',
          notes: '',
          custom: { Name: 'Ana', Region: 'EMEA' },
        },
      },
    ]);
    expect(problems).toEqual([
      {
        row: 4,
        column: 'Email',
        value: 'bob.example.org',
        message: '"bob.example.org" is not an email address (it has no "@")',
      },
      {
        row: 5,
        column: 'TZ',
        value: 'PST',
        message: '"PST" is not an IANA time-zone name; did you mean "America/Los_Angeles"?',
      },
      { row: 6, column: 'Email', value: '', message: 'the email address is empty' },
    ]);
  });

  it('refuses a mapping with no address column, naming the columns', () => {
    expect(() => checkImport(['Name', 'Phone'], ['custom', 'phone'], [['a', 'b']])).toThrow(
      'no column is mapped to Email; the file\'s columns are "Name", "Phone". Pick the column that holds the email address.',
    );
  });

  it('tells text from binary', () => {
    expect(looksLikeText(new TextEncoder().encode('a,b\r\n"c\td",e\n'))).toBe(true);
    expect(looksLikeText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]))).toBe(false);
  });
});
