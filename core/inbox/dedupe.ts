import type { Classification } from './classify';

/**
 * The key that tells one message from another when the INBOX is read again after a
 * UIDVALIDITY change (SPEC §11: a rescan never acts twice): its Message-ID, or, for a message
 * without one, `<cd-no-id.<hash>@campaign-desk.invalid>` made from what the sender wrote
 * (From, Date, Subject, In-Reply-To, References, the kind, the reply text, each failed
 * recipient), which a server keeps as it is when it renumbers its messages.
 * @returns `<id@domain>`; the same message always gives the same key.
 */
export function messageKey(message: Classification): string {
  if (message.messageId) return message.messageId;
  const parts = [
    message.from ?? '',
    message.date ?? '',
    message.subject,
    message.inReplyTo ?? '',
    message.references.join(' '),
    message.kind,
    message.reply?.text ?? '',
    (message.bounce?.recipients ?? []).map((r) => `${r.address} ${r.status ?? ''}`).join(','),
  ];
  return `<cd-no-id.${cyrb53(parts.join('\n')).toString(36)}@campaign-desk.invalid>`;
}

/** cyrb53 (public domain): a fast 53-bit string hash; not cryptographic, only a key. */
function cyrb53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
