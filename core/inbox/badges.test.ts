import { describe, expect, it } from 'vitest';
import { contactBadges } from './badges';

const NOW = Date.parse('2026-03-06T12:00:00Z');
const base = { email: 'ana@globex.example', bounced: false, unsubscribed: false, enrollments: [] };

describe('contact badges', () => {
  const table: [string, Parameters<typeof contactBadges>[0], string[]][] = [
    ['nothing learned', base, []],
    ['replied in one campaign', { ...base, enrollments: [{ status: 'replied' }, { status: 'active' }] }, ['Replied']],
    ['bounced (the contact)', { ...base, bounced: true }, ['Bounced']],
    [
      'bounced (only the list knows: the contact was imported again)',
      { ...base, suppression: { reason: 'bounced' } },
      ['Bounced'],
    ],
    ['unsubscribed', { ...base, unsubscribed: true }, ['Unsubscribed']],
    [
      'a spam complaint',
      { ...base, unsubscribed: true, suppression: { reason: 'complaint' } },
      ['Unsubscribed (spam report)'],
    ],
    [
      'out of office with a return date',
      {
        ...base,
        enrollments: [
          {
            status: 'active',
            outOfOfficeUntil: Date.parse('2026-03-17T04:00:00Z'),
            returnsOn: '2026-03-16',
            resumesOn: '2026-03-17',
          },
        ],
      },
      ['Out of office until Mon 16 Mar 2026'],
    ],
    [
      'out of office without one',
      {
        ...base,
        enrollments: [{ status: 'active', outOfOfficeUntil: Date.parse('2026-03-13T05:00:00Z'), returnsOn: null }],
      },
      ['Out of office'],
    ],
    [
      'back already: no badge',
      {
        ...base,
        enrollments: [
          { status: 'active', outOfOfficeUntil: Date.parse('2026-03-06T05:00:00Z'), returnsOn: '2026-03-05' },
        ],
      },
      [],
    ],
  ];
  for (const [name, person, labels] of table)
    it(name, () => expect(contactBadges(person, NOW).map((b) => b.label)).toEqual(labels));

  it('a short label where space is short, the whole sentence in the tooltip', () => {
    const [badge] = contactBadges(
      {
        ...base,
        enrollments: [
          {
            status: 'active',
            outOfOfficeUntil: Date.parse('2026-03-17T04:00:00Z'),
            returnsOn: '2026-03-16',
            resumesOn: '2026-03-17',
          },
        ],
      },
      NOW,
    );
    expect(badge).toEqual({
      kind: 'out_of_office',
      label: 'Out of office until Mon 16 Mar 2026',
      short: 'Away until 16 Mar',
      title:
        'Out of office until Mon 16 Mar 2026: an automatic reply said they are away. Their campaign resumes by itself on Tue 17 Mar 2026.',
    });
  });
});
