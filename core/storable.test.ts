import { describe, expect, it } from 'vitest';
import { checkImport, guessMapping } from './contacts-import';
import type { InputError } from './errors';
import { Campaign, Contact } from './model';
import { MAX_NESTING, storableProblems, textProblem, valueProblems } from './storable';
import { parseOrThrow } from './validate';

/** Text the team's database cannot hold is refused where it enters, naming the field (SPEC §7, §8). */
describe('what the database can hold', () => {
  it('names a NUL character or a lone surrogate, where it is, and quotes the text', () => {
    expect(textProblem('Ana\u0000Smith')).toBe(
      'holds a NUL character (\\u0000) at character 4 of "Ana\\u0000Smith"; remove it',
    );
    expect(textProblem('Caf\ud800')).toMatch(/^holds a lone surrogate \(\\ud800\) at character 4 of "Caf\\ud800"/);
    expect(textProblem('\udc00x')).toMatch(/^holds a lone surrogate \(\\udc00\) at character 1/);
    expect(textProblem('Müller 😀 ✓ \t line\nbreak')).toBeUndefined();
    expect(textProblem('😀\ud83d')).toMatch(/at character 3/);
  });

  it('walks a row: strings, keys and nesting, each at its path', () => {
    const deep: unknown[] = [];
    let inner = deep;
    for (let i = 0; i < MAX_NESTING; i++) inner.push((inner = []));
    expect(valueProblems({ id: 'k', steps: [{ body: 'a\u0000' }], custom: { 'b\ud800': 'x' }, deep })).toEqual([
      { path: ['steps', 0, 'body'], message: expect.stringMatching(/^holds a NUL character/) },
      { path: ['custom'], message: expect.stringMatching(/^the key "b\\ud800" holds a lone surrogate/) },
      {
        path: ['deep', ...Array.from({ length: MAX_NESTING - 1 }, () => 0)],
        message: expect.stringMatching(/^nested deeper than 64 levels/),
      },
    ]);
    expect(storableProblems({ firstName: 'A\u0000' }, 'contact')).toEqual([
      { path: 'contact.firstName', message: expect.stringMatching(/^holds a NUL character/) },
    ]);
    expect(valueProblems({ a: 'x'.repeat(10), b: [1, true, null] })).toEqual([]);
  });

  it('the contact and campaign schemas refuse such text, naming the field', () => {
    const refusal = (schema: Parameters<typeof parseOrThrow>[0], input: unknown, prefix: string) => {
      try {
        parseOrThrow(schema, input, prefix);
      } catch (error) {
        return (error as InputError).message;
      }
      return 'accepted';
    };
    expect(refusal(Contact, { id: 'k', email: 'ana@example.org', company: 'Acme\u0000' }, 'contact')).toMatch(
      /^contact\.company: holds a NUL character/,
    );
    expect(refusal(Contact, { id: 'k', email: 'ana@example.org', firstName: '\ud800' }, 'contact')).toMatch(
      /^contact\.firstName: holds a lone surrogate/,
    );
    const campaign = {
      steps: [
        { id: 's1', day: 1, type: 'email', subject: 'Hi', body: 'ok', send: { timing: 'at_time', time: '09:00' } },
        { id: 's2', day: 2, type: 'call', title: 'Call\u0000' },
      ],
    };
    expect(refusal(Campaign, campaign, 'campaign')).toMatch(/^campaign\.steps\[1\]\.title: holds a NUL character/);
  });

  it('CSV import refuses a row with such a cell, naming the row, column and value; the other rows go in', () => {
    const headers = ['Email', 'Company', 'Region'];
    const { valid, problems } = checkImport(headers, guessMapping(headers), [
      ['ana@example.org', 'Acme', 'EMEA'],
      ['ben@example.org', 'Glo\u0000bex', 'EMEA'],
      ['cy@example.org', 'Initech', 'AP\ud800AC'],
    ]);
    expect(valid.map((one) => one.contact.email)).toEqual(['ana@example.org']);
    expect(problems).toEqual([
      {
        row: 3,
        column: 'Company',
        value: 'Glo\u0000bex',
        message: expect.stringMatching(
          /^this cell holds a NUL character \(\\u0000\) at character 4 of "Glo\\u0000bex"/,
        ),
      },
      {
        row: 4,
        column: 'Region',
        value: 'AP\ud800AC',
        message: expect.stringMatching(/^this cell holds a lone surrogate/),
      },
    ]);
  });
});
