/**
 * The inbox against a real Dovecot on loopback (issue 11 "Speed and scale"): the first
 * connection to a mailbox of 50,000 messages, and a reply arriving while the watcher is in
 * IDLE. Needs the project's mail stack (`scripts/mailstack.sh up`, then
 * `eval "$(scripts/mailstack.sh env)"`); without it the group says why and reports nothing.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InboxWatcher, type InboxBatch, type InboxStatus } from '../electron/host/inbox-watch';
import { report } from './harness';

const USER = 'bench@example.org';
const MESSAGES = 50_000;
/** Of them, replies to a campaign email (the candidates whose text parts matter). */
const REPLIES = 50;

/**
 * `inbox-first-connect-50k` (s) and `inbox-first-connect-50k-rss` (MB, the process's peak
 * resident set above what it was before connecting): from `start()` with no cursor to the
 * watcher's `watching` status, every message handed over in batches, over a Maildir of
 * 50,000 messages (about 1.5 KB each, 50 of them replies) written straight into the
 * mailbox and indexed by Dovecot before the clock starts. `inbox-idle-latency-median` /
 * `-max` (ms): a reply submitted to Postfix until its batch reaches `onBatch`, the watcher
 * in IDLE, 10 replies one after another.
 */
export async function benchInboxImap(): Promise<void> {
  const { MAILSTACK_DIR: dir, TEST_IMAP_HOST: host, TEST_IMAP_PORT: port, TEST_IMAP_PASS: password } = process.env;
  const { TEST_SMTP_HOST: smtpHost, TEST_SMTP_PORT: smtpPort, TEST_MAILSTACK: mailstack } = process.env;
  if (!dir || !host || !port || !password || !smtpHost || !smtpPort || !mailstack) {
    console.log(
      'inbox-imap benchmarks skipped: they need the mail stack (scripts/mailstack.sh up, then eval "$(scripts/mailstack.sh env)")',
    );
    return;
  }
  const maildir = await fillMaildir(dir, smtpHost, Number(smtpPort), mailstack);
  const imap = { host, port: Number(port), security: 'none' as const, user: USER };

  // First connection: every message, no cursor.
  let handed = 0;
  let peakRss = 0;
  const baseRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  let watching!: () => void;
  const caughtUp = new Promise<void>((resolve) => (watching = resolve));
  let onBatch: (batch: InboxBatch) => void = (batch) => {
    handed += batch.messages.length;
  };
  const watcher = new InboxWatcher({
    mailboxId: 'bench',
    imap,
    password,
    cursor: null,
    onBatch: (batch) => onBatch(batch),
    onStatus: (status: InboxStatus) => {
      if (status.state === 'watching') watching();
      if (status.state === 'auth-failed' || status.state === 'unreachable' || status.state === 'error')
        console.error('inbox-imap: watcher', status);
    },
  });
  const start = performance.now();
  await watcher.start();
  await caughtUp;
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  if (handed !== MESSAGES) throw new Error(`inbox-imap: handed over ${handed} messages, not ${MESSAGES}`);
  report('inbox-first-connect-50k', Math.round(seconds * 10) / 10, 's');
  report('inbox-first-connect-50k-rss', Math.round((Math.max(peakRss, baseRss) - baseRss) / 1e5) / 10, 'MB');

  // A reply while in IDLE: submitted to Postfix, delivered to Dovecot, pushed to the watcher.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({ host: smtpHost, port: Number(smtpPort), secure: false });
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const messageId = `<idle-${Date.now()}-${i}@example.com>`;
    const arrived = new Promise<void>((resolve) => {
      onBatch = (batch) => {
        if (batch.messages.some((m) => m.messageId === messageId)) resolve();
      };
    });
    const sent = performance.now();
    await transport.sendMail({
      from: 'Ana <ana@example.com>',
      to: USER,
      subject: 'Re: Q2 plans',
      messageId,
      inReplyTo: '<campaign-1@example.org>',
      text: 'Yes, Thursday works.',
    });
    await arrived;
    latencies.push(performance.now() - sent);
  }
  transport.close();
  await watcher.stop();
  latencies.sort((a, b) => a - b);
  report('inbox-idle-latency-median', Math.round(latencies[5]!), 'ms');
  report('inbox-idle-latency-max', Math.round(latencies.at(-1)!), 'ms');
  rmSync(join(maildir, 'cur'), { recursive: true, force: true });
  mkdirSync(join(maildir, 'cur'));
}

/** Empties the bench mailbox and writes 50,000 messages into its Maildir, then has Dovecot index them. */
async function fillMaildir(dir: string, smtpHost: string, smtpPort: number, mailstack: string): Promise<string> {
  const home = join(dir, 'mail', 'example.org', 'bench');
  const maildir = join(home, 'Maildir');
  if (!existsSync(maildir)) {
    // The first delivery makes the Maildir with the right owner.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({ host: smtpHost, port: smtpPort, secure: false });
    await transport.sendMail({ from: 'setup@example.com', to: USER, subject: 'setup', text: 'setup' });
    transport.close();
    for (let i = 0; i < 200 && !existsSync(join(maildir, 'new')); i++) await new Promise((r) => setTimeout(r, 50));
  }
  const { uid, gid } = statSync(home);
  for (const sub of ['cur', 'new', 'tmp']) {
    rmSync(join(maildir, sub), { recursive: true, force: true });
    mkdirSync(join(maildir, sub));
    chownSync(join(maildir, sub), uid, gid);
  }
  for (const name of readdirSync(maildir)) if (name.startsWith('dovecot')) rmSync(join(maildir, name), { force: true });
  const base = Date.parse('2026-11-02T09:00:00Z');
  for (let i = 0; i < MESSAGES; i++) {
    const reply = i % (MESSAGES / REPLIES) === 0;
    const date = new Date(base + i * 60_000).toUTCString().replace('GMT', '+0000');
    const lines = reply
      ? [
          `From: Person ${i} <p${i}@example.com>`,
          `To: ${USER}`,
          `Subject: Re: Q2 plans`,
          `Message-ID: <r${i}@example.com>`,
          `In-Reply-To: <c${i}@example.org>`,
          `Date: ${date}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          `Thanks, let's talk on Thursday.\n\nOn Mon, Rep wrote:\n> Is your team planning anything for Q2?`,
        ]
      : [
          `From: Newsletter ${i % 40} <news${i % 40}@example.net>`,
          `To: ${USER}`,
          `Subject: Weekly digest #${i}`,
          `Message-ID: <n${i}@example.net>`,
          `Date: ${date}`,
          'List-Id: <digest.example.net>',
          'Content-Type: text/plain; charset=utf-8',
          '',
          `This week's news, issue ${i}.\n` + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20),
        ];
    const file = join(maildir, 'cur', `${1_790_000_000 + i}.M${i}P1.bench:2,`);
    writeFileSync(file, lines.join('\r\n') + '\r\n');
    chownSync(file, uid, gid);
  }
  // Dovecot indexes the new files here, before the clock starts (a real server has them indexed).
  const count = execFileSync(mailstack, ['count', USER], { encoding: 'utf8' }).trim();
  if (Number(count) !== MESSAGES) throw new Error(`inbox-imap: the bench mailbox holds ${count} messages`);
  return maildir;
}
