import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'core', 'inbox', 'fixtures');

/** Runs the command exactly as a person would: `npm run --silent inbox -- …`, from `cwd`. */
function inboxCommand(args: string[], cwd = root): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npm', ['run', '--silent', 'inbox', '--', ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the inbox classify command (SPEC §13), run as a process', () => {
  it('prints each message’s kind, sender, thread and its kind’s details, in the order given', () => {
    // Relative paths, from the fixtures folder: they name files there, not in the package folder.
    const { code, stdout, stderr } = inboxCommand(
      [
        'classify',
        'bounce-postfix.eml',
        'bounce-qmail.eml',
        'bounce-postfix-delayed.eml',
        'ooo-de.eml',
        'ooo-en-x-autorespond.eml',
        'reply-outlook-en.eml',
        'complaint-arf.eml',
        'unsubscribe-mailto.eml',
        'other-newsletter.eml',
      ],
      fixtures,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      messages: [
        {
          file: 'bounce-postfix.eml',
          kind: 'bounce',
          from: 'mailer-daemon@mail.northwind.example',
          inReplyTo: null,
          references: [],
          bounce: {
            recipients: [
              { address: 'ana.lima@globex.example', status: '5.1.1', permanent: true },
              { address: 'bo.chen@globex.example', status: '5.2.2', permanent: false },
            ],
          },
        },
        {
          file: 'bounce-qmail.eml',
          kind: 'bounce',
          from: 'mailer-daemon@mail.qmail-host.example',
          inReplyTo: null,
          references: [],
          bounce: { recipients: [{ address: 'ivan@qmail-host.example', status: '5.1.1', permanent: true }] },
        },
        {
          file: 'bounce-postfix-delayed.eml',
          kind: 'bounce',
          from: 'mailer-daemon@mail.northwind.example',
          inReplyTo: null,
          references: [],
          bounce: { recipients: [{ address: 'dana@initech.example', status: '4.4.1', permanent: false }] },
        },
        {
          file: 'ooo-de.eml',
          kind: 'auto_reply',
          from: 'jonas.weber@kunde.example',
          inReplyTo: '<cd-7a1f.s1.jonas@northwind.example>',
          references: [],
          autoReply: { returnsOn: '2026-03-16' },
        },
        {
          file: 'ooo-en-x-autorespond.eml',
          kind: 'auto_reply',
          from: 'dana@initech.example',
          inReplyTo: null,
          references: [],
          autoReply: { returnsOn: null },
        },
        {
          file: 'reply-outlook-en.eml',
          kind: 'reply',
          from: 'tom@acme.example',
          inReplyTo: '<cd-7a1f.s1.tom@northwind.example>',
          references: ['<cd-7a1f.s1.tom@northwind.example>'],
          reply: { text: "Hi Sam,\n\nWe're interested. Could you share pricing for 50 seats?" },
        },
        {
          file: 'complaint-arf.eml',
          kind: 'complaint',
          from: 'staff@hotmail.example',
          inReplyTo: null,
          references: [],
        },
        {
          file: 'unsubscribe-mailto.eml',
          kind: 'unsubscribe',
          from: 'rosa@brooklyn.example',
          inReplyTo: null,
          references: [],
        },
        {
          file: 'other-newsletter.eml',
          kind: 'other',
          from: 'news@digest.example',
          inReplyTo: null,
          references: [],
        },
      ],
    });
    // Pretty-printed, one trailing newline, like plan.
    expect(stdout.endsWith('}\n')).toBe(true);
    expect(stdout.split('\n')[1]).toBe('  "messages": [');
  });

  it('refuses every file it cannot read, one `error: <file>: <reason>` line each, exit 2, nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inbox-'));
    const empty = join(dir, 'empty.eml');
    writeFileSync(empty, '');
    const folder = join(dir, 'folder.eml');
    mkdirSync(folder);
    const missing = join(dir, 'missing.eml');
    const { code, stdout, stderr } = inboxCommand([
      'classify',
      join(fixtures, 'reply-iphone.eml'),
      missing,
      folder,
      empty,
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `error: ${missing}: was not found\n` +
        `error: ${folder}: is a folder, not a file\n` +
        `error: ${empty}: is empty (0 bytes), not an email message\n`,
    );
  });

  it('refuses a missing command or no files with one line and exit 2', () => {
    const none = inboxCommand([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      'error: (arguments): give a command and message files: npm run --silent inbox -- classify FILE.eml [FILE.eml …]\n',
    );
    const typo = inboxCommand(['clasify', 'a.eml']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'error: (arguments): "clasify" is not a command; the one command is classify: npm run --silent inbox -- classify FILE.eml [FILE.eml …]\n',
    );
  });

  it('classifies a 50 MB message from what it reads of it (its first MiB)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'inbox-')), 'big.eml');
    const fd = openSync(file, 'w');
    writeSync(
      fd,
      'From: Ana Lima <ana.lima@globex.example>\r\nTo: rep@northwind.example\r\nSubject: Re: Quick question\r\n' +
        'In-Reply-To: <cd-7a1f.s1@northwind.example>\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nDeck attached.\r\n' +
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="deck.pdf"\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\n',
    );
    const chunk = Buffer.alloc(1024 * 1024, 'A');
    for (let i = 0; i < 50; i++) writeSync(fd, chunk);
    closeSync(fd);
    const { code, stdout, stderr } = inboxCommand(['classify', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).messages).toEqual([
      {
        file,
        kind: 'reply',
        from: 'ana.lima@globex.example',
        inReplyTo: '<cd-7a1f.s1@northwind.example>',
        references: [],
        reply: { text: 'Deck attached.' },
      },
    ]);
  });
});
