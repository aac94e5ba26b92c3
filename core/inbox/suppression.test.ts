import { describe, expect, it } from 'vitest';
import { doNotMailReason } from './suppression';

describe('SPEC §12: who is never mailed', () => {
  const contact = { email: 'ana@globex.example', bounced: false, unsubscribed: false };
  const table: [string, Parameters<typeof doNotMailReason>, string | null][] = [
    ['nobody said stop', [contact, null], null],
    ['unsubscribed contact', [{ ...contact, unsubscribed: true }], 'ana@globex.example has unsubscribed'],
    [
      'bounced contact',
      [{ ...contact, bounced: true }],
      'ana@globex.example bounced before (the address does not receive email)',
    ],
    [
      'on the list after the contact was deleted and imported again',
      [contact, { reason: 'unsubscribed' }],
      'ana@globex.example has unsubscribed',
    ],
    ['a complaint', [contact, { reason: 'complaint' }], 'ana@globex.example marked an earlier email as spam'],
    [
      'a permanent bounce on the list',
      [contact, { reason: 'bounced' }],
      'ana@globex.example bounced before (the address does not receive email)',
    ],
  ];
  for (const [name, args, expected] of table) it(name, () => expect(doNotMailReason(...args)).toBe(expected));
});
