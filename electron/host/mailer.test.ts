import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { Mailer, type HeldSend, type OutgoingMessage, type SmtpSettings } from './mailer';
import { startRawSmtp } from './testing/raw-smtp';

/** A real SMTP server on 127.0.0.1 that keeps what it receives, counts the connections made to it, and answers as told. */
async function smtpServer(answer: (count: number) => { code: number; text: string } | null = () => null) {
  const received: ParsedMail[] = [];
  const connections = { count: 0 };
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections.count += 1;
      callback();
    },
    onData(stream: SMTPServerDataStream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const reply = answer(++count);
        if (reply) return callback(Object.assign(new Error(reply.text), { responseCode: reply.code }));
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          received.push(mail);
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, connections, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const message = (patch: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  from: { name: 'Rep One', address: 'rep@example.com' },
  to: { name: 'Zoë Schäfer', address: 'zoe@example.de' },
  subject: 'Quick question, Zoë',
  html: '<p>Hi Zoë</p>',
  text: 'Hi Zoë',
  messageId: '<first-1@example.com>',
  ...patch,
});
const open = { dailyLimit: 400, minGapMs: 0, zone: 'America/New_York' };
let cleanups: (() => Promise<void> | void)[] = [];
const until = async (check: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${String(check)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
afterEach(async () => {
  for (const cleanup of cleanups) await cleanup();
  cleanups = [];
});

async function setup(answer?: (count: number) => { code: number; text: string } | null, now?: () => number) {
  const server = await smtpServer(answer);
  const mailer = new Mailer(async () => undefined, now);
  cleanups.push(() => mailer.close(), server.close);
  const smtp: SmtpSettings = { host: '127.0.0.1', port: server.port, security: 'none', user: '' };
  return { server, mailer, smtp };
}

describe('Mailer over a real SMTP server', () => {
  it('delivers a follow-up with the Message-ID, In-Reply-To and References it was given', async () => {
    const { server, mailer, smtp } = await setup();
    const first = await mailer.send('mb1', smtp, open, message());
    expect(first).toMatchObject({ status: 'sent', response: expect.stringMatching(/^250/) });
    const reply = await mailer.send(
      'mb1',
      smtp,
      open,
      message({
        subject: 'Re: Quick question, Zoë',
        messageId: '<second-2@example.com>',
        inReplyTo: '<first-1@example.com>',
        references: ['<first-1@example.com>'],
      }),
    );
    expect(reply.status).toBe('sent');
    const [a, b] = server.received;
    expect(a!.messageId).toBe('<first-1@example.com>');
    expect(a!.subject).toBe('Quick question, Zoë');
    expect(a!.from!.value).toEqual([{ name: 'Rep One', address: 'rep@example.com' }]);
    expect(a!.to).toMatchObject({ value: [{ name: 'Zoë Schäfer', address: 'zoe@example.de' }] });
    expect(b!.subject).toBe('Re: Quick question, Zoë');
    expect(b!.inReplyTo).toBe('<first-1@example.com>');
    expect(b!.references).toBe('<first-1@example.com>');
    expect(b!.text?.trim()).toBe('Hi Zoë');
  });

  it('classifies a 451 reply as retry and a 550 reply as failed, with the server text', async () => {
    const { mailer, smtp } = await setup((n) =>
      n === 1 ? { code: 451, text: 'Try again later' } : { code: 550, text: 'Mailbox unavailable' },
    );
    expect(await mailer.send('mb1', smtp, open, message())).toEqual({
      status: 'retry',
      code: 451,
      message: '451 Try again later',
    });
    expect(await mailer.send('mb1', smtp, open, message())).toEqual({
      status: 'failed',
      code: 550,
      message: '550 Mailbox unavailable',
    });
  });

  it("a failure before any attempt (a zone that does not exist) is a retry 'not sent: …' and nothing reaches the SMTP server", async () => {
    const { server, mailer, smtp } = await setup();
    const outcome = await mailer.send('mb1', smtp, { ...open, zone: 'America/Nowhere' }, message());
    expect(outcome).toEqual({
      status: 'retry',
      code: null,
      message: expect.stringMatching(/^not sent: .*America\/Nowhere/),
    });
    expect(server.connections.count).toBe(0);
    // The same mailbox still sends once the zone is right: the failure took no slot and broke no queue.
    expect(await mailer.send('mb1', smtp, open, message())).toMatchObject({ status: 'sent' });
    expect(server.received.map((mail) => mail.messageId)).toEqual(['<first-1@example.com>']);
  });

  it('a stored password that cannot be read is a retry "not sent: …", and nothing reaches the SMTP server', async () => {
    const server = await smtpServer();
    const mailer = new Mailer(() => Promise.reject(new Error('the secret store is locked')));
    cleanups.push(() => mailer.close(), server.close);
    const smtp: SmtpSettings = { host: '127.0.0.1', port: server.port, security: 'none', user: 'rep' };
    expect(await mailer.send('mb1', smtp, open, message())).toEqual({
      status: 'retry',
      code: null,
      message: 'not sent: the secret store is locked',
    });
    expect(server.connections.count).toBe(0);
    expect(server.received).toEqual([]);
  });

  it('classifies a refused connection as retry', async () => {
    const mailer = new Mailer(async () => undefined);
    cleanups.push(() => mailer.close());
    const outcome = await mailer.send(
      'mb1',
      { host: '127.0.0.1', port: 1, security: 'none', user: '' },
      open,
      message(),
    );
    expect(outcome).toMatchObject({ status: 'retry', code: null, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('R11: the daily limit defers to midnight in the mailbox zone, the minimum gap to the next allowed moment', async () => {
    let now = Date.parse('2026-03-06T20:00:00Z'); // 15:00 in New York
    const { server, mailer, smtp } = await setup(undefined, () => now);
    const limits = { dailyLimit: 2, minGapMs: 20_000, zone: 'America/New_York' };
    expect((await mailer.send('mb1', smtp, limits, message())).status).toBe('sent');
    expect(await mailer.send('mb1', smtp, limits, message({ messageId: '<b@example.com>' }))).toEqual({
      status: 'deferred',
      until: Date.parse('2026-03-06T20:00:20Z'),
      reason: 'min-gap',
    });
    now += 20_000;
    expect((await mailer.send('mb1', smtp, limits, message({ messageId: '<b@example.com>' }))).status).toBe('sent');
    now += 60_000;
    expect(await mailer.send('mb1', smtp, limits, message({ messageId: '<c@example.com>' }))).toEqual({
      status: 'deferred',
      until: Date.parse('2026-03-07T05:00:00Z'), // 00:00 EST on the 7th
      reason: 'daily-limit',
    });
    now = Date.parse('2026-03-07T05:00:00Z');
    expect((await mailer.send('mb1', smtp, limits, message({ messageId: '<c@example.com>' }))).status).toBe('sent');
    expect(server.received.map((m) => m.messageId)).toEqual([
      '<first-1@example.com>',
      '<b@example.com>',
      '<c@example.com>',
    ]);
  });

  it('R11: sends that arrive together are deferred to distinct slots a minimum gap apart, each keeping its slot', async () => {
    let now = Date.parse('2026-03-06T20:00:00Z');
    const { server, mailer, smtp } = await setup(undefined, () => now);
    const limits = { dailyLimit: 100, minGapMs: 20_000, zone: 'America/New_York' };
    const ids = ['<a@x.example>', '<b@x.example>', '<c@x.example>', '<d@x.example>'];
    const first = await Promise.all(ids.map((messageId) => mailer.send('mb1', smtp, limits, message({ messageId }))));
    expect(first.map((o) => (o.status === 'deferred' ? new Date(o.until).toISOString() : o.status))).toEqual([
      'sent',
      '2026-03-06T20:00:20.000Z',
      '2026-03-06T20:00:40.000Z',
      '2026-03-06T20:01:00.000Z',
    ]);
    // Back early: told its own slot again, not pushed behind the others.
    now += 5_000;
    expect(await mailer.send('mb1', smtp, limits, message({ messageId: ids[3] }))).toMatchObject({
      until: Date.parse('2026-03-06T20:01:00Z'),
    });
    // Each at its slot: it goes.
    for (const [i, messageId] of ids.slice(1).entries()) {
      now = Date.parse('2026-03-06T20:00:00Z') + (i + 1) * 20_000;
      expect((await mailer.send('mb1', smtp, limits, message({ messageId }))).status).toBe('sent');
    }
    expect(server.received.map((m) => m.messageId)).toEqual(ids);
  });

  it('R11, waitForSlot: a send kept back by the gap waits in the mailer and goes at its slot; one let go comes back deferred, unsent', async () => {
    let now = Date.parse('2026-03-06T20:00:00Z');
    // The slots' timers, fired by hand when the clock is moved.
    const timers = new Set<() => void>();
    const clock = {
      now: () => now,
      setTimeout: (fire: () => void) => (timers.add(fire), fire),
      clearTimeout: (handle: unknown) => void timers.delete(handle as () => void),
    };
    const moveTo = (at: number) => {
      now = at;
      for (const fire of [...timers]) {
        timers.delete(fire);
        fire();
      }
    };
    const server = await smtpServer();
    const held: HeldSend[] = [];
    const mailer = new Mailer(async () => undefined, clock.now, { clock, held: (send) => held.push(send) });
    cleanups.push(() => mailer.close(), server.close);
    const smtp: SmtpSettings = { host: '127.0.0.1', port: server.port, security: 'none', user: '' };
    const limits = { dailyLimit: 100, minGapMs: 20_000, zone: 'UTC' };
    const ids = ['<a@x.example>', '<b@x.example>', '<c@x.example>'];
    const outcomes = ids.map((messageId) =>
      mailer.send('mb1', smtp, limits, message({ messageId }), { waitForSlot: true }),
    );
    expect((await outcomes[0])!.status).toBe('sent');
    await until(() => held.length === 2);
    expect(held.map((send) => [send.messageId, new Date(send.until).toISOString()])).toEqual([
      ['<b@x.example>', '2026-03-06T20:00:20.000Z'],
      ['<c@x.example>', '2026-03-06T20:00:40.000Z'],
    ]);
    moveTo(Date.parse('2026-03-06T20:00:20Z'));
    expect((await outcomes[1])!.status).toBe('sent');
    expect(mailer.releaseHeld()).toEqual(['<c@x.example>']);
    expect(await outcomes[2]).toEqual({
      status: 'deferred',
      until: Date.parse('2026-03-06T20:00:40Z'),
      reason: 'min-gap',
    });
    expect(server.received.map((m) => [m.messageId, m.date?.toISOString()])).toEqual([
      ['<a@x.example>', '2026-03-06T20:00:00.000Z'],
      ['<b@x.example>', '2026-03-06T20:00:20.000Z'],
    ]);
  });

  it('counts what the database says was already sent today (limits hold across a restart)', async () => {
    const now = Date.parse('2026-03-06T20:00:00Z');
    const { server, mailer, smtp } = await setup(undefined, () => now);
    mailer.tellSentToday('mb1', { since: Date.parse('2026-03-06T00:00:00Z'), sentToday: 5, lastSentAt: now - 1000 });
    const outcome = await mailer.send('mb1', smtp, { dailyLimit: 5, minGapMs: 0, zone: 'UTC' }, message());
    expect(outcome).toEqual({ status: 'deferred', until: Date.parse('2026-03-07T00:00:00Z'), reason: 'daily-limit' });
    expect(server.received).toEqual([]);
  });

  it('a telling for the same day answered late (read before a pull) never lowers the count: the limit still holds', async () => {
    const now = Date.parse('2026-03-06T20:00:00Z');
    const { server, mailer, smtp } = await setup(undefined, () => now);
    const since = Date.parse('2026-03-06T00:00:00Z');
    mailer.tellSentToday('mb1', { since, sentToday: 2, lastSentAt: now - 60_000 });
    mailer.tellSentToday('mb1', { since, sentToday: 0, lastSentAt: null });
    const outcome = await mailer.send('mb1', smtp, { dailyLimit: 2, minGapMs: 0, zone: 'UTC' }, message());
    expect(outcome).toEqual({ status: 'deferred', until: Date.parse('2026-03-07T00:00:00Z'), reason: 'daily-limit' });
    expect(server.received).toEqual([]);
  });
});

describe('Mailer against a peer that misbehaves (SPEC §5)', () => {
  const EXCHANGE_ID = '<AM0PR01MB6417E2B1C3D4@AM0PR01MB6417.eurprd01.prod.exchangelabs.com>';

  async function raw(after: Parameters<typeof startRawSmtp>[0], now?: () => number) {
    const peer = await startRawSmtp(after);
    const mailer = new Mailer(async () => undefined, now);
    cleanups.push(() => mailer.close(), peer.close);
    return { peer, mailer, smtp: { host: '127.0.0.1', port: peer.port, security: 'none', user: '' } as SmtpSettings };
  }

  it('a connection dropped after the final dot is unknown, and the peer got exactly one copy', async () => {
    // The first message is read in full, then the socket closes without a reply; the next is answered.
    const { peer, mailer, smtp } = await raw((n) => (n === 1 ? 'drop' : '250 2.0.0 Ok: queued as B2'));
    const outcome = await mailer.send('mb1', smtp, open, message({ messageId: '<dropped-1@example.com>' }));
    expect(outcome).toEqual({ status: 'unknown', message: expect.stringMatching(/closed/i) });
    // The pool goes on with a later message; had it re-queued the first, the peer would see it again first.
    const next = await mailer.send('mb1', smtp, open, message({ messageId: '<next-2@example.com>' }));
    expect(next).toMatchObject({ status: 'sent', response: '250 2.0.0 Ok: queued as B2' });
    expect(peer.messageIds()).toEqual(['<dropped-1@example.com>', '<next-2@example.com>']);
  });

  it('a connection refused before the data is safe to retry', async () => {
    const peer = await startRawSmtp(() => '250 OK');
    await peer.close(); // nothing listens on its port any more
    const mailer = new Mailer(async () => undefined);
    cleanups.push(() => mailer.close());
    const outcome = await mailer.send(
      'mb1',
      { host: '127.0.0.1', port: peer.port, security: 'none', user: '' },
      open,
      message(),
    );
    expect(outcome).toMatchObject({ status: 'retry', code: null });
  });

  it('Exchange Online: the Message-ID named in its 250 reply is the delivered one', async () => {
    const { peer, mailer, smtp } = await raw(
      () => `250 2.0.0 OK ${EXCHANGE_ID} [Hostname=AM0PR01MB6417.eurprd01.prod.exchangelabs.com]`,
    );
    const outcome = await mailer.send('mb1', smtp, open, message({ messageId: '<ours-1@example.com>' }));
    expect(outcome).toMatchObject({ status: 'sent', deliveredMessageId: EXCHANGE_ID });
    expect(peer.messageIds()).toEqual(['<ours-1@example.com>']);
  });

  it('clock corrections: after the clock goes back a day, a minimum gap of 0 defers nothing, 20 s defers 20 s', async () => {
    let now = Date.parse('2026-03-06T20:00:00Z');
    const { peer, mailer, smtp } = await raw(
      () => '250 OK',
      () => now,
    );
    const noGap = { dailyLimit: 400, minGapMs: 0, zone: 'UTC' };
    expect((await mailer.send('mb1', smtp, noGap, message({ messageId: '<a@example.com>' }))).status).toBe('sent');
    now -= DAY;
    expect((await mailer.send('mb1', smtp, noGap, message({ messageId: '<b@example.com>' }))).status).toBe('sent');
    // The database's last send (from before the correction) is "in the future" too.
    const gap = { dailyLimit: 400, minGapMs: 20_000, zone: 'UTC' };
    mailer.tellSentToday('mb2', { since: now - (now % DAY), sentToday: 0, lastSentAt: now + DAY });
    expect(await mailer.send('mb2', smtp, gap, message({ messageId: '<c@example.com>' }))).toEqual({
      status: 'deferred',
      until: now + 20_000,
      reason: 'min-gap',
    });
    now += 20_000;
    expect((await mailer.send('mb2', smtp, gap, message({ messageId: '<c@example.com>' }))).status).toBe('sent');
    expect(peer.messageIds()).toEqual(['<a@example.com>', '<b@example.com>', '<c@example.com>']);
  });
});

const DAY = 86_400_000;
