import 'fake-indexeddb/auto';
import type { HostClient } from '../host/client';
import { inProcessHost } from '../../../electron/host/testing/in-process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHost } from '../../../electron/host/services';
import { CampaignDeskDb, setDb } from '../db/database';
import { saveMailbox, type MailboxInput } from '../db/repos/mailboxes';
import { useInboxStatus } from '../stores/inbox-status';
import { startInboxWatching, type InboxBatch } from './watch';

/**
 * The renderer's side of the inbox: mailboxes from the app's database (fake-indexeddb), the
 * host's services as Electron and the web host run them, and — where scripts/mailstack.sh
 * runs — the real Postfix + Dovecot. The handlers are the test's own (the app passes the
 * inbox repository's).
 */
const stack = {
  imapPort: Number(process.env.TEST_IMAP_PORT),
  smtpPort: Number(process.env.TEST_SMTP_PORT),
  pass: process.env.TEST_IMAP_PASS ?? '',
};
const haveStack = Boolean(process.env.TEST_IMAP_HOST && stack.imapPort && process.env.TEST_SMTP_HOST && stack.smtpPort);
if (!haveStack)
  console.log(
    'startInboxWatching tests against a real Postfix + Dovecot skipped: set TEST_IMAP_HOST/PORT, TEST_SMTP_HOST/PORT and TEST_IMAP_PASS ' +
      '(sudo scripts/mailstack.sh up, then eval "$(scripts/mailstack.sh env)"; .ci/run does this)',
  );

let cleanups: (() => unknown)[] = [];
let n = 0;
beforeEach(async () => {
  cleanups = [];
  setActivePinia(createPinia());
  const db = new CampaignDeskDb(`inbox-watch-${++n}`);
  setDb(db);
  await db.open();
  cleanups.push(() => db.close());
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The host's services and a client on them that records every call made. */
function host() {
  const runtime = createHost({ host: 'web', version: 'test' });
  const { client, calls } = inProcessHost<HostClient>(runtime);
  cleanups.push(() => runtime.close());
  return { runtime, client, calls };
}

/** Handlers that keep each mailbox's cursor in memory, as the inbox repository keeps it in a table. */
function memoryHandlers(fail?: (batch: InboxBatch) => boolean, retryBackoffMs: readonly number[] = [50]) {
  const cursors = new Map<string, { uidValidity: number; lastUid: number }>();
  const applied: InboxBatch[] = [];
  return {
    cursors,
    applied,
    raws: () => applied.flatMap((b) => b.messages.map((m) => m.raw)),
    handlers: {
      retryBackoffMs,
      cursor: async (mailboxId: string) => cursors.get(mailboxId),
      apply: async (batch: InboxBatch) => {
        if (fail?.(batch)) throw new Error('the database is busy');
        applied.push(batch);
        cursors.set(batch.mailboxId, { uidValidity: batch.uidValidity, lastUid: batch.lastUid });
      },
    },
  };
}

function mailbox(patch: Partial<MailboxInput> = {}): MailboxInput {
  return {
    name: 'Rep One',
    email: 'rep@example.com',
    timeZone: 'America/New_York',
    smtp: { host: '127.0.0.1', port: 2525, security: 'none', user: 'rep@example.com' },
    dailyLimit: 400,
    minGapMs: 0,
    ...patch,
  };
}

async function deliver(to: string): Promise<string> {
  const messageId = `<${randomUUID()}@campaign-desk.test>`;
  const transport = nodemailer.createTransport({
    host: process.env.TEST_SMTP_HOST,
    port: stack.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ from: 'ana@example.com', to, subject: 'Re: Quick question', messageId, text: 'Yes!' });
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

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

describe.skipIf(!haveStack)('startInboxWatching against Postfix + Dovecot', () => {
  const imap = (user: string) => ({
    host: process.env.TEST_IMAP_HOST ?? '127.0.0.1',
    port: stack.imapPort,
    security: 'none' as const,
    user,
  });

  it('watches a saved mailbox with IMAP settings, hands each new message to apply, shows "Watching the inbox", and resumes from the stored cursor', async () => {
    const h = host();
    const saved = await saveMailbox(mailbox({ imap: imap('cara@example.org') }), true);
    await h.client.call('secrets/set', { key: `smtp:${saved.id}`, value: stack.pass });
    const mine = memoryHandlers();
    const stop = startInboxWatching(h.client, mine.handlers);
    const statuses = useInboxStatus();
    await until(() => statuses.byMailbox[saved.id]?.state === 'watching', 'watching');
    expect(statuses.byMailbox[saved.id]).toEqual({ state: 'watching', message: 'Watching the inbox' });
    expect(h.calls.find((c) => c.name === 'inbox/watch')?.input).toEqual({
      mailboxId: saved.id,
      imap: imap('cara@example.org'),
      pollIntervalMs: 120_000,
    });

    const a = await deliver('cara@example.org');
    await until(() => mine.raws().some((raw) => raw.includes(a)), 'A applied');
    stop();
    const stored = mine.cursors.get(saved.id)!;
    expect(stored.lastUid).toBeGreaterThan(0);

    // The app starts again (a new host, the same database): from the stored cursor only.
    const b = await deliver('cara@example.org');
    const again = host();
    await again.client.call('secrets/set', { key: `smtp:${saved.id}`, value: stack.pass });
    const later = memoryHandlers();
    later.cursors.set(saved.id, stored);
    const stopAgain = startInboxWatching(again.client, later.handlers);
    cleanups.push(stopAgain);
    await until(() => later.raws().some((raw) => raw.includes(b)), 'B applied after the restart');
    expect(later.raws().some((raw) => raw.includes(a))).toBe(false);
    expect((again.calls.find((c) => c.name === 'inbox/watch')?.input as { cursor: unknown }).cursor).toEqual(stored);
  });

  it('a batch that could not be applied is read again, so its message is not lost', async () => {
    const h = host();
    const saved = await saveMailbox(mailbox({ imap: imap('ben@example.org') }), true);
    await h.client.call('secrets/set', { key: `smtp:${saved.id}`, value: stack.pass });
    // Caught up first, so the failing batch is the one with the new message.
    const mine = memoryHandlers();
    const stop = startInboxWatching(h.client, mine.handlers);
    cleanups.push(stop);
    await until(() => useInboxStatus().byMailbox[saved.id]?.state === 'watching', 'watching');
    let failures = 0;
    const a = await deliver('ben@example.org');
    const original = mine.handlers.apply;
    mine.handlers.apply = async (batch) => {
      if (batch.messages.some((m) => m.raw.includes(a)) && failures++ === 0) throw new Error('the database is busy');
      await original(batch);
    };
    await until(() => mine.raws().some((raw) => raw.includes(a)), 'A applied on the second reading');
    expect(failures).toBe(2);
    expect(mine.raws().filter((raw) => raw.includes(a))).toHaveLength(1);
    expect(h.calls.filter((c) => c.name === 'inbox/unwatch')).toHaveLength(1);
  });

  it('a batch that keeps failing is read again after a wait that grows, not in a tight loop, and the mailbox says when', async () => {
    const h = host();
    const saved = await saveMailbox(mailbox({ imap: imap('dan@example.org') }), true);
    await h.client.call('secrets/set', { key: `smtp:${saved.id}`, value: stack.pass });
    // Waits of 0.2 s, then 10 minutes: after the second failure nothing more is read for the test's life.
    const mine = memoryHandlers(undefined, [200, 600_000]);
    const stop = startInboxWatching(h.client, mine.handlers);
    cleanups.push(stop);
    await until(() => useInboxStatus().byMailbox[saved.id]?.state === 'watching', 'watching');
    const a = await deliver('dan@example.org');
    let failures = 0;
    mine.handlers.apply = async (batch) => {
      if (batch.messages.some((m) => m.raw.includes(a))) {
        failures++;
        throw new Error('the database is busy');
      }
    };
    await until(() => failures === 2, 'the batch failed twice');
    const status = useInboxStatus().byMailbox[saved.id]!;
    expect(status.state).toBe('error');
    expect(status.message).toMatch(
      /^New mail could not be recorded \(the database is busy\); Campaign Desk reads the inbox again \w{3} \d{1,2} \w{3}, \d{2}:\d{2} E[SD]T\.$/,
    );
    expect(status.retryAt).toBeGreaterThan(Date.now() + 500_000);
    const watches = h.calls.filter((c) => c.name === 'inbox/watch').length;
    // A generous while: a tight loop would have read and failed it many more times by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(failures).toBe(2);
    expect(h.calls.filter((c) => c.name === 'inbox/watch').length).toBe(watches);
  });
});

describe('startInboxWatching without a mail server', () => {
  it('shows the unreachable words on the mailbox, stops watching when IMAP is turned off, and watches nothing without IMAP', async () => {
    const h = host();
    const port = await closedPort();
    await saveMailbox(mailbox({ email: 'noimap@example.com' }), true);
    const saved = await saveMailbox(
      mailbox({ imap: { host: '127.0.0.1', port, security: 'none', user: 'rep@example.com' } }),
      true,
    );
    await h.client.call('secrets/set', { key: `smtp:${saved.id}`, value: 'x' });
    const stop = startInboxWatching(h.client, memoryHandlers().handlers);
    cleanups.push(stop);
    const statuses = useInboxStatus();
    await until(() => statuses.byMailbox[saved.id]?.state === 'unreachable', 'unreachable');
    expect(statuses.byMailbox[saved.id]).toMatchObject({
      state: 'unreachable',
      message: `Cannot reach 127.0.0.1 on port ${port} (nothing answers on that port). Check the server and port in Settings and your connection; Campaign Desk tries again by itself.`,
    });
    expect(statuses.isProblem(saved.id)).toBe(true);
    expect(
      h.calls.filter((c) => c.name === 'inbox/watch').map((c) => (c.input as { mailboxId: string }).mailboxId),
    ).toEqual([saved.id]);

    await saveMailbox({ ...mailbox(), id: saved.id, imap: null }, true);
    await until(() => h.calls.some((c) => c.name === 'inbox/unwatch'), 'inbox/unwatch');
    expect(h.calls.find((c) => c.name === 'inbox/unwatch')?.input).toEqual({ mailboxId: saved.id });
    expect(statuses.byMailbox[saved.id]).toBeUndefined();
  });

  it('a mailbox saved with IMAP keeps it on later saves that leave it out, and refuses a bad check interval by name', async () => {
    const saved = await saveMailbox(
      mailbox({ imap: { host: ' imap.example.com ', port: 993, security: 'tls', user: 'rep@example.com' } }),
      true,
    );
    expect(saved).toMatchObject({
      imap: { host: 'imap.example.com', port: 993, security: 'tls', user: 'rep@example.com' },
      inboxPollMs: 120_000,
    });
    const again = await saveMailbox({ ...mailbox(), id: saved.id, dailyLimit: 300 }, true);
    expect(again.imap).toEqual(saved.imap);
    await expect(saveMailbox({ ...mailbox(), id: saved.id, inboxPollMs: 1_000 }, true)).rejects.toThrow(
      'inboxPollMs: 0.016666666666666666 minutes is not a check interval; use 0.5 to 60 minutes',
    );
    await expect(
      saveMailbox({ ...mailbox(), id: saved.id, imap: { host: '', port: 993, security: 'tls', user: 'x' } }, true),
    ).rejects.toThrow('imap.host: is required (e.g. imap.example.com)');
  });
});
