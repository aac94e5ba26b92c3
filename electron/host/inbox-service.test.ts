import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { simpleParser } from 'mailparser';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { classify, parseMessage } from '../../core/inbox';
import type { HostCallName, HostEventName, HostEventPayload } from '../../core/host/contract';
import { createHost, dispatch, type Host } from './services';

/**
 * The host's `inbox/*` calls and events, through the contract's one checkpoint (`dispatch`,
 * which validates each input), against the real loopback Postfix + Dovecot of
 * scripts/mailstack.sh. Each test reads its own mailbox and looks for its own Message-IDs, so
 * mail left by an earlier run does not disturb it.
 */
const env = {
  imapPort: Number(process.env.TEST_IMAP_PORT),
  smtpPort: Number(process.env.TEST_SMTP_PORT),
  pass: process.env.TEST_IMAP_PASS ?? '',
};
const haveStack = Boolean(process.env.TEST_IMAP_HOST && env.imapPort && process.env.TEST_SMTP_HOST && env.smtpPort);
if (!haveStack)
  console.log(
    'inbox/watch host tests against a real Postfix + Dovecot skipped: set TEST_IMAP_HOST/PORT, TEST_SMTP_HOST/PORT and TEST_IMAP_PASS ' +
      '(sudo scripts/mailstack.sh up, then eval "$(scripts/mailstack.sh env)"; .ci/run does this)',
  );

const imapFor = (user: string, port = env.imapPort) => ({
  host: process.env.TEST_IMAP_HOST ?? '127.0.0.1',
  port,
  security: 'none' as const,
  user,
});

async function send(from: string, to: string, patch: Partial<SendMailOptions> = {}): Promise<string> {
  const messageId = `<${randomUUID()}@campaign-desk.test>`;
  const transport = nodemailer.createTransport({
    host: process.env.TEST_SMTP_HOST,
    port: env.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ from, to, subject: 'Re: Quick question', messageId, text: 'Hi', ...patch });
  transport.close();
  return messageId;
}

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hosts: Host[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A host as the web host and Electron create it, with every event it emits recorded. */
function startHost() {
  const host = createHost({ host: 'web', version: 'test' });
  hosts.push(host);
  const batches: HostEventPayload<'inbox/messages'>[] = [];
  const statuses: HostEventPayload<'inbox/status'>[] = [];
  host.emit = (event: HostEventName, payload: unknown) => {
    if (event === 'inbox/messages') batches.push(payload as HostEventPayload<'inbox/messages'>);
    if (event === 'inbox/status') statuses.push(payload as HostEventPayload<'inbox/status'>);
  };
  const call = (name: HostCallName, input: unknown) => dispatch(host.handlers, name, input);
  const rawWith = (messageId: string) =>
    batches.flatMap((b) => b.messages).find((m) => m.raw.includes(`Message-ID: ${messageId}\r\n`));
  return { host, call, batches, statuses, rawWith };
}

describe.skipIf(!haveStack)('inbox/watch against Postfix + Dovecot', () => {
  it('delivers a message that came through Postfix as inbox/messages: its raw headers, its text, its attachment left on the server', async () => {
    const h = startHost();
    // No IMAP password of its own: the SMTP one is used (the form's "same as SMTP").
    await h.call('secrets/set', { key: 'smtp:mbx-gus', value: env.pass });
    await h.call('inbox/watch', { mailboxId: 'mbx-gus', imap: imapFor('gus@example.org'), pollIntervalMs: 120_000 });
    await until(() => h.statuses.find((s) => s.state === 'watching'), 'watching');
    expect(h.statuses.find((s) => s.state === 'watching')).toEqual({
      mailboxId: 'mbx-gus',
      state: 'watching',
      message: 'Watching the inbox',
    });

    const messageId = await send('Ana Lima <ana@example.com>', 'gus@example.org', {
      text: 'Grüße, Gus — Tuesday works for me.',
      html: '<p>Grüße, Gus — <b>Tuesday</b> works for me.</p>',
      inReplyTo: '<step-1@campaign-desk.test>',
      references: ['<step-1@campaign-desk.test>'],
      attachments: [{ filename: 'deck.pdf', content: Buffer.alloc(30_000, 7), contentType: 'application/pdf' }],
    });
    const got = await until(() => h.rawWith(messageId), 'the message in inbox/messages');
    const batch = h.batches.find((b) => b.messages.some((m) => m.uid === got.uid))!;
    expect(batch.mailboxId).toBe('mbx-gus');
    expect(batch.lastUid).toBeGreaterThanOrEqual(got.uid);
    expect(batch.uidValidity).toBeGreaterThan(0);

    expect(got.raw).toContain('In-Reply-To: <step-1@campaign-desk.test>\r\n');
    expect(got.raw).toMatch(/^Return-Path: <ana@example\.com>\r\n/);
    const mail = await simpleParser(got.raw);
    expect(mail.messageId).toBe(messageId);
    expect(mail.from?.value).toEqual([{ address: 'ana@example.com', name: 'Ana Lima' }]);
    expect(mail.text?.trim()).toBe('Grüße, Gus — Tuesday works for me.');
    expect(mail.html).toContain('<p>Grüße, Gus — <b>Tuesday</b> works for me.</p>');
    // The attachment's part is named, its 30 kB never fetched.
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['deck.pdf', 'application/pdf', 0],
    ]);
    expect(got.raw.length).toBeLessThan(5_000);

    // The classifier reads it as the reply it is.
    const classified = classify(await parseMessage(got.raw));
    expect(classified).toMatchObject({
      kind: 'reply',
      from: 'ana@example.com',
      inReplyTo: '<step-1@campaign-desk.test>',
    });
  });

  it('rebuilds a quoted-printable ISO-8859-1 message as UTF-8 text that reads the same', async () => {
    const h = startHost();
    await h.call('secrets/set', { key: 'smtp:mbx-gus2', value: env.pass });
    await h.call('inbox/watch', { mailboxId: 'mbx-gus2', imap: imapFor('gus@example.com'), pollIntervalMs: 120_000 });
    const messageId = `<${randomUUID()}@campaign-desk.test>`;
    // Bytes as an old mail program writes them: Latin-1, quoted-printable, a folded Content-Type.
    const raw = Buffer.from(
      [
        'From: =?iso-8859-1?q?J=FCrgen?= <juergen@example.com>',
        'To: gus@example.com',
        'Subject: =?iso-8859-1?q?Gr=FC=DFe?=',
        `Message-ID: ${messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain;',
        '\tcharset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Vielen Dank f=FCr Ihre Nachricht. Gr=FC=DFe aus M=FCnchen',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const transport = nodemailer.createTransport({
      host: process.env.TEST_SMTP_HOST,
      port: env.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({ envelope: { from: 'juergen@example.com', to: ['gus@example.com'] }, raw });
    transport.close();
    const got = await until(() => h.rawWith(messageId), 'the Latin-1 message');
    expect(got.raw).not.toMatch(/quoted-printable|iso-8859-1"/i);
    const mail = await simpleParser(Buffer.from(got.raw, 'utf8'));
    expect(mail.subject).toBe('Grüße');
    expect(mail.from?.value).toEqual([{ address: 'juergen@example.com', name: 'Jürgen' }]);
    expect(mail.text?.trim()).toBe('Vielen Dank für Ihre Nachricht. Grüße aus München');
  });

  it("delivers Postfix's own bounce so the classifier finds the failed recipient, permanent", async () => {
    const h = startHost();
    await h.call('secrets/set', { key: 'imap:mbx-ivy', value: env.pass });
    await h.call('inbox/watch', { mailboxId: 'mbx-ivy', imap: imapFor('ivy@example.org'), pollIntervalMs: 120_000 });
    const original = await send('ivy@example.org', 'nobody-here@example.org', { subject: 'Quick question' });
    const bounce = await until(
      () =>
        h.batches
          .flatMap((b) => b.messages)
          .find((m) => m.raw.includes(original) && /report-type="?delivery-status/i.test(m.raw)),
      "Postfix's bounce in inbox/messages",
    );
    const classified = classify(await parseMessage(bounce.raw));
    expect(classified.kind).toBe('bounce');
    expect(classified.bounce?.recipients).toMatchObject([
      { address: 'nobody-here@example.org', status: '5.1.1', permanent: true },
    ]);
    expect(classified.bounce?.originalMessageIds).toEqual([original]);
  });

  it('resumes from the cursor the app stored: only later messages come again', async () => {
    const first = startHost();
    await first.call('secrets/set', { key: 'smtp:mbx-hal', value: env.pass });
    await first.call('inbox/watch', {
      mailboxId: 'mbx-hal',
      imap: imapFor('hal@example.org'),
      pollIntervalMs: 120_000,
    });
    const a = await send('ana@example.com', 'hal@example.org');
    await until(() => first.rawWith(a), 'message A');
    const stored = first.batches.at(-1)!;
    await first.host.close();
    const b = await send('ana@example.com', 'hal@example.org');

    const second = startHost();
    await second.call('secrets/set', { key: 'smtp:mbx-hal', value: env.pass });
    await second.call('inbox/watch', {
      mailboxId: 'mbx-hal',
      imap: imapFor('hal@example.org'),
      cursor: { uidValidity: stored.uidValidity, lastUid: stored.lastUid },
      pollIntervalMs: 120_000,
    });
    await until(() => second.rawWith(b), 'message B');
    const uids = second.batches.flatMap((batch) => batch.messages.map((m) => m.uid));
    expect(uids.every((uid) => uid > stored.lastUid)).toBe(true);
    expect(second.rawWith(a)).toBeUndefined();
  });

  it('a page that reloaded while a batch was on its way asks again with its older cursor, and the batch comes again', async () => {
    const h = startHost();
    await h.call('secrets/set', { key: 'smtp:mbx-reload', value: env.pass });
    const watch = (cursor?: { uidValidity: number; lastUid: number }) =>
      h.call('inbox/watch', {
        mailboxId: 'mbx-reload',
        imap: imapFor('hal@example.org'),
        ...(cursor ? { cursor } : {}),
        pollIntervalMs: 120_000,
      });
    await watch();
    const a = await send('ana@example.com', 'hal@example.org');
    await until(() => h.rawWith(a), 'message A');
    const handed = h.batches.length;
    // The page that got it is gone; the new page stored nothing and asks with the same settings.
    await watch();
    await until(
      () => h.batches.slice(handed).some((b) => b.messages.some((m) => m.raw.includes(a))),
      'message A again',
    );
    // With the cursor it did store, a repeated call changes nothing.
    const now = h.batches.at(-1)!;
    const count = h.batches.length;
    await watch({ uidValidity: now.uidValidity, lastUid: now.lastUid });
    await new Promise((r) => setTimeout(r, 500));
    expect(h.batches.length).toBe(count);
  });

  it('says the mail server refused the password, in Settings words, and inbox/verify says the same', async () => {
    const h = startHost();
    await h.call('secrets/set', { key: 'imap:mbx-wrong', value: 'not-the-password' });
    await h.call('inbox/watch', { mailboxId: 'mbx-wrong', imap: imapFor('dan@example.org'), pollIntervalMs: 120_000 });
    const refused = await until(() => h.statuses.find((s) => s.state === 'auth-failed'), 'auth-failed');
    const words =
      'The mail server refused the password for dan@example.org (127.0.0.1). Enter the right password in Settings; Campaign Desk will not try again until then.';
    expect(refused).toEqual({ mailboxId: 'mbx-wrong', state: 'auth-failed', message: words });
    expect(
      await h.call('inbox/verify', { mailboxId: 'mbx-wrong', imap: imapFor('dan@example.org'), password: 'nope' }),
    ).toEqual({
      ok: false,
      state: 'auth-failed',
      message:
        'The mail server refused the password for dan@example.org (127.0.0.1). Enter the right password in Settings.',
    });
    // The right password typed in the form (not stored yet) passes the test.
    expect(
      await h.call('inbox/verify', { mailboxId: 'mbx-wrong', imap: imapFor('dan@example.org'), password: env.pass }),
    ).toMatchObject({
      ok: true,
      idle: true,
      message: expect.stringMatching(/^Connected: \d+ messages? in the inbox; replies are noticed as they arrive\.$/),
    });
    // Storing the right one (the form's Save) starts the watcher again with it, by itself.
    await h.call('secrets/set', { key: 'imap:mbx-wrong', value: env.pass });
    await until(() => h.statuses.at(-1)?.state === 'watching', 'watching with the right password');
    expect(h.statuses.at(-1)).toEqual({ mailboxId: 'mbx-wrong', state: 'watching', message: 'Watching the inbox' });
  });
});

/** A port that was just free: a real server, stopped. */
async function closedPort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

describe('mail/verify (Test connection for SMTP)', () => {
  it('logs in with the password typed in the form, and words a refused one and a closed port', async () => {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, done) =>
        auth.password === 'right'
          ? done(null, { user: auth.username })
          : done(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 })),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.server.address() as AddressInfo).port;
    try {
      const h = startHost();
      const smtp = { host: '127.0.0.1', port, security: 'none', user: 'rep@example.com' };
      expect(await h.call('mail/verify', { mailboxId: 'mbx-s', smtp, password: 'right' })).toEqual({ ok: true });
      await h.call('secrets/set', { key: 'smtp:mbx-s', value: 'wrong' });
      expect(await h.call('mail/verify', { mailboxId: 'mbx-s', smtp })).toEqual({
        ok: false,
        message:
          'The mail server refused the password for rep@example.com (127.0.0.1): 535 5.7.8 Authentication credentials invalid. Enter the right password and save.',
      });
      const closed = await closedPort();
      expect(await h.call('mail/verify', { mailboxId: 'mbx-s', smtp: { ...smtp, port: closed } })).toEqual({
        ok: false,
        message: `Cannot reach 127.0.0.1 on port ${closed} (nothing answers on that port). Check the server and port.`,
      });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('inbox/* without a mail server', () => {
  it('inbox/verify on a closed port says the server cannot be reached', async () => {
    const port = await closedPort();
    const h = startHost();
    expect(
      await h.call('inbox/verify', {
        mailboxId: 'mbx-closed',
        imap: { host: '127.0.0.1', port, security: 'none', user: 'rep@example.com' },
        password: 'x',
      }),
    ).toEqual({
      ok: false,
      state: 'unreachable',
      message: `Cannot reach 127.0.0.1 on port ${port} (nothing answers on that port). Check the server and port in Settings and your connection.`,
    });
  });

  it('watching a mailbox with no password stored says so instead of trying', async () => {
    const h = startHost();
    await h.call('inbox/watch', {
      mailboxId: 'mbx-none',
      imap: { host: 'imap.example.com', port: 993, security: 'tls', user: 'rep@example.com' },
      pollIntervalMs: 120_000,
    });
    expect(h.statuses).toEqual([
      {
        mailboxId: 'mbx-none',
        state: 'auth-failed',
        message:
          'No password is stored for rep@example.com (imap.example.com). Enter it in Settings to read replies from this inbox.',
      },
    ]);
  });

  it('refuses a bad inbox/watch input, naming the field and the value, and watches nothing', async () => {
    const h = startHost();
    await expect(
      h.call('inbox/watch', {
        mailboxId: 'mbx-bad',
        imap: { host: 'imap.example.com', port: 993, security: 'tls', user: 'rep@example.com' },
        pollIntervalMs: 5,
      }),
    ).rejects.toThrow(/^input\.pollIntervalMs: .*30000/);
    await expect(
      h.call('inbox/watch', {
        mailboxId: 'mbx-bad',
        imap: { host: 'imap.example.com', port: 993, security: 'tls', user: 'rep@example.com' },
        cursor: { uidValidity: -1, lastUid: 0 },
        pollIntervalMs: 120_000,
      }),
    ).rejects.toThrow(/input\.cursor\.uidValidity/);
    expect(h.statuses).toEqual([]);
  });
});
