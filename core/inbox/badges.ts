import { dayWords } from './effects';
import type { SuppressionReason } from './suppression';

/** A mark beside a person's name (Contacts, the launch preview): what the inbox learned about them. */
export interface ContactBadge {
  kind: 'replied' | 'bounced' | 'unsubscribed' | 'out_of_office';
  label: string;
  /** The label where space is short (a Contacts row): `Away until 16 Mar`. */
  short: string;
  /** A sentence for the tooltip. */
  title: string;
}

/**
 * The badges of one person (SPEC §11 "contact badges"), in a fixed order: unsubscribed (or a
 * spam complaint), bounced, replied, out of office until … . `enrollments` are the person's,
 * any status; an out-of-office mark shows while `outOfOfficeUntil` (UTC ms) is after `now`.
 */
export function contactBadges(
  person: {
    email: string;
    bounced: boolean;
    unsubscribed: boolean;
    suppression?: { reason: SuppressionReason } | null;
    enrollments: readonly {
      status: string;
      outOfOfficeUntil?: number | null;
      returnsOn?: string | null;
      resumesOn?: string | null;
    }[];
  },
  now: number,
): ContactBadge[] {
  const out: ContactBadge[] = [];
  const reason = person.suppression?.reason;
  if (reason === 'complaint')
    out.push({
      kind: 'unsubscribed',
      label: 'Unsubscribed (spam report)',
      short: 'Spam report',
      title: `${person.email} marked an email as spam: never emailed again`,
    });
  else if (person.unsubscribed || reason === 'unsubscribed')
    out.push({
      kind: 'unsubscribed',
      label: 'Unsubscribed',
      short: 'Unsubscribed',
      title: `${person.email} is never emailed again`,
    });
  if (person.bounced || reason === 'bounced')
    out.push({
      kind: 'bounced',
      label: 'Bounced',
      short: 'Bounced',
      title: `${person.email} does not receive email: never emailed again`,
    });
  if (person.enrollments.some((e) => e.status === 'replied'))
    out.push({ kind: 'replied', label: 'Replied', short: 'Replied', title: 'They replied: their campaign stopped' });
  const away = person.enrollments
    .filter((e) => (e.status === 'active' || e.status === 'paused') && (e.outOfOfficeUntil ?? 0) > now)
    .sort((a, b) => (b.outOfOfficeUntil ?? 0) - (a.outOfOfficeUntil ?? 0))[0];
  if (away) {
    const resumes = away.resumesOn ? ` Their campaign resumes by itself on ${dayWords(away.resumesOn)}.` : '';
    const label = away.returnsOn ? `Out of office until ${dayWords(away.returnsOn)}` : 'Out of office';
    out.push({
      kind: 'out_of_office',
      label,
      // `Mon 16 Mar 2026` → `16 Mar`
      short: away.returnsOn ? `Away until ${dayWords(away.returnsOn).split(' ').slice(1, 3).join(' ')}` : 'Away',
      title: `${label}: an automatic reply said they are away.${resumes}`,
    });
  }
  return out;
}
