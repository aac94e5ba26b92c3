import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Step } from '../../../core/model';
import { engineRig, until as waitUntil } from '../../../electron/host/testing/engine-rig';
import { setClock } from '../db/change';
import { CampaignDeskDb, setDb } from '../db/database';
import { createCampaign, saveCampaign } from '../db/repos/campaigns';
import { createContact } from '../db/repos/contacts';
import { launch, previewLaunch } from '../db/repos/launch';
import { saveMailbox, type MailboxInput } from '../db/repos/mailboxes';
import { formatWhen } from '../format';

/**
 * The copy in Sent (issue 11) end to end: the engine sends through a real SMTP server (the
 * mail stack's Postfix, or smtp-server on loopback to count what arrives), records the send,
 * then the host appends the message to the real Dovecot's Sent folder of rep@example.com.
 * Each test uses its own subject and Message-IDs, so mail left by earlier runs does not matter.
 */
const env = {
  imapHost: process.env.TEST_IMAP_HOST,
  imapPort: Number(process.env.TEST_IMAP_PORT),
  smtpHost: process.env.TEST_SMTP_HOST,
  smtpPort: Number(process.env.TEST_SMTP_PORT),
  pass: process.env.TEST_IMAP_PASS ?? '',
};
const haveStack = Boolean(env.imapHost && env.imapPort && env.smtpHost && env.smtpPort);
if (!haveStack)
  console.log(
    'Sent-folder integration tests skipped: they need the real Postfix + Dovecot (TEST_IMAP_HOST/PORT, TEST_SMTP_HOST/PORT, ' +
      'TEST_IMAP_PASS: sudo scripts/mailstack.sh up, then eval "$(scripts/mailstack.sh env)"; .ci/run does this)',
  );

const T0 = Date.parse('2026-03-09T12:00:00Z'); // Mon 08:00 in New York
const DUE = Date.parse('2026-03-09T13:30:00Z'); // 09:30

let cleanups: (() => Promise<void> | void)[] = [];
let n = 0;
beforeEach(() => {
  setClock(() => T0);
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
const rig = engineRig((cleanup) => cleanups.push(cleanup));
// Every 50 ms: some checks open an IMAP connection to the real Dovecot.
const until = (check: () => boolean | Promise<boolean>) => waitUntil(check, 20_000, 50);

/** smtp-server on 127.0.0.1: counts each message it takes, by Message-ID. */
async function countingSmtp(): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const { port } = await rig.smtp(({ raw }) => {
    received.push(/^Message-ID: (<[^>]+>)/im.exec(raw)?.[1] ?? '?');
  });
  return { port, received };
}

/** The host in test mode, a client on it, and an engine on that client (stopped after the test). */
async function engineOn() {
  const { runtime, client, calls } = rig.host();
  await runtime.handlers['test/set-clock']({ now: T0 });
  const engine = rig.engine(client);
  return { runtime, engine, saveCalls: () => calls.filter((call) => call.name === 'mail/save-sent').length };
}

const IMAP = () => ({ host: env.imapHost!, port: env.imapPort, security: 'none' as const, user: 'rep@example.com' });

/**
 * rep@example.com sending one email with a subject of its own to Ana (and to Bo when `withBo`);
 * returns the database, mailbox and Ana's subject.
 */
async function launched(smtp: MailboxInput['smtp'], patch: Partial<MailboxInput> = {}, withBo = false) {
  const db = new CampaignDeskDb(`sent-folder-${++n}`);
  setDb(db);
  await db.open();
  cleanups.push(() => db.close());
  const tag = randomUUID().slice(0, 8);
  const mailbox = await saveMailbox(
    {
      name: 'Rep One',
      email: 'rep@example.com',
      timeZone: 'America/New_York',
      smtp,
      imap: IMAP(),
      dailyLimit: 10_000,
      minGapMs: 0,
      ...patch,
    },
    false,
  );
  const steps: Step[] = [
    {
      id: 's1',
      day: 1,
      type: 'email',
      subject: `Hi {{ first_name }}, ${tag}`,
      body: '<p>Shall we talk on Tuesday?</p>',
      send: { timing: 'at_time', time: '09:30', followUp: false },
    },
  ];
  const campaign = await createCampaign('Spring outreach');
  await saveCampaign(campaign.id, { steps }, 1);
  const ids: string[] = [];
  for (const [email, firstName] of withBo
    ? [
        ['ana@example.org', 'Ana'],
        ['bo@example.org', 'Bo'],
      ]
    : [['ana@example.org', 'Ana']]) {
    const contact = await createContact({
      email: email!,
      firstName: firstName!,
      lastName: '',
      company: '',
      title: '',
      phone: '',
      timeZone: '',
      notes: '',
      custom: {},
    });
    ids.push(contact.id);
  }
  await launch(await previewLaunch(campaign.id, ids, T0, null));
  return { db, mailbox, subject: `Hi Ana, ${tag}` };
}

/** The messages with this Message-ID in `user`'s `folder` of the real Dovecot: subject, Message-ID, flags. */
async function inFolder(
  user: string,
  folder: string,
  messageId: string,
): Promise<{ subject: string; messageId: string; flags: string[] }[]> {
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
    await client.mailboxOpen(folder, { readOnly: true });
    const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
    const out: { subject: string; messageId: string; flags: string[] }[] = [];
    if (uids.length === 0) return out;
    for await (const m of client.fetch(uids.join(','), { envelope: true, flags: true }, { uid: true }))
      out.push({
        subject: m.envelope?.subject ?? '',
        messageId: m.envelope?.messageId ?? '',
        // \Recent says only which session saw it first (RFC 3501 §2.3.2).
        flags: [...(m.flags ?? [])].filter((flag) => flag !== '\\Recent'),
      });
    return out;
  } finally {
    await client.logout();
  }
}

describe.skipIf(!haveStack)('a copy of each sent email in Sent, with the real Postfix and Dovecot', () => {
  it('the email Postfix delivered to Ana is in rep’s Sent with the same Message-ID and subject, read', async () => {
    const { db, mailbox, subject } = await launched({
      host: env.smtpHost!,
      port: env.smtpPort,
      security: 'none',
      user: '',
    });
    const { runtime, engine } = await engineOn();
    await runtime.handlers['secrets/set']({ key: `imap:${mailbox.id}`, value: env.pass });
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 1);
    await engine.idle();
    await until(async () => (await db.sentCopies.count()) === 0);
    const run = (await db.stepRuns.toArray())[0]!;
    expect(run.subject).toBe(subject);

    const inSent = await inFolder('rep@example.com', 'Sent', run.messageId!);
    expect(inSent).toEqual([{ subject, messageId: run.messageId, flags: ['\\Seen'] }]);
    // The same message reached Ana through Postfix.
    await until(async () => (await inFolder('ana@example.org', 'INBOX', run.messageId!)).length === 1);
    expect((await inFolder('ana@example.org', 'INBOX', run.messageId!))[0]!.subject).toBe(subject);
    // A copy saved at once is no news: the Live Feed says only that it was sent.
    expect((await db.feed.toArray()).map((r) => r.kind)).not.toContain('email.sent-copy-failed');
  }, 40_000);

  it('a wrong IMAP password: both emails are recorded as sent, the failure is said once in words after one login, and with the right password the copies are saved, never sent again', async () => {
    const smtp = await countingSmtp();
    const { db, mailbox, subject } = await launched(
      { host: '127.0.0.1', port: smtp.port, security: 'none', user: '' },
      {},
      true,
    );
    const { runtime, engine, saveCalls } = await engineOn();
    await runtime.handlers['secrets/set']({ key: `imap:${mailbox.id}`, value: 'not-the-password' });
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 2);
    await engine.idle();
    await until(async () => (await db.sentCopies.filter((copy) => copy.attempts === 1).count()) === 2);
    await engine.sentCopies.idle();

    const runs = await db.stepRuns.orderBy('id').toArray();
    expect(runs.map((run) => run.state)).toEqual(['sent', 'sent']);
    expect((await db.enrollments.toArray()).map((e) => e.status)).toEqual(['finished', 'finished']);
    const retryAt = formatWhen(DUE + 60_000, 'America/New_York');
    const words = `The mail server refused the password for rep@example.com (${env.imapHost}). Enter the right password in Settings. Campaign Desk tries again ${retryAt}.`;
    expect((await db.sentCopies.toArray()).map((c) => c.problem)).toEqual([words, words]);
    // One login refused, not one per email; one Live Feed row, naming the first email.
    expect(saveCalls()).toBe(1);
    const failed = await db.feed.where('kind').equals('email.sent-copy-failed').toArray();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.text).toMatch(
      /^The email "Hi (Ana|Bo), [0-9a-f]{8}" to (Ana|Bo) went, but its copy could not be saved in Sent: /,
    );
    expect(failed[0]!.text.endsWith(words)).toBe(true);
    const ana = runs.find((run) => run.subject === subject)!;
    expect(await inFolder('rep@example.com', 'Sent', ana.messageId!)).toEqual([]);

    // The right password, and the mailbox saved (as the Settings form does): tried again at once.
    await runtime.handlers['secrets/set']({ key: `imap:${mailbox.id}`, value: env.pass });
    await saveMailbox({ ...mailbox, imap: IMAP() }, false);
    await until(async () => (await db.sentCopies.count()) === 0);
    await engine.sentCopies.idle();
    expect(await inFolder('rep@example.com', 'Sent', ana.messageId!)).toEqual([
      { subject, messageId: ana.messageId, flags: ['\\Seen'] },
    ]);
    expect((await db.feed.where('kind').equals('email.sent-copy-saved').toArray()).map((r) => r.text)).toEqual([
      'Saved the copies of 2 sent emails in Sent of rep@example.com',
    ]);
    expect(smtp.received.sort()).toEqual(runs.map((run) => run.messageId).sort());
  }, 40_000);

  it('a mailbox with "Save a copy in Sent" off keeps no copy', async () => {
    const smtp = await countingSmtp();
    const { db, mailbox } = await launched(
      { host: '127.0.0.1', port: smtp.port, security: 'none', user: '' },
      { saveSentCopy: false },
    );
    const { runtime, engine } = await engineOn();
    await runtime.handlers['secrets/set']({ key: `imap:${mailbox.id}`, value: env.pass });
    await engine.start();
    await runtime.handlers['test/set-clock']({ now: DUE });
    await until(async () => (await db.stepRuns.where('state').equals('sent').count()) === 1);
    await engine.idle();
    await engine.sentCopies.idle();
    const run = (await db.stepRuns.toArray())[0]!;
    expect(await db.sentCopies.count()).toBe(0);
    expect(await inFolder('rep@example.com', 'Sent', run.messageId!)).toEqual([]);
  }, 40_000);
});
