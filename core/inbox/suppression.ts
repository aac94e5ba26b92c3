/**
 * SPEC §12: an address on the suppression list (or a contact marked bounced or unsubscribed)
 * is never mailed again. One rule for the launch dialog and the engine's last check before a
 * send.
 */

/** Why an address is on the suppression list. */
export type SuppressionReason = 'unsubscribed' | 'complaint' | 'bounced';

/**
 * Why nothing may be sent to this person, in words for the salesperson, or null when they
 * may be mailed. `suppression` is the workspace's suppression row for their address (kept
 * when a contact is deleted and re-imported), if any; the contact's own `bounced` and
 * `unsubscribed` marks count too.
 */
export function doNotMailReason(
  contact: { email: string; bounced: boolean; unsubscribed: boolean },
  suppression?: { reason: SuppressionReason } | null,
): string | null {
  if (suppression?.reason === 'complaint') return `${contact.email} marked an earlier email as spam`;
  if (suppression?.reason === 'unsubscribed' || contact.unsubscribed) return `${contact.email} has unsubscribed`;
  if (suppression?.reason === 'bounced' || contact.bounced)
    return `${contact.email} bounced before (the address does not receive email)`;
  return null;
}
