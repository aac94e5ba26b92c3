import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InboxWatcher,
  TEXT_PART_MAX_BYTES,
  verifyImap,
  type ImapSettings,
  type InboxBatch,
  type InboxCursor,
  type InboxStatus,
  type InboxWatchOptions,
} from './inbox-watch';

/**
 * Against the real loopback Postfix + Dovecot of scripts/mailstack.sh (.ci/run starts it and
 * exports these). Each test uses its own mailbox and its own Message-IDs, so mail left from an
 * earlier run or another test file does not disturb it.
 */
const env = {
  imapHost: process.env.TEST_IMAP_HOST,
  imapPort: Number(process.env.TEST_IMAP_PORT),
  smtpHost: process.env.TEST_SMTP_HOST,
  smtpPort: Number(process.env.TEST_SMTP_PORT),
  pass: process.env.TEST_IMAP_PASS ?? '',
  mailstack: process.env.TEST_MAILSTACK,
};
const haveStack = Boolean(env.imapHost && env.imapPort && env.smtpHost && env.smtpPort);
if (!haveStack)
  console.log(
    'inbox-watch tests against a real Postfix + Dovecot skipped: set TEST_IMAP_HOST/PORT, TEST_SMTP_HOST/PORT and TEST_IMAP_PASS ' +
      '(sudo scripts/mailstack.sh up, then eval "$(scripts/mailstack.sh env)"; .ci/run does this)',
  );
const canAdminister = haveStack && Boolean(env.mailstack) && process.getuid?.() === 0;
if (haveStack && !canAdminister)
  console.log(
    'inbox-watch UIDVALIDITY and Sieve vacation tests skipped: they need TEST_MAILSTACK and root (to renumber a mailbox, to set a Sieve script)',
  );

const imapFor = (user: string, port = env.imapPort): ImapSettings => ({
  host: env.imapHost ?? '127.0.0.1',
  port,
  security: 'none',
  user,
});

const run = promisify(execFile);

async function send(
  from: string,
  to: string,
  patch: Partial<SendMailOptions> = {},
): Promise<{ messageId: string; subject: string }> {
  const messageId = `<${randomUUID()}@campaign-desk.test>`;
  const subject = `Quick question ${messageId.slice(1, 9)}`;
  const transport = nodemailer.createTransport({
    host: env.smtpHost,
    port: env.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ from, to, subject, messageId, text: 'Hi there', ...patch });
  transport.close();
  return { messageId, subject };
}

/** Waits (checking every 25 ms, generous limit) until `probe` returns a value. */
async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 45_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How many messages `user`'s INBOX holds (read-only, through the Test connection call). */
async function inboxCount(user: string): Promise<number> {
  const result = await verifyImap(imapFor(user), env.pass);
  if (!result.ok) throw new Error(result.status.message);
  return result.messages;
}

const watchers: InboxWatcher[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function watch(user: string, patch: Partial<InboxWatchOptions> = {}) {
  const batches: InboxBatch[] = [];
  const statuses: InboxStatus[] = [];
  const watcher = new InboxWatcher({
    mailboxId: `mbx-${user}`,
    imap: imapFor(user),
    password: env.pass,
    cursor: null,
    onBatch: (batch) => {
      batches.push(batch);
    },
    onStatus: (status) => statuses.push(status),
    backoffMs: [50],
    ...patch,
  });
  watchers.push(watcher);
  const messages = () => batches.flatMap((b) => b.messages);
  const byId = (id: string) => messages().find((m) => m.messageId === id);
  const cursor = (): InboxCursor => batches[batches.length - 1]?.cursor ?? patch.cursor!;
  return { watcher, batches, statuses, messages, byId, cursor };
}

describe.skipIf(!haveStack)('INBOX watcher against Postfix + Dovecot', () => {
  it('hands over a message delivered through Postfix with its raw headers and text parts, never its attachment, and leaves it unread', async () => {
    const w = watch('dan@example.org');
    await w.watcher.start();
    expect(w.watcher.status).toEqual({ state: 'watching', mode: 'idle' });
    const sent = await send('Rep One <rep@example.com>', 'Dan <dan@example.org>', {
      text: 'Hi Dan, are you free on Tuesday?',
      html: '<p>Hi Dan, are you <b>free</b> on Tuesday?</p>',
      inReplyTo: '<step-1@campaign-desk.test>',
      references: ['<step-1@campaign-desk.test>'],
      attachments: [{ filename: 'price-list.pdf', content: Buffer.alloc(40_000, 7), contentType: 'application/pdf' }],
    });
    const got = await until(() => w.byId(sent.messageId), 'the message in the batch');

    expect(got.rawHeaders).toContain(`Message-ID: ${sent.messageId}\r\n`);
    expect(got.rawHeaders).toContain(`Subject: ${sent.subject}\r\n`);
    expect(got.rawHeaders).toContain('In-Reply-To: <step-1@campaign-desk.test>\r\n');
    expect(got.rawHeaders).toMatch(/^Return-Path: <rep@example\.com>\r\n/);
    expect(got.rawHeaders).toContain('by mailstack.campaign-desk.invalid (Postfix)');
    expect(got.structure.type).toBe('multipart/mixed');
    expect(got.structure.children?.map((c) => c.type)).toEqual(['multipart/alternative', 'application/pdf']);
    expect(got.textParts.map((p) => [p.part, p.type, p.text])).toEqual([
      ['1.1', 'text/plain', 'Hi Dan, are you free on Tuesday?'],
      ['1.2', 'text/html', '<p>Hi Dan, are you <b>free</b> on Tuesday?</p>'],
    ]);

    // Read-only: the user's own mail program still shows it as unread.
    const peek = new ImapFlow({
      ...imapFor('dan@example.org'),
      secure: false,
      auth: { user: 'dan@example.org', pass: env.pass },
      logger: false,
    });
    await peek.connect();
    await peek.mailboxOpen('INBOX', { readOnly: true });
    const flags = await peek.fetchOne(String(got.uid), { flags: true }, { uid: true });
    await peek.logout();
    // Not \Seen; and still \Recent, which the first session to SELECT (not EXAMINE) it would have taken.
    expect(flags && [...(flags.flags ?? [])]).toEqual(['\\Recent']);
  });

  it('resumes from the stored cursor without handing a message twice, and polls when told to', async () => {
    const first = watch('eve@example.org');
    await first.watcher.start();
    const a = await send('rep@example.com', 'eve@example.org');
    await until(() => first.byId(a.messageId), 'message A');
    await first.watcher.stop();
    const stored = first.cursor();
    const b = await send('rep@example.com', 'eve@example.org');

    const second = watch('eve@example.org', { cursor: stored, useIdle: false, pollIntervalMs: 200 });
    await second.watcher.start();
    expect(second.watcher.status).toEqual({ state: 'watching', mode: 'poll' });
    const gotB = await until(() => second.byId(b.messageId), 'message B after the restart');
    const c = await send('rep@example.com', 'eve@example.org');
    await until(() => second.byId(c.messageId), 'message C by the poll');

    expect(second.messages().map((m) => m.messageId)).toEqual([b.messageId, c.messageId]);
    expect(gotB.uid).toBeGreaterThan(stored.lastUid);
    expect(second.batches.every((batch) => !batch.rescan)).toBe(true);
  });

  it.skipIf(!canAdminister)(
    'reads the INBOX again after a UIDVALIDITY change and hands over only the new message',
    async () => {
      const first = watch('fay@example.org');
      await first.watcher.start();
      const a = await send('rep@example.com', 'fay@example.org');
      await until(() => first.byId(a.messageId), 'message A');
      await first.watcher.stop();
      const stored = first.cursor();
      const renumbered = String((Number(stored.uidValidity) % 4_000_000_000) + 1_000);
      await run(env.mailstack!, ['uidvalidity', 'fay@example.org', renumbered]);
      const before = await inboxCount('fay@example.org');
      const b = await send('rep@example.com', 'fay@example.org');
      await until(async () => (await inboxCount('fay@example.org')) > before, 'B delivered before the restart');

      const second = watch('fay@example.org', {
        cursor: stored,
        knownMessageIds: first.messages().flatMap((m) => (m.messageId ? [m.messageId] : [])),
      });
      await second.watcher.start();
      await until(() => second.byId(b.messageId), 'message B after the rescan');

      expect(second.statuses).toContainEqual({
        state: 'rescan',
        message:
          'The mail server renumbered the inbox of fay@example.org; Campaign Desk reads it again and acts on nothing twice.',
        from: stored.uidValidity,
        to: renumbered,
      });
      expect(second.messages().map((m) => m.messageId)).toEqual([b.messageId]);
      expect(second.batches.map((batch) => [batch.rescan, batch.uidValidity])).toEqual([[true, renumbered]]);
    },
  );

  it.skipIf(!canAdminister)(
    'hands over a real Sieve vacation reply with its RFC 3834 headers and its text',
    async () => {
      execFileSync(env.mailstack!, ['sieve', 'cara@example.org'], {
        input:
          'require ["vacation", "vacation-seconds"];\n' +
          'vacation :seconds 0 :subject "Abwesenheitsnotiz" "Ich bin bis 10.12. nicht im Büro. Back on 10 December.";\n',
      });
      try {
        const w = watch('ben@example.org');
        await w.watcher.start();
        const sent = await send('Ben <ben@example.org>', 'Cara <cara@example.org>');
        const auto = await until(
          () => w.messages().find((m) => m.rawHeaders.includes(`In-Reply-To: ${sent.messageId}`)),
          'the vacation reply',
        );
        expect(auto.rawHeaders).toContain('Auto-Submitted: auto-replied (vacation)\r\n');
        expect(auto.rawHeaders).toContain('Subject: Abwesenheitsnotiz\r\n');
        expect(auto.rawHeaders).toContain('From: <cara@example.org>\r\n');
        expect(auto.textParts.map((p) => [p.type, p.text.trim()])).toEqual([
          ['text/plain', 'Ich bin bis 10.12. nicht im Büro. Back on 10 December.'],
        ]);
      } finally {
        execFileSync(env.mailstack!, ['sieve', 'cara@example.org'], { input: '' });
      }
    },
  );

  it('reads only the start of a huge text part, and says it did', async () => {
    const w = watch('dan@example.net');
    await w.watcher.start();
    const line = 'Thanks for the note, here is the long story. '.repeat(20) + '\n';
    const sent = await send('rep@example.com', 'dan@example.net', { text: line.repeat(2_000) }); // ~1.8 MB
    const got = await until(() => w.byId(sent.messageId), 'the long message');
    expect(got.textParts).toHaveLength(1);
    expect(got.textParts[0]).toMatchObject({ part: '1', type: 'text/plain', truncated: true });
    expect(got.size).toBeGreaterThan(1_500_000);
    // The cap counts the part's octets as stored (quoted-printable here), so the decoded text is a little shorter.
    expect(got.textParts[0]!.text.length).toBeLessThanOrEqual(TEXT_PART_MAX_BYTES);
    expect(got.textParts[0]!.text.length).toBeGreaterThan(TEXT_PART_MAX_BYTES * 0.9);
    expect(got.textParts[0]!.text.startsWith('Thanks for the note')).toBe(true);
  });

  it('polls a server that does not offer IDLE', async () => {
    // A relay that hides IDLE from every CAPABILITY Dovecot sends, as some servers lack it.
    const relay = createServer((inbound) => {
      const outbound = tcpConnect(env.imapPort, env.imapHost);
      for (const s of [inbound, outbound]) s.on('error', () => {});
      inbound.pipe(outbound);
      outbound.on('data', (chunk: Buffer) =>
        inbound.write(chunk.toString('latin1').replace(/ IDLE(?=[ \]\r])/g, ''), 'latin1'),
      );
      outbound.on('close', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
    });
    servers.push(relay);
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as AddressInfo).port;
    expect(await verifyImap(imapFor('ivy@example.net', port), env.pass)).toMatchObject({ ok: true, idle: false });

    const w = watch('ivy@example.net', { imap: imapFor('ivy@example.net', port), pollIntervalMs: 200 });
    await w.watcher.start();
    expect(w.watcher.status).toEqual({ state: 'watching', mode: 'poll' });
    const sent = await send('rep@example.com', 'ivy@example.net');
    await until(() => w.byId(sent.messageId), 'the message by the poll');
  });

  it('hands over a message that is not valid MIME as it is, and goes on watching', async () => {
    const w = watch('eve@example.net');
    await w.watcher.start();
    const brokenId = `<${randomUUID()}@campaign-desk.test>`;
    const transport = nodemailer.createTransport({
      host: env.smtpHost,
      port: env.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      envelope: { from: 'rep@example.com', to: 'eve@example.net' },
      raw: [
        'From: rep@example.com',
        'To: eve@example.net',
        `Message-ID: ${brokenId}`,
        'Subject: =?utf-8?B?broken',
        'Content-Type: multipart/mixed; boundary="never-used"',
        'Content-Transfer-Encoding: base64',
        '',
        'this is no base64 and no part ever starts ====',
        '',
      ].join('\r\n'),
    });
    transport.close();
    const broken = await until(() => w.byId(brokenId), 'the broken message');
    expect(broken.rawHeaders).toContain('Content-Type: multipart/mixed; boundary="never-used"\r\n');
    expect(broken.structure.type).toBe('multipart/mixed');
    const after = await send('rep@example.com', 'eve@example.net');
    await until(() => w.byId(after.messageId), 'the next message');
    expect(w.watcher.status).toEqual({ state: 'watching', mode: 'idle' });
  });

  it('says the mail server refused the password, and does not keep trying it', async () => {
    const w = watch('gus@example.org', { password: 'not-the-password', backoffMs: [10] });
    await w.watcher.start();
    const refused = {
      state: 'auth-failed',
      message:
        'The mail server refused the password for gus@example.org (127.0.0.1). Enter the right password in Settings; Campaign Desk will not try again until then.',
    };
    expect(w.watcher.status).toEqual(refused);
    await new Promise((r) => setTimeout(r, 300)); // a retry after 10 ms would have said 'connecting' by now
    expect(w.statuses).toEqual([{ state: 'connecting' }, refused]);
    expect(w.batches).toEqual([]);
    expect(await verifyImap(imapFor('gus@example.org'), 'not-the-password')).toEqual({ ok: false, status: refused });
  });

  it('test connection: a right password opens the INBOX and says whether IDLE is offered', async () => {
    expect(await verifyImap(imapFor('gus@example.org'), env.pass)).toMatchObject({ ok: true, idle: true });
  });

  it("hands over Postfix's own bounce for an unknown user as a multipart/report with the failed recipient and the original's headers", async () => {
    const w = watch('hal@example.org');
    await w.watcher.start();
    const nobody = `nobody-${randomUUID().slice(0, 8)}@example.org`;
    const sent = await send('Hal <hal@example.org>', nobody, { text: 'Day 1: hello' });
    const bounce = await until(
      () => w.messages().find((m) => m.textParts.some((p) => p.text.includes(sent.messageId))),
      'the bounce',
    );

    expect(bounce.rawHeaders).toContain(
      'From: Mail Delivery System <MAILER-DAEMON@mailstack.campaign-desk.invalid>\r\n',
    );
    expect(bounce.rawHeaders).toContain('Subject: Undelivered Mail Returned to Sender\r\n');
    expect(bounce.structure.type).toBe('multipart/report');
    expect(bounce.structure.parameters?.['report-type']).toBe('delivery-status');
    expect(bounce.textParts.map((p) => [p.part, p.type])).toEqual([
      ['1', 'text/plain'],
      ['2', 'message/delivery-status'],
      ['3', 'message/rfc822'],
    ]);
    const status = bounce.textParts[1]!.text;
    expect(status).toContain(`Final-Recipient: rfc822; ${nobody}`);
    expect(status).toContain('Action: failed');
    expect(status).toContain('Status: 5.1.1');
    const original = bounce.textParts[2]!.text;
    expect(original).toContain(`Message-ID: ${sent.messageId}`);
    expect(original).not.toContain('Day 1: hello'); // the returned mail's headers only
  });

  it('reconnects with backoff after the connection drops, and misses nothing', async () => {
    // A TCP relay to Dovecot that can cut every connection, as a flaky network does.
    const sockets = new Set<Socket>();
    const relay = createServer((inbound) => {
      const outbound = tcpConnect(env.imapPort, env.imapHost);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    servers.push(relay);
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as AddressInfo).port;
    const w = watch('ivy@example.org', { imap: imapFor('ivy@example.org', port), backoffMs: [100] });
    await w.watcher.start();
    expect(w.watcher.status).toEqual({ state: 'watching', mode: 'idle' });

    for (const s of sockets) s.destroy();
    const drop = await until(
      () => w.statuses.find((s) => s.state === 'unreachable' || s.state === 'error'),
      'the drop',
    );
    expect(drop).toMatchObject({
      state: 'unreachable',
      message: `Cannot reach 127.0.0.1 on port ${port} (the connection was cut). Check the server and port in Settings and your connection; Campaign Desk tries again by itself.`,
    });
    const sent = await send('rep@example.com', 'ivy@example.org');
    await until(() => w.byId(sent.messageId), 'the message after the reconnect');
    expect(w.statuses.filter((s) => s.state === 'connecting').length).toBeGreaterThanOrEqual(2);
    expect(w.watcher.status).toEqual({ state: 'watching', mode: 'idle' });
  });
});

describe('INBOX watcher without a server', () => {
  it('says it cannot reach the server on a closed port, and keeps trying with backoff', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const imap: ImapSettings = { host: '127.0.0.1', port, security: 'none', user: 'rep@example.com' };
    const w = watch('rep@example.com', { imap, password: 'x', backoffMs: [20, 40] });
    await w.watcher.start();
    const message = `Cannot reach 127.0.0.1 on port ${port} (nothing answers on that port). Check the server and port in Settings and your connection; Campaign Desk tries again by itself.`;
    expect(w.watcher.status).toMatchObject({ state: 'unreachable', message });
    await until(() => w.statuses.filter((s) => s.state === 'unreachable').length >= 3, 'two retries');
    expect(w.statuses.slice(0, 4).map((s) => s.state)).toEqual([
      'connecting',
      'unreachable',
      'connecting',
      'unreachable',
    ]);
    const result = await verifyImap(imap, 'x');
    expect(result).toMatchObject({ ok: false, status: { state: 'unreachable', message } });
  });
});
