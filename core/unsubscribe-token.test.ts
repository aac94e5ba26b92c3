import { describe, expect, it } from 'vitest';
import { unsubscribeSubject } from './inbox/unsubscribe';
import {
  footerLink,
  fromBase64Url,
  mintUnsubscribeToken,
  newUnsubscribeKey,
  readUnsubscribeToken,
  toBase64Url,
  tokenWorkspace,
  unsubscribeHeaders,
  unsubscribeLinks,
} from './unsubscribe-token';

/** A fixed key, so the token below is a known value (RFC 4231-style: any 32 bytes). */
const KEY = { workspace: '7', key: toBase64Url(new Uint8Array(32).map((_, i) => i)) };

describe('SPEC §12: the unsubscribe token', () => {
  it('names the workspace and the address, and reads back under the same key', async () => {
    const token = await mintUnsubscribeToken(KEY, 'Ana.Lima@Globex.example');
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(tokenWorkspace(token)).toBe('7');
    expect(await readUnsubscribeToken(token, [KEY])).toEqual({ workspace: '7', address: 'ana.lima@globex.example' });
    // The same address always gives the same token (nothing is stored per email).
    expect(await mintUnsubscribeToken(KEY, 'ana.lima@globex.example')).toBe(token);
  });

  it('is refused when altered, made under another key, or naming another workspace', async () => {
    const token = await mintUnsubscribeToken(KEY, 'ana@globex.example');
    const [ws, , mac] = token.split('.');
    const otherAddress = `${ws}.${toBase64Url(new TextEncoder().encode('boss@globex.example'))}.${mac}`;
    expect(await readUnsubscribeToken(otherAddress, [KEY])).toBeNull();
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await readUnsubscribeToken(flipped, [KEY])).toBeNull();
    const stranger = newUnsubscribeKey('7');
    expect(await readUnsubscribeToken(await mintUnsubscribeToken(stranger, 'ana@globex.example'), [KEY])).toBeNull();
    const otherWorkspace = { workspace: '8', key: KEY.key };
    expect(
      await readUnsubscribeToken(await mintUnsubscribeToken(otherWorkspace, 'ana@globex.example'), [KEY]),
    ).toBeNull();
    for (const junk of ['', 'unsubscribe', 'a.b.c', '....', 'x'.repeat(3000)])
      expect(await readUnsubscribeToken(junk, [KEY])).toBeNull();
  });

  it('travels in the mailto subject the inbox reads back', async () => {
    const token = await mintUnsubscribeToken(KEY, 'ana@globex.example');
    const links = unsubscribeLinks(token, 'rep@acme.example', null);
    expect(links.mailto).toBe(`mailto:rep@acme.example?subject=unsubscribe%20${token}`);
    const subject = decodeURIComponent(new URL(links.mailto).searchParams.get('subject')!);
    expect(unsubscribeSubject(subject)).toBe(token);
  });

  it('gives the RFC 2369 header alone without an https server, and RFC 8058 one-click with one', async () => {
    const token = await mintUnsubscribeToken(KEY, 'ana@globex.example');
    const mailOnly = unsubscribeLinks(token, 'rep@acme.example', 'http://127.0.0.1:4400');
    expect(unsubscribeHeaders(mailOnly)).toEqual({ listUnsubscribe: `<${mailOnly.mailto}>` });
    expect(footerLink(mailOnly)).toBe(mailOnly.mailto);
    const both = unsubscribeLinks(token, 'rep@acme.example', 'https://sync.acme.example/');
    expect(both.https).toBe(`https://sync.acme.example/u/${token}`);
    expect(unsubscribeHeaders(both)).toEqual({
      listUnsubscribe: `<https://sync.acme.example/u/${token}>, <${both.mailto}>`,
      listUnsubscribePost: 'List-Unsubscribe=One-Click',
    });
    expect(footerLink(both)).toBe(both.https);
  });

  it('base64url round-trips every byte', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    expect(fromBase64Url('a+b/')).toBeNull();
  });
});
