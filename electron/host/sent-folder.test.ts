import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImapSettings } from './inbox-watch';
import { Mailer, type OutgoingMessage, type SmtpSettings } from './mailer';
import { findSentFolder, saveToSent } from './sent-folder';
import { startRawSmtp } from './testing/raw-smtp';

/**
 * The copy in Sent (issue 11) against the real loopback Dovecot of scripts/mailstack.sh
 * (.ci/run starts it and exports TEST_IMAP_*): what the mailer handed to the SMTP connection
 * is what lands in the mailbox's Sent folder, with the delivered Message-ID.
 */
const env = {
  imapHost: process.env.TEST_IMAP_HOST,
  imapPort: Number(process.env.TEST_IMAP_PORT),
  pass: process.env.TEST_IMAP_PASS ?? '',
};
const haveDovecot = Boolean(env.imapHost && env.imapPort);
if (!haveDovecot)
  console.log(
    'sent-folder tests against a real Dovecot skipped: set TEST_IMAP_HOST/PORT and TEST_IMAP_PASS ' +
      '(sudo scripts/mailstack.sh up, then eval "$(scripts/mailstack.sh env)"; .ci/run does this)',
  );

const imapFor = (user: string): ImapSettings => ({
  host: env.imapHost ?? '127.0.0.1',
  port: env.imapPort,
  security: 'none',
  user,
});

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const limits = { dailyLimit: 1000, minGapMs: 0, zone: 'UTC' };

function message(patch: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const tag = randomUUID().slice(0, 8);
  return {
    from: { name: 'Rep One', address: 'rep@example.net' },
    to: { name: 'Zoë Schäfer', address: 'zoe@example.de' },
    subject: `Quick question, Zoë ${tag}`,
    html: '<p>Hi Zoë, shall we talk on Tuesday?</p>',
    text: 'Hi Zoë, shall we talk on Tuesday?',
    messageId: `<${tag}-ours@example.net>`,
    ...patch,
  };
}

/** What rep's Sent folder holds with this Message-ID: each copy's raw source and flags. */
async function inSent(
  user: string,
  messageId: string,
): Promise<{ source: string; flags: string[]; subject: string; messageId: string }[]> {
  const client = new ImapFlow({
    host: env.imapHost!,
    port: env.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: env.pass },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('Sent', { readOnly: true });
    const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
    const out: { source: string; flags: string[]; subject: string; messageId: string }[] = [];
    if (uids.length === 0) return out;
    for await (const m of client.fetch(uids.join(','), { source: true, flags: true, envelope: true }, { uid: true }))
      out.push({
        source: m.source!.toString('utf8'),
        flags: [...(m.flags ?? [])],
        subject: m.envelope?.subject ?? '',
        messageId: m.envelope?.messageId ?? '',
      });
    return out;
  } finally {
    await client.logout();
  }
}

describe('the Sent folder is found', () => {
  const folder = (name: string, patch: Record<string, unknown> = {}) =>
    ({ path: name, name, flags: new Set<string>(), ...patch }) as unknown as Parameters<typeof findSentFolder>[0][0];

  it('by SPECIAL-USE \\Sent first, then by a recognised name, then by the name Sent', () => {
    const marked = folder('Gesendet', { specialUse: '\\Sent', specialUseSource: 'extension' });
    const named = folder('Sent Items', { specialUse: '\\Sent', specialUseSource: 'name' });
    expect(findSentFolder([folder('INBOX'), named, marked])?.path).toBe('Gesendet');
    expect(findSentFolder([folder('INBOX'), named])?.path).toBe('Sent Items');
    expect(findSentFolder([folder('INBOX'), folder('INBOX.Sent', { name: 'Sent' })])?.path).toBe('INBOX.Sent');
    expect(findSentFolder([folder('INBOX'), folder('Drafts')])).toBeUndefined();
  });
});

describe.skipIf(!haveDovecot)('the copy in Sent, in a real Dovecot', () => {
  it('is the message exactly as it went, carrying the Message-ID Exchange delivered, flagged \\Seen, saved once', async () => {
    const delivered = `<AM0PR01MB${randomUUID().slice(0, 8)}@AM0PR01MB6417.eurprd01.prod.exchangelabs.com>`;
    const peer = await startRawSmtp(() => `250 2.0.0 OK ${delivered} [Hostname=AM0PR01MB6417.prod.exchangelabs.com]`);
    const mailer = new Mailer(async () => undefined);
    cleanups.push(() => mailer.close(), peer.close);
    const smtp: SmtpSettings = { host: '127.0.0.1', port: peer.port, security: 'none', user: '' };
    const sent = message();

    const outcome = await mailer.send('mb1', smtp, limits, sent, { keepRaw: true });
    expect(outcome).toMatchObject({ status: 'sent', deliveredMessageId: delivered });
    if (outcome.status !== 'sent' || !outcome.raw) throw new Error('no raw message');
    // What the SMTP peer received, with only the Message-ID changed to the delivered one.
    expect(peer.received).toHaveLength(1);
    const wire = peer.received[0]!;
    expect(wire).toContain(`Message-ID: ${sent.messageId}`);
    expect(outcome.raw.trimEnd()).toBe(wire.replace(sent.messageId, delivered).trimEnd());

    const saved = await saveToSent(imapFor('rep@example.net'), env.pass, outcome.raw, delivered, outcome.at);
    expect(saved).toEqual({ ok: true, folder: 'Sent', already: false });
    // Tried again (an answer that was lost): nothing is added.
    expect(await saveToSent(imapFor('rep@example.net'), env.pass, outcome.raw, delivered, outcome.at)).toEqual({
      ok: true,
      folder: 'Sent',
      already: true,
    });
    const copies = await inSent('rep@example.net', delivered);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.flags).toContain('\\Seen');
    expect(copies[0]!.source.trimEnd()).toBe(outcome.raw.trimEnd());
    expect(copies[0]).toMatchObject({ subject: sent.subject, messageId: delivered });
    expect(await inSent('rep@example.net', sent.messageId)).toHaveLength(0);
    expect(peer.received).toHaveLength(1);
  });

  it('a wrong password is said in words, and nothing is saved', async () => {
    const id = `<${randomUUID()}@example.net>`;
    const raw = `Message-ID: ${id}\r\nSubject: Hello\r\n\r\nHi\r\n`;
    const result = await saveToSent(imapFor('rep@example.net'), 'not-the-password', raw, id, Date.now());
    expect(result).toEqual({
      ok: false,
      state: 'auth-failed',
      message: `The mail server refused the password for rep@example.net (${env.imapHost}). Enter the right password in Settings.`,
    });
    expect(await inSent('rep@example.net', id)).toHaveLength(0);
  });

  it('an IMAP server that does not answer is said in words', async () => {
    // A port nothing listens on: the peer's own port, closed.
    const peer = await startRawSmtp(() => '250 OK');
    const port = peer.port;
    await peer.close();
    const result = await saveToSent({ ...imapFor('rep@example.net'), port }, env.pass, 'x', '<a@b>', Date.now());
    expect(result).toEqual({
      ok: false,
      state: 'unreachable',
      message: `Cannot reach ${env.imapHost} on port ${port} (nothing answers on that port). Check the server and port in Settings and your connection.`,
    });
  });
});
