import { addressParser, decodeWords } from 'postal-mime';

/**
 * Reading header fields: Message-IDs (RFC 5322 §3.6.4), addresses (§3.4) and
 * RFC 2047 encoded words.
 */

/** A header value with RFC 2047 encoded words decoded (`=?UTF-8?B?…?=` → text). */
export function decodeHeader(value: string | undefined): string {
  if (!value) return '';
  if (!value.includes('=?')) return value.trim();
  try {
    return decodeWords(value).trim();
  } catch {
    return value.trim();
  }
}

/**
 * Every Message-ID named in a header value, each normalised to `<id@domain>`, in
 * order, without repeats. `<a@x> <b@y>` and the bracket-less `a@x, b@y` some mailers
 * write both give `['<a@x>', '<b@y>']`; comments (`(…)`) and whitespace inside the
 * brackets are dropped. A token without `@` is not a Message-ID and is skipped.
 */
export function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  const text = value.replace(/\([^()]*\)/g, ' ');
  const found: string[] = [];
  const bracketed = text.match(/<[^<>]*>/g);
  const tokens = bracketed ?? text.split(/[\s,;]+/);
  for (const token of tokens) {
    const id = token.replace(/^<|>$/g, '').replace(/\s+/g, '');
    if (!/^[^@\s<>]+@[^@\s<>]+$/.test(id)) continue;
    const normal = `<${id}>`;
    if (!found.includes(normal)) found.push(normal);
  }
  return found;
}

/** The first Message-ID of a header value, or null. */
export function firstMessageId(value: string | undefined): string | null {
  return messageIds(value)[0] ?? null;
}

const ADDRESS = /^[^@\s<>"(),;:]+@[^@\s<>"(),;:]+\.[^@\s<>"(),;:]+$/;

/** `local@domain` in lower case if `text` is one email address, else null. */
export function cleanAddress(text: string | undefined | null): string | null {
  if (!text) return null;
  const address = text
    .trim()
    .replace(/^<|>$/g, '')
    .replace(/^mailto:/i, '')
    .replace(/[.,;:]+$/, '')
    .toLowerCase();
  return ADDRESS.test(address) ? address : null;
}

/**
 * The addresses of an address header (`From`, `To`, `X-Failed-Recipients`), lower
 * case, groups flattened, in order. Display names are ignored.
 */
export function addresses(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  const visit = (entries: ReturnType<typeof addressParser>): void => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      const address = cleanAddress(entry.address);
      if (address && !out.includes(address)) out.push(address);
    }
  };
  try {
    visit(addressParser(value));
  } catch {
    // fall through to the plain scan below
  }
  if (out.length === 0) for (const match of value.match(ADDRESS_IN_TEXT) ?? []) pushAddress(out, match);
  return out;
}

/** The display name and address of a `From` value (name decoded), or nulls. */
export function mailbox(value: string | undefined): { name: string | null; address: string | null } {
  if (!value) return { name: null, address: null };
  try {
    const [first] = addressParser(value);
    if (first?.address) {
      return { name: decodeHeader(first.name) || null, address: cleanAddress(first.address) };
    }
  } catch {
    // below
  }
  return { name: null, address: addresses(value)[0] ?? null };
}

/** Email addresses written anywhere in free text (a bounce's prose, a DSN field). */
export const ADDRESS_IN_TEXT =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

/** Adds `text` to `list` if it is an address not yet there. */
export function pushAddress(list: string[], text: string): void {
  const address = cleanAddress(text);
  if (address && !list.includes(address)) list.push(address);
}

/** The local part of an address (before the last `@`). */
export function localPart(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}
