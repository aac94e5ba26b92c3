/**
 * SPEC §12: the unsubscribe token of `List-Unsubscribe` and `{{ unsubscribe_link }}`, and the
 * links built from it. Pure (Web Crypto's HMAC, a global in Node ≥ 19 and every browser);
 * docs/DECISIONS.md D-unsubscribe says where the key lives.
 *
 * A token is `<workspace>.<address>.<mac>`, each part base64url (RFC 4648 §5, no padding):
 * the workspace's id and the lower-cased address as UTF-8, and the first 16 bytes of
 * HMAC-SHA256 (RFC 2104) under the workspace's key over `cd-unsubscribe-v1\n<workspace>\n<address>`.
 * Without the key nobody can make one for another address or workspace, nor change one
 * (the MAC no longer matches); with it, the server and every device of the workspace can
 * make and check them offline, with nothing stored per email.
 */

/** A workspace's unsubscribe key: the id tokens name, and the 32 random bytes as base64url. */
export interface UnsubscribeKey {
  workspace: string;
  key: string;
}

/** What a valid token says. */
export interface UnsubscribeClaim {
  workspace: string;
  /** Lower case. */
  address: string;
}

/** The links of one email: the `mailto:` always, the one-click `https` URL when the team server has a public https address. */
export interface UnsubscribeLinks {
  token: string;
  /** `mailto:<own address>?subject=unsubscribe%20<token>` (RFC 6068, RFC 2369). */
  mailto: string;
  /** `https://<server>/u/<token>` (RFC 8058), or undefined. */
  https?: string;
}

const DOMAIN = 'cd-unsubscribe-v1';
/** MAC bytes kept: 128 bits, the truncation RFC 2104 §5 allows (at least half, at least 80 bits). */
const MAC_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of base64url text, or null when it is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A new key for `workspace`: 32 bytes from the platform's CSPRNG (`crypto.getRandomValues`). */
export function newUnsubscribeKey(workspace: string): UnsubscribeKey {
  return { workspace, key: toBase64Url(crypto.getRandomValues(new Uint8Array(32))) };
}

async function mac(key: string, workspace: string, address: string): Promise<Uint8Array> {
  const raw = fromBase64Url(key);
  if (!raw || raw.length < 16) throw new RangeError('unsubscribe key: is not 16 or more bytes of base64url');
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    raw as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signed = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(`${DOMAIN}\n${workspace}\n${address}`));
  return new Uint8Array(signed).slice(0, MAC_BYTES);
}

/**
 * The token for `address` (lower-cased here) under the workspace's key.
 * @throws RangeError when the key is not base64url of at least 16 bytes, or the address is empty.
 */
export async function mintUnsubscribeToken(key: UnsubscribeKey, address: string): Promise<string> {
  const normal = address.trim().toLowerCase();
  if (normal === '') throw new RangeError('address: is empty');
  const parts = [encoder.encode(key.workspace), encoder.encode(normal), await mac(key.key, key.workspace, normal)];
  return parts.map(toBase64Url).join('.');
}

/** The workspace a token names, before it is checked (to find its key), or null when it is not a token. */
export function tokenWorkspace(token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const bytes = fromBase64Url(parts[0]!);
    return bytes && bytes.length > 0 ? decoder.decode(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * What `token` says, when one of `keys` (the key of the workspace it names) made it; null
 * for anything else: not a token, another workspace, a changed address or MAC. The MAC is
 * compared in constant time.
 */
export async function readUnsubscribeToken(
  token: string,
  keys: readonly UnsubscribeKey[],
): Promise<UnsubscribeClaim | null> {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 2000) return null;
  const [workspaceBytes, addressBytes, macBytes] = parts.map(fromBase64Url);
  if (!workspaceBytes || !addressBytes || !macBytes || macBytes.length !== MAC_BYTES) return null;
  // One spelling per token: a last character differing only in its unused bits is another token.
  if ([workspaceBytes, addressBytes, macBytes].some((bytes, i) => toBase64Url(bytes) !== parts[i])) return null;
  let workspace: string;
  let address: string;
  try {
    workspace = decoder.decode(workspaceBytes);
    address = decoder.decode(addressBytes);
  } catch {
    return null;
  }
  if (address === '' || address !== address.trim().toLowerCase()) return null;
  for (const key of keys) {
    if (key.workspace !== workspace) continue;
    const expected = await mac(key.key, workspace, address);
    let difference = 0;
    for (let i = 0; i < MAC_BYTES; i++) difference |= expected[i]! ^ macBytes[i]!;
    if (difference === 0) return { workspace, address };
  }
  return null;
}

/**
 * The links for one email: the mailto to the sending mailbox's own address, and, when
 * `publicUrl` is an `https:` address, the one-click URL `<publicUrl>/u/<token>`.
 */
export function unsubscribeLinks(token: string, ownAddress: string, publicUrl: string | null): UnsubscribeLinks {
  const links: UnsubscribeLinks = {
    token,
    mailto: `mailto:${ownAddress}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`,
  };
  const https = httpsBase(publicUrl);
  if (https) links.https = `${https}/u/${token}`;
  return links;
}

/** `url` without a trailing slash when it is an `https:` address, else null. */
export function httpsBase(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' || parsed.search || parsed.hash) return null;
    return parsed.href.replace(/\/+$/, '');
  } catch {
    return null;
  }
}

/**
 * The `List-Unsubscribe` (RFC 2369) and, with an https link, `List-Unsubscribe-Post`
 * (RFC 8058) header values: `<https…>, <mailto…>` (the https first, as RFC 8058 §3.1's
 * examples and Gmail's and Yahoo's sender rules show it) or `<mailto…>` alone.
 */
export function unsubscribeHeaders(links: UnsubscribeLinks): {
  listUnsubscribe: string;
  listUnsubscribePost?: 'List-Unsubscribe=One-Click';
} {
  return links.https
    ? {
        listUnsubscribe: `<${links.https}>, <${links.mailto}>`,
        listUnsubscribePost: 'List-Unsubscribe=One-Click' as const,
      }
    : { listUnsubscribe: `<${links.mailto}>` };
}

/** The link `{{ unsubscribe_link }}` shows: the https one when there is one, else the mailto. */
export function footerLink(links: UnsubscribeLinks): string {
  return links.https ?? links.mailto;
}
