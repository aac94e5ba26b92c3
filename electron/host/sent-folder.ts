import type { ImapFlow, ListResponse } from 'imapflow';
import type { HostCallOutput } from '../../core/host/contract';
import { describeImapFailure, imapClient, type ImapSettings } from './inbox-watch';

/**
 * The copy in the Sent folder (issue 11): one IMAP connection per copy, logged in, the Sent
 * folder found, the message appended with `\Seen` (RFC 3501 §6.3.11), logged out. Nothing is
 * sent over SMTP here, and nothing else in the mailbox is touched.
 */

/** What `mail/save-sent` answers: the contract's output type. */
export type SaveSentResult = HostCallOutput<'mail/save-sent'>;

/**
 * The mailbox's Sent folder: the one the server marks `\Sent` (SPECIAL-USE, RFC 6154), else the
 * one imapflow recognises by a localised name, else one named `Sent` at any level. Undefined
 * when there is none.
 */
export function findSentFolder(folders: readonly ListResponse[]): ListResponse | undefined {
  const sent = (f: ListResponse) => f.specialUse === '\\Sent' && !f.flags.has('\\Noselect');
  return (
    folders.find((f) => sent(f) && f.specialUseSource === 'extension') ??
    folders.find(sent) ??
    folders.find((f) => f.name.toLowerCase() === 'sent' && !f.flags.has('\\Noselect'))
  );
}

/**
 * Saves `raw` in the Sent folder of the mailbox `imap` logs into, flagged `\Seen`, dated
 * `sentAt` (UTC ms). When the folder already holds a message with this Message-ID (an earlier
 * try whose answer was lost), nothing is added: `already: true`.
 * Never throws: a refused password, an unreachable server, a missing Sent folder or a refused
 * APPEND comes back as `ok: false` with the reason in a salesperson's words.
 */
export async function saveToSent(
  imap: ImapSettings,
  password: string,
  raw: string,
  messageId: string,
  sentAt: number,
): Promise<SaveSentResult> {
  const client = imapClient(imap, password, { disableAutoIdle: true });
  client.on('error', () => {});
  try {
    await client.connect();
    const folder = findSentFolder(await client.list());
    if (!folder) {
      await logout(client);
      return {
        ok: false,
        state: 'no-folder',
        message: `${imap.host} has no Sent folder for ${imap.user} (none is marked Sent and none is named Sent). Create one in your mail program.`,
      };
    }
    // Read-only: looking for an earlier copy sets no flag on anything.
    await client.mailboxOpen(folder.path, { readOnly: true });
    const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
    if (found && found.length > 0) {
      await logout(client);
      return { ok: true, folder: folder.path, already: true };
    }
    const appended = await client.append(folder.path, raw, ['\\Seen'], new Date(sentAt));
    if (!appended) throw new Error(`the server did not take the message into ${folder.path}`);
    await logout(client);
    return { ok: true, folder: folder.path, already: false };
  } catch (error) {
    client.close();
    const status = describeImapFailure(error, imap, Date.now());
    if (status.state === 'auth-failed')
      return {
        ok: false,
        state: 'auth-failed',
        message: `The mail server refused the password for ${imap.user} (${imap.host}). Enter the right password in Settings.`,
      };
    if (status.state === 'unreachable')
      return { ok: false, state: 'unreachable', message: status.message.replace(/; Campaign Desk.*$/, '.') };
    const e = (error ?? {}) as { responseText?: unknown; message?: unknown };
    return {
      ok: false,
      state: 'error',
      message: `${imap.host} did not save the copy: ${String(e.responseText ?? e.message ?? error)}.`,
    };
  }
}

async function logout(client: ImapFlow): Promise<void> {
  await client.logout().catch(() => client.close());
}
