import {
  ADDRESS_IN_TEXT,
  addresses,
  cleanAddress,
  decodeHeader,
  localPart,
  mailbox,
  messageIds,
  pushAddress,
} from './fields';
import { allParts, header, partText, type InboxMessage, type InboxPart } from './message';
import { decidePermanence, reasonWords, type BounceCategory } from './permanence';

/**
 * Bounces: RFC 3464 delivery-status reports (wherever the report sits in the MIME
 * tree, and whatever parser put its fields in a child part), and the prose bounces of
 * servers that send none (qmail, old Exim and Gmail, Exchange 2003, Yahoo, …).
 */

/** One recipient a bounce reports as failed or delayed. */
export interface BounceRecipient {
  /** The address mailed (RFC 3464 `Original-Recipient`, else `Final-Recipient`), lower case. */
  address: string;
  /** The RFC 3463 status (`5.1.1`), or null when the report gives none. */
  status: string | null;
  /** True when the address itself is bad (does not exist, no mail for the domain, moved). */
  permanent: boolean;
  /** RFC 3464 `Action`: `failed`, or `delayed` for a warning (the server is still trying). */
  action: 'failed' | 'delayed';
  /** Why, as a category (table in docs/DECISIONS.md). */
  category: BounceCategory;
  /** Why, in words for the salesperson. */
  reason: string;
  /** The server's own words (`550 5.1.1 <ana@example.org>: User unknown`), or null. */
  diagnostic: string | null;
}

/** What a bounce says. */
export interface BounceReport {
  recipients: BounceRecipient[];
  /** The Message-IDs of the returned original (from its headers or quoted text). */
  originalMessageIds: string[];
  /** The original's `To` addresses, when it came back. */
  originalTo: string[];
}

const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const HEADER_TYPES = new Set(['text/rfc822-headers', 'message/global-headers']);
const EMBEDDED_TYPES = new Set(['message/rfc822', 'message/global']);

const BOUNCE_SENDER_LOCAL =
  /^(?:mailer[-_]?daemon|mail[-_]?daemon|maildaemon|postmaster|mdaemon|bounces?|nobody|mail[-_]?delivery)$/i;
const BOUNCE_SENDER_NAME =
  /mail ?delivery|mailer[- ]daemon|postmaster|delivery (?:status|subsystem|system|notification)|mail administrator|mail system/i;

const BOUNCE_SUBJECT =
  /undeliver|undelivered|mail failure|mail failed|returning (?:message )?to sender|error sending your (?:mail|message)|delivery (?:status notification|failure|failed|has failed|problem|notification|report)|returned mail|returned to sender|mail delivery (?:failed|failure|system|problem)|failure notice|could not be delivered|not delivered|non[- ]?delivery|ndr|mail system error|delivery status|permanent error|unzustellbar|nicht zugestellt|zustellung fehlgeschlagen|non remis|non distribué|échec de (?:la )?remise|no se puede entregar|no entregado|error de entrega|onbestelbaar|niet bezorgd|non recapitabile|mancato recapito|não entregue|não foi possível entregar|falha na entrega|配信不能|配送不能|送信できません|エラー/i;

const BOUNCE_PHRASES =
  /this is the qmail-send program|this is the mail system at host|could not be delivered to one or more|delivery to the following recipients? (?:failed|has failed|was unsuccessful)|permanent fatal errors|this message was created automatically by mail delivery software|i'?m sorry to have to inform you that your message could not|your message (?:did not reach|couldn'?t be delivered|could not be delivered|wasn'?t delivered|was not delivered|cannot be delivered)|sorry, we were unable to deliver your message|unable to deliver (?:your )?message to|did not reach the following recipient|there was an error delivering your mail|wasn'?t able to deliver|delivery has failed to these recipients|an error occurred while trying to deliver|the following (?:message|recipients?|addresses?) (?:could not|had|has|failed)|message (?:could not|cannot) be delivered|delivery to the following recipient|undeliverable|returned mail|mail delivery failed|address not found|recipient address rejected|user unknown|no such user|mailbox unavailable|does not exist|delivery notification|not delivered/i;

const DELAY_WORDS =
  /\bdelay(?:ed)?\b|warning: (?:could not send|message|delay)|still being retried|will (?:continue to )?(?:retry|try)|has not (?:yet )?been delivered|not yet been delivered|will be retried|verzögert|retardé|retrasad|vertraagd|ritardat|atrasad|遅延/i;

/**
 * Where the returned original starts in a prose bounce. Everything below is the
 * original's headers and body, not the server's report.
 */
const ORIGINAL_MARKER =
  /^[ \t>]*(?:-{2,}[ \t]*(?:original message|below this line is a copy of the message|this is a copy of (?:the|your) message|the header of the original message|original message headers?|message header follows|unsent message below|returned message|forwarded message|copy of (?:the )?original message|ursprüngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht|messaggio originale|mensagem original)|original message headers?:|------ this is a copy|message headers follow\.?\s*$|original message follows\.?\s*$|.*the original message (?:was|is) (?:attached|included|below)|received: from )/im;

interface DsnRecipient {
  address: string | null;
  final: string | null;
  action: string | null;
  status: string | null;
  diagnostic: string | null;
}

/**
 * Reads a bounce from `message`, or null if it is not one. A delivery-status report
 * whose recipients were all delivered, relayed or expanded (a success report) is not a
 * bounce either: `{ recipients: [] }` with `success` set tells the caller so.
 *
 * @param text the message's own text (see `bodyText`), already read by the caller.
 */
export function readBounce(message: InboxMessage, text: string): (BounceReport & { success?: boolean }) | null {
  const parts = allParts(message);
  const dsnParts = parts.filter((part) => DSN_TYPES.has(part.type));
  const original = readOriginal(message, parts, text);
  const cut = proseBeforeOriginal(text);

  let fields: DsnRecipient[] = dsnParts.flatMap((part) => parseDsn(partText(part)));
  // Some parsers and servers leave the report's fields in the text itself.
  if (fields.length === 0 && /^\s*(?:final|original)-recipient\s*:/im.test(text)) fields = parseDsn(text);

  if (fields.length > 0) {
    const failed = fields.filter(
      (field) => field.action === null || field.action === 'failed' || field.action === 'delayed',
    );
    if (failed.length === 0) return { recipients: [], ...original, success: true };
    const recipients: BounceRecipient[] = [];
    for (const field of failed) {
      const address = field.address ?? field.final;
      if (!address || recipients.some((r) => r.address === address)) continue;
      // The diagnostic is this recipient's own; the prose may mix several recipients' reasons.
      const words = field.diagnostic ?? proseAbout(cut, [address, field.final ?? address], allAddresses(fields));
      const status = bestStatus(field.status, field.diagnostic);
      const action = field.action === 'delayed' ? 'delayed' : 'failed';
      recipients.push(recipient(address, status, action, field.diagnostic ?? diagnosticLine(words), words));
    }
    if (recipients.length > 0) return { recipients, ...original };
  }

  if (dsnParts.length === 0 && !looksLikeBounce(message, text)) return null;
  return { recipients: proseRecipients(message, cut, original.originalTo), ...original };
}

/** Whether `From` is a mail system (MAILER-DAEMON, postmaster): never a person replying. */
export function fromMailSystem(message: InboxMessage): boolean {
  const from = mailbox(header(message, 'from'));
  return (
    (from.address !== null && BOUNCE_SENDER_LOCAL.test(localPart(from.address))) ||
    /\b(?:mailer[-_]?daemon)\b/i.test(header(message, 'from') ?? '')
  );
}

/** Whether a message without a delivery-status part is still a bounce. */
function looksLikeBounce(message: InboxMessage, text: string): boolean {
  if (header(message, 'x-failed-recipients')) return true;
  if (header(message, 'x-ms-exchange-message-is-ndr') !== undefined) return true;
  const type = message.body.type;
  if (type === 'multipart/report' && /delivery-status/i.test(message.body.params?.['report-type'] ?? '')) return true;
  const from = mailbox(header(message, 'from'));
  const sender =
    (from.address !== null && BOUNCE_SENDER_LOCAL.test(localPart(from.address))) ||
    BOUNCE_SENDER_NAME.test(from.name ?? '') ||
    /\b(?:mailer[-_]?daemon|postmaster)\b/i.test(header(message, 'from') ?? '');
  const subject = BOUNCE_SUBJECT.test(decodeHeader(header(message, 'subject')));
  const prose = BOUNCE_PHRASES.test(text.slice(0, 4000));
  return (sender && (subject || prose)) || (subject && prose && /^\s*$/.test(header(message, 'in-reply-to') ?? ''));
}

/** The RFC 3464 per-recipient fields of a delivery-status text. */
export function parseDsn(text: string): DsnRecipient[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Record<string, string>[] = [];
  let block: Record<string, string> = {};
  let last: string | null = null;
  const flush = (): void => {
    if (Object.keys(block).length > 0) blocks.push(block);
    block = {};
    last = null;
  };
  for (const line of lines) {
    if (/^\s*$/.test(line)) {
      flush();
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      block[last] += ` ${line.trim()}`;
      continue;
    }
    const match = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    // A report written without blank lines between recipients: a second recipient field starts a new block.
    if ((name === 'final-recipient' || name === 'original-recipient') && block[name] !== undefined) flush();
    block[name] = match[2]!.trim();
    last = name;
  }
  flush();
  const out: DsnRecipient[] = [];
  for (const fields of blocks) {
    if (fields['final-recipient'] === undefined && fields['original-recipient'] === undefined) continue;
    const final = typedAddress(fields['final-recipient']);
    out.push({
      address: typedAddress(fields['original-recipient']) ?? final,
      final,
      action:
        fields['action']
          ?.trim()
          .split(/[\s;(]/)[0]
          ?.toLowerCase() || null,
      status: statusCode(fields['status'] ?? ''),
      diagnostic: diagnosticText(fields['diagnostic-code']),
    });
  }
  return out;
}

/** `rfc822; <ana@example.org>` → `ana@example.org`. */
function typedAddress(value: string | undefined): string | null {
  if (!value) return null;
  const semicolon = value.indexOf(';');
  const bare = semicolon >= 0 ? value.slice(semicolon + 1) : value;
  return cleanAddress(bare.trim().split(/\s+/)[0]) ?? cleanAddress(bare.match(ADDRESS_IN_TEXT)?.[0]);
}

/** `smtp; 550 5.1.1 …` → `550 5.1.1 …`. */
function diagnosticText(value: string | undefined): string | null {
  if (!value) return null;
  const text = value
    .replace(/^\s*[a-z-]+\s*;\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? null : text;
}

const STATUS = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/;

/** The first RFC 3463 code in `text`, or null. */
export function statusCode(text: string): string | null {
  const match = STATUS.exec(text);
  return match ? `${match[1]}.${Number(match[2])}.${Number(match[3])}` : null;
}

/**
 * The report's status, or the diagnostic's when the report's is only a class
 * (`5.0.0` with `550 5.1.1 …`) or missing.
 */
function bestStatus(reported: string | null, diagnostic: string | null): string | null {
  const fromDiagnostic = diagnostic ? statusCode(diagnostic) : null;
  if (!reported) return fromDiagnostic;
  // The diagnostic is the receiving server's own reply; the Status is the reporting
  // MTA's summary of it, often only the class (5.0.0) or a guess (5.1.1 for a block).
  if (fromDiagnostic && fromDiagnostic[0] === reported[0] && !fromDiagnostic.endsWith('.0.0')) return fromDiagnostic;
  return reported;
}

function recipient(
  address: string,
  status: string | null,
  action: 'failed' | 'delayed',
  diagnostic: string | null,
  words: string,
): BounceRecipient {
  const { category, permanent } = decidePermanence(status, action, words);
  return { address, status, permanent, action, category, reason: reasonWords(category), diagnostic };
}

/** The server's prose before the returned original. */
function proseBeforeOriginal(text: string): string {
  const match = ORIGINAL_MARKER.exec(text);
  return (match ? text.slice(0, match.index) : text).slice(0, 20_000);
}

/**
 * The prose after the first mention of any of `names`, up to the next mention of
 * another recipient (`others`) or 600 characters; all of it when none is named.
 */
function proseAbout(prose: string, names: string[], others: string[]): string {
  const lower = prose.toLowerCase();
  for (const name of names) {
    const at = lower.indexOf(name.toLowerCase());
    if (at < 0) continue;
    const from = prose.lastIndexOf('\n', at) + 1;
    let end = Math.min(prose.length, at + 600);
    for (const other of others) {
      if (names.includes(other)) continue;
      const next = lower.indexOf(other, at + name.length);
      if (next > at && next < end) end = next;
    }
    return prose.slice(from, end);
  }
  return others.length <= 1 ? prose.slice(0, 1500) : '';
}

function allAddresses(fields: DsnRecipient[]): string[] {
  return fields.flatMap((field) => [field.address, field.final].filter((a): a is string => a !== null));
}

/** The returned original's Message-IDs and `To` addresses. */
function readOriginal(
  message: InboxMessage,
  parts: InboxPart[],
  text: string,
): { originalMessageIds: string[]; originalTo: string[] } {
  const ids: string[] = [];
  const to: string[] = [];
  const own = messageIds(header(message, 'message-id'));
  const add = (id: string): void => {
    if (!own.includes(id) && !ids.includes(id)) ids.push(id);
  };
  for (const part of parts) {
    if (EMBEDDED_TYPES.has(part.type) && part.message) {
      for (const id of messageIds(part.message.headers['message-id']?.[0])) add(id);
      for (const address of addresses(part.message.headers['to']?.join(', '))) pushAddress(to, address);
    } else if (HEADER_TYPES.has(part.type) && part.text) {
      for (const id of headerLineIds(part.text)) add(id);
      for (const address of headerLineTo(part.text)) pushAddress(to, address);
    }
  }
  // Prose bounces quote the original's headers in their text.
  const quoted = text.slice(0, 200_000);
  for (const id of headerLineIds(quoted)) add(id);
  if (to.length === 0) {
    const marker = ORIGINAL_MARKER.exec(quoted);
    if (marker) for (const address of headerLineTo(quoted.slice(marker.index))) pushAddress(to, address);
  }
  return { originalMessageIds: ids, originalTo: to };
}

function unfold(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\n[ \t]+/g, ' ');
}

function headerLineIds(text: string): string[] {
  const ids: string[] = [];
  for (const match of unfold(text).matchAll(/^[ \t>]*message-id[ \t]*:[ \t]*(.+)$/gim)) {
    for (const id of messageIds(match[1])) if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

function headerLineTo(text: string): string[] {
  const match = /^[ \t>]*to[ \t]*:[ \t]*(.+)$/im.exec(unfold(text));
  return match ? addresses(match[1]) : [];
}

/** The failed recipients a prose bounce names, with the status and words near each. */
function proseRecipients(message: InboxMessage, prose: string, originalTo: string[]): BounceRecipient[] {
  const delayed = DELAY_WORDS.test(decodeHeader(header(message, 'subject'))) || DELAY_WORDS.test(prose.slice(0, 1500));
  const action = delayed ? 'delayed' : 'failed';
  const excluded = new Set<string>();
  for (const name of ['from', 'to', 'cc', 'reply-to', 'return-path', 'delivered-to', 'x-original-to', 'sender']) {
    for (const value of message.headers[name] ?? []) for (const address of addresses(value)) excluded.add(address);
  }
  const idsInText = new Set(headerLineIds(prose).map((id) => id.slice(1, -1).toLowerCase()));
  const named: string[] = [];
  for (const address of addresses(header(message, 'x-failed-recipients'))) pushAddress(named, address);
  if (named.length === 0) {
    for (const match of prose.matchAll(ADDRESS_IN_TEXT)) {
      const address = cleanAddress(match[0]);
      if (!address || excluded.has(address) || idsInText.has(address)) continue;
      if (BOUNCE_SENDER_LOCAL.test(localPart(address))) continue;
      // Skip addresses in the header lines the server quoted (the original's From, To, Received …).
      const lineStart = prose.lastIndexOf('\n', match.index) + 1;
      const lead = prose.slice(lineStart, match.index);
      if (
        /^\s*(?:received|message-id|references|in-reply-to|from|by|return-path|to|cc|reply-to|sender|sent|date|subject|envelope-from|\(envelope-from)\b/i.test(
          lead,
        )
      )
        continue;
      pushAddress(named, address);
    }
  }
  if (named.length === 0 && originalTo.length === 1) named.push(originalTo[0]!);

  const lower = prose.toLowerCase();
  const starts = named.map((address) => lower.indexOf(address));
  return named.map((address, i) => {
    const start = starts[i]! >= 0 ? starts[i]! : 0;
    const next = starts.filter((at) => at > start).sort((a, b) => a - b)[0];
    // From the start of the line that names the address: "Unknown user: ana@…" says why before it.
    const lineStart = prose.lastIndexOf('\n', start) + 1;
    const window = starts[i]! >= 0 ? prose.slice(lineStart, Math.min(next ?? prose.length, start + 1500)) : prose;
    const status = statusCode(window) ?? (named.length === 1 ? statusCode(prose) : null);
    return recipient(
      address,
      status,
      action,
      diagnosticLine(window) ?? (named.length === 1 ? diagnosticLine(prose) : null),
      window,
    );
  });
}

/** The line of prose that carries the server's reply (`550 5.1.1 …`), tidied. */
function diagnosticLine(text: string): string | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/(?:^|[\s(#:'"])[45]\d\d[\s-]|(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?!\.?\d)/.test(line)) {
      const more = /[45]\d\d-/.test(line) ? ` ${lines[i + 1] ?? ''}` : '';
      const clean = `${line}${more}`.replace(/\s+/g, ' ').trim();
      return clean.length > 500 ? `${clean.slice(0, 497)}…` : clean;
    }
  }
  return null;
}
