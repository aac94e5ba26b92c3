/**
 * `npm run --silent inbox -- classify FILE.eml [FILE.eml …]`: prints, as JSON on stdout,
 * what the inbox would make of each message, with no mailbox, database or network
 * (SPEC §13). Exit 0, or 2 with one `error: <file>: <reason>` line on stderr per file
 * it cannot read (and nothing on stdout).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { classifiedFile, classify, DEFAULT_MAX_BYTES, parseMessage, type ClassifiedFile } from '../core/inbox';

const USAGE = 'npm run --silent inbox -- classify FILE.eml [FILE.eml …]';

const [command, ...files] = process.argv.slice(2);
if (command !== 'classify') {
  process.stderr.write(
    command === undefined
      ? `error: (arguments): give a command and message files: ${USAGE}\n`
      : `error: (arguments): ${JSON.stringify(command)} is not a command; the one command is classify: ${USAGE}\n`,
  );
  process.exit(2);
}
if (files.length === 0) {
  process.stderr.write(`error: (arguments): give at least one message file: ${USAGE}\n`);
  process.exit(2);
}

/**
 * The first `DEFAULT_MAX_BYTES` of a file (all `parseMessage` reads, so a 50 MB message
 * costs what a 1 MB one does), or why it cannot be read.
 */
function readMessageFile(file: string): { bytes: Uint8Array } | { error: string } {
  let fd: number;
  try {
    // `npm run` starts scripts in the package folder; a relative path means the caller's folder.
    fd = openSync(resolve(process.env['INIT_CWD'] ?? process.cwd(), file), 'r');
  } catch (error) {
    return { error: unreadable(error as NodeJS.ErrnoException) };
  }
  try {
    if (fstatSync(fd).isDirectory()) return { error: 'is a folder, not a file' };
    const buffer = new Uint8Array(DEFAULT_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) break;
    }
    if (length === 0) return { error: 'is empty (0 bytes), not an email message' };
    return { bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { error: unreadable(error as NodeJS.ErrnoException) };
  } finally {
    closeSync(fd);
  }
}

function unreadable(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'was not found';
  if (error.code === 'EISDIR') return 'is a folder, not a file';
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${error.code ?? error.message})`;
}

const read = files.map((file) => ({ file, ...readMessageFile(file) }));
const errors = read.flatMap((entry) => ('error' in entry ? [`error: ${entry.file}: ${entry.error}\n`] : []));
if (errors.length > 0) {
  process.stderr.write(errors.join(''));
  process.exit(2);
}
const messages: ClassifiedFile[] = [];
for (const entry of read) {
  if (!('bytes' in entry)) continue;
  messages.push(classifiedFile(entry.file, classify(await parseMessage(entry.bytes))));
}
process.stdout.write(`${JSON.stringify({ messages }, null, 2)}\n`);
