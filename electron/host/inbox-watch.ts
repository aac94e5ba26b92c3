import { ImapFlow, type FetchMessageObject, type MessageStructureObject } from 'imapflow';
import type { ImapSettings } from '../../core/host/contract';

/**
 * The host's INBOX watcher (SPEC §11, ARCHITECTURE "One reply, end to end", step 1): one
 * imapflow connection per mailbox, the INBOX opened read-only (IMAP EXAMINE, RFC 3501
 * §6.3.2) so no flag is ever set, new mail noticed by IDLE (RFC 2177) where the server offers
 * it, else by a poll. From the last UID the app stored it hands over each new message's raw
 * header block, its BODYSTRUCTURE and its text parts (never an attachment), in batches, in UID
 * order. A changed UIDVALIDITY (RFC 3501 §2.3.1.1) means the stored UID no longer names the
 * same message: the INBOX is read again from the start, and a message already handed over
 * (same Message-ID) is not handed over again. A dropped connection is reopened with backoff;
 * a refused password or an unreachable server becomes a status in words a salesperson reads.
 */

/** A mailbox's IMAP server, as the contract defines it (port 993 for `tls`, 143 for `starttls` / `none`, as a rule). */
export type { ImapSettings };

/** Where the last run stopped: the INBOX's UIDVALIDITY (decimal, it can exceed 2^31) and the last UID handed over. */
export interface InboxCursor {
  uidValidity: string;
  lastUid: number;
}

/** One BODYSTRUCTURE node as plain data (safe to send over IPC). */
export interface InboxPart {
  /** IMAP section number (`1`, `2.1`); absent on a single-part message's root. */
  part?: string;
  /** Content-Type, lowercase (`text/plain`, `multipart/report`). */
  type: string;
  parameters?: Record<string, string>;
  disposition?: string;
  /** Octets as the server counts them (encoded). */
  size?: number;
  children?: InboxPart[];
}

/** One text part, decoded from its transfer encoding and charset to a string. */
export interface InboxTextPart {
  part: string;
  /** `text/plain`, `text/html`, `message/delivery-status`, `text/rfc822-headers`, or `message/rfc822` (its header block only). */
  type: string;
  text: string;
  /** True when the part was longer than {@link TEXT_PART_MAX_BYTES} and only its start was read. */
  truncated: boolean;
}

export interface InboxMessage {
  uid: number;
  /** `<id@domain>` as the message's Message-ID header gives it, or null when it has none. */
  messageId: string | null;
  /** The header block exactly as received (RFC 5322, CRLF line ends, folded lines kept). */
  rawHeaders: string;
  /** When the server received it (IMAP INTERNALDATE), UTC ms; absent when the server gave none. */
  receivedAt?: number;
  /** Whole message, octets. */
  size: number;
  structure: InboxPart;
  textParts: InboxTextPart[];
}

export interface InboxBatch {
  mailboxId: string;
  uidValidity: string;
  /** True while the INBOX is read again after a UIDVALIDITY change. */
  rescan: boolean;
  /**
   * In UID order; never a message handed over before in this watcher's life or named in
   * `knownMessageIds`. Empty when every message of the batch was known (a rescan): the cursor still moved.
   */
  messages: InboxMessage[];
  /** The cursor to store once this batch is applied; the next start passes it back. */
  cursor: InboxCursor;
}

/**
 * What the watcher is doing, for Settings and the Live Feed. `message` is the sentence to
 * show; `retryAt` (UTC ms) is when it tries again by itself.
 */
export type InboxStatus =
  | { state: 'connecting' }
  | { state: 'watching'; mode: 'idle' | 'poll' }
  | { state: 'rescan'; message: string; from: string; to: string }
  | { state: 'auth-failed'; message: string }
  | { state: 'unreachable'; message: string; retryAt: number }
  | { state: 'error'; message: string; retryAt: number }
  | { state: 'stopped' };

export interface InboxWatchOptions {
  mailboxId: string;
  imap: ImapSettings;
  password: string;
  /** The cursor the app stored after the last batch it applied; null on the first connection (the whole INBOX is read). */
  cursor: InboxCursor | null;
  /** Message-IDs the app already has (from a previous run), never handed over again on a rescan. */
  knownMessageIds?: Iterable<string>;
  /** Called for each batch, in order; the next batch waits for it. If it throws, the cursor does not move and the watcher reconnects. */
  onBatch: (batch: InboxBatch) => void | Promise<void>;
  onStatus?: (status: InboxStatus) => void;
  /** Poll interval when the server has no IDLE (or `useIdle` is false), ms. Default 2 minutes (SPEC §11). */
  pollIntervalMs?: number;
  /** False: poll even when the server offers IDLE. Default true. */
  useIdle?: boolean;
  /** Waits before each reconnect, ms; the last one repeats. Default 5 s, 30 s, 2 min, 5 min. */
  backoffMs?: readonly number[];
  /** Messages per batch. Default 100. */
  batchSize?: number;
  now?: () => number;
}

export const DEFAULT_POLL_INTERVAL_MS = 2 * 60_000;
export const DEFAULT_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000, 300_000];
/** At most this much of one text part is read (a 50 MB message costs no more than its first text). */
export const TEXT_PART_MAX_BYTES = 256 * 1024;
/** At most this many text parts per message are read. */
const TEXT_PARTS_MAX = 16;

/** Parts whose content is text the classifier reads, whatever their disposition (RFC 3464, 6522, 5965, 8098). */
const REPORT_TYPES = new Set([
  'message/delivery-status',
  'message/global-delivery-status',
  'message/disposition-notification',
  'message/global-disposition-notification',
  'message/feedback-report',
  'text/rfc822-headers',
  'text/rfc822-header',
]);
const EMBEDDED_MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);

/** Node's socket and DNS codes, and imapflow's own, that mean "the server could not be reached", and why in words. */
const UNREACHABLE_WHY: Record<string, string> = {
  ECONNREFUSED: 'nothing answers on that port',
  ENOTFOUND: 'the server name is not known',
  EAI_AGAIN: 'the server name is not known',
  EHOSTUNREACH: 'no network route to it',
  ENETUNREACH: 'no network route to it',
  ECONNRESET: 'the connection was cut',
  EPIPE: 'the connection was cut',
  NoConnection: 'the connection was cut',
  EConnectionClosed: 'the connection was cut',
  ClosedAfterConnectText: 'the connection was cut',
  ClosedAfterConnectTLS: 'the connection was cut',
  ETIMEDOUT: 'no answer in time',
  ETIMEOUT: 'no answer in time',
  CONNECT_TIMEOUT: 'no answer in time',
  GREETING_TIMEOUT: 'no answer in time',
};
const UNREACHABLE_CODES = new Set(Object.keys(UNREACHABLE_WHY));

/**
 * The status a failed connection or command means, in a salesperson's words: a refused
 * password (`auth-failed`, not retried by itself), an unreachable server (`unreachable`), or
 * anything else (`error`). `retryAt` is UTC ms.
 */
export function describeImapFailure(
  error: unknown,
  imap: ImapSettings,
  retryAt: number,
): Extract<InboxStatus, { state: 'auth-failed' | 'unreachable' | 'error' }> {
  const e = (error ?? {}) as {
    code?: unknown;
    authenticationFailed?: unknown;
    message?: unknown;
    responseText?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.authenticationFailed === true)
    return {
      state: 'auth-failed',
      message: `The mail server refused the password for ${imap.user} (${imap.host}). Enter the right password in Settings; Campaign Desk will not try again until then.`,
    };
  if (UNREACHABLE_CODES.has(code)) {
    const why = UNREACHABLE_WHY[code] ?? 'no answer in time';
    return {
      state: 'unreachable',
      message: `Cannot reach ${imap.host} on port ${imap.port} (${why}). Check the server and port in Settings and your connection; Campaign Desk tries again by itself.`,
      retryAt,
    };
  }
  const detail = String(e.responseText ?? e.message ?? error);
  return {
    state: 'error',
    message: `Reading the inbox on ${imap.host} failed: ${detail}. Campaign Desk tries again by itself.`,
    retryAt,
  };
}

/** An imapflow client for `imap` (TLS as its `security` says, quiet, Campaign Desk's timeouts); not connected yet. */
export function imapClient(
  imap: ImapSettings,
  password: string,
  extra: { disableAutoIdle?: boolean; autoIdleDelay?: number; pollIntervalMs?: number } = {},
): ImapFlow {
  const { pollIntervalMs, ...flags } = extra;
  return new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.security === 'tls',
    // `none` never upgrades; `starttls` insists (no silent fallback to plain text).
    doSTARTTLS: imap.security === 'starttls' ? true : imap.security === 'none' ? false : undefined,
    auth: { user: imap.user, pass: password },
    logger: false,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    // IDLE is renewed well inside the 5-minute socket timeout (RFC 2177 asks for under 29 minutes).
    maxIdleTime: 4 * 60_000,
    // A poll's NOOP must come before the socket counts as dead.
    socketTimeout: Math.max(5 * 60_000, (pollIntervalMs ?? 0) + 60_000),
    clientInfo: { name: 'Campaign Desk' },
    ...flags,
  });
}

/**
 * Settings' **Test connection** for IMAP: logs in, opens INBOX read-only (EXAMINE) and logs
 * out. Returns whether the server offers IDLE, or the failure as {@link describeImapFailure}
 * words it. Never throws; changes nothing on the server.
 */
export async function verifyImap(
  imap: ImapSettings,
  password: string,
): Promise<
  { ok: true; idle: boolean; messages: number } | { ok: false; status: ReturnType<typeof describeImapFailure> }
> {
  const client = imapClient(imap, password, { disableAutoIdle: true });
  client.on('error', () => {});
  try {
    await client.connect();
    const box = await client.mailboxOpen('INBOX', { readOnly: true });
    const result = { ok: true as const, idle: client.capabilities.has('IDLE'), messages: box.exists };
    await client.logout();
    return result;
  } catch (error) {
    client.close();
    return { ok: false, status: describeImapFailure(error, imap, Date.now()) };
  }
}

/** BODYSTRUCTURE as plain data. */
function plainPart(node: MessageStructureObject): InboxPart {
  const out: InboxPart = { type: node.type.toLowerCase() };
  if (node.part) out.part = node.part;
  if (node.parameters) out.parameters = { ...node.parameters };
  if (node.disposition) out.disposition = node.disposition.toLowerCase();
  if (typeof node.size === 'number') out.size = node.size;
  // An embedded message's own tree is not described: its headers are all the classifier reads.
  if (node.childNodes && !EMBEDDED_MESSAGE_TYPES.has(out.type)) out.children = node.childNodes.map(plainPart);
  return out;
}

interface WantedParts {
  /** Text and report parts: content fetched, decoded. */
  content: { part: string; type: string }[];
  /** Embedded messages (a bounce's returned mail): header block only. */
  headers: string[];
}

/**
 * The parts worth reading: inline `text/*` (not a `.txt` attachment), the report parts of
 * RFC 3464 / 6522 / 5965 / 8098 wherever they sit, and the header block of an embedded
 * message. Images, PDFs, archives and every other attachment are never fetched.
 */
export function wantedParts(root: MessageStructureObject): WantedParts {
  const wanted: WantedParts = { content: [], headers: [] };
  const visit = (node: MessageStructureObject): void => {
    const type = node.type.toLowerCase();
    const part = node.part ?? '1';
    if (type.startsWith('multipart/')) {
      for (const child of node.childNodes ?? []) visit(child);
    } else if (EMBEDDED_MESSAGE_TYPES.has(type)) {
      wanted.headers.push(part);
    } else if (REPORT_TYPES.has(type)) {
      wanted.content.push({ part, type });
    } else if (type.startsWith('text/') && node.disposition?.toLowerCase() !== 'attachment') {
      wanted.content.push({ part, type });
    }
  };
  visit(root);
  wanted.content = wanted.content.slice(0, TEXT_PARTS_MAX);
  wanted.headers = wanted.headers.slice(0, TEXT_PARTS_MAX);
  return wanted;
}

/** Bytes in a MIME charset to a string (WHATWG encodings through Node's ICU); an unknown charset reads as UTF-8. */
function decodeCharset(content: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(content);
  } catch {
    return new TextDecoder('utf-8').decode(content);
  }
}

/** The dedupe key: the Message-ID, else the header block itself (a message without one is rare and never the app's). */
function dedupeKey(message: { messageId: string | null; rawHeaders: string }): string {
  return message.messageId ?? `headers:${message.rawHeaders}`;
}

/** Thrown inside a sync whose connection was stopped or replaced: that connection has nothing more to do. */
class Stopped extends Error {}

/**
 * Watches one mailbox's INBOX until {@link InboxWatcher.stop}. Construct, then `start()`.
 * Each batch goes to `onBatch` (awaited, in order); statuses go to `onStatus`.
 */
export class InboxWatcher {
  private client: ImapFlow | null = null;
  private cursor: InboxCursor | null;
  private readonly handed = new Set<string>();
  private rescanning = false;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** The running sync, and whether new mail arrived while it ran (then it runs once more). */
  private syncing: Promise<void> | null = null;
  private syncingFor: ImapFlow | null = null;
  private again = false;
  private lastStatus: InboxStatus = { state: 'stopped' };
  private readonly now: () => number;

  constructor(private readonly options: InboxWatchOptions) {
    this.cursor = options.cursor ? { ...options.cursor } : null;
    for (const id of options.knownMessageIds ?? []) this.handed.add(id);
    this.now = options.now ?? Date.now;
  }

  /** The last status reported. */
  get status(): InboxStatus {
    return this.lastStatus;
  }

  /** Opens the connection; resolves once the first attempt connected and caught up, or failed (the status says which). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /** Closes the connection and every timer; no batch or status follows except `stopped`. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.reconnectTimer = this.pollTimer = null;
    const client = this.client;
    this.client = null;
    if (client) {
      await Promise.race([client.logout().catch(() => client.close()), new Promise((r) => setTimeout(r, 2_000))]);
      client.close();
    }
    await this.syncing?.catch(() => {});
    this.report({ state: 'stopped' });
  }

  private report(status: InboxStatus): void {
    this.lastStatus = status;
    if (!this.stopped || status.state === 'stopped') this.options.onStatus?.(status);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { imap, password } = this.options;
    this.report({ state: 'connecting' });
    const useIdle = this.options.useIdle !== false;
    // IDLE starts 1 s after the last command (imapflow's 15 s default would leave new mail unseen that long).
    const pollIntervalMs = this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const client = imapClient(
      imap,
      password,
      useIdle ? { autoIdleDelay: 1_000, pollIntervalMs } : { disableAutoIdle: true, pollIntervalMs },
    );
    this.client = client;
    // imapflow emits 'error' before 'close'; the close handler decides what happens next.
    let failure: unknown = null;
    client.on('error', (error: unknown) => {
      failure = error;
    });
    client.on('close', () => {
      if (this.client !== client || this.stopped) return;
      this.client = null;
      if (this.pollTimer) clearInterval(this.pollTimer);
      this.pollTimer = null;
      this.retryLater(failure ?? Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    });
    try {
      await client.connect();
      const box = await client.mailboxOpen('INBOX', { readOnly: true });
      const uidValidity = box.uidValidity.toString();
      if (this.cursor && this.cursor.uidValidity !== uidValidity) {
        this.report({
          state: 'rescan',
          message: `The mail server renumbered the inbox of ${imap.user}; Campaign Desk reads it again and acts on nothing twice.`,
          from: this.cursor.uidValidity,
          to: uidValidity,
        });
        this.rescanning = true;
        this.cursor = { uidValidity, lastUid: 0 };
      } else if (!this.cursor) {
        this.cursor = { uidValidity, lastUid: 0 };
      }
      // Listening before the first catch-up: mail that arrives during it is read right after.
      client.on('exists', () => void this.sync().catch((error: unknown) => this.failed(client, error)));
      await this.sync();
      if (this.stopped || this.client !== client) return;
      this.attempt = 0;
      const idle = useIdle && client.capabilities.has('IDLE');
      if (!idle) {
        this.pollTimer = setInterval(() => {
          void client
            .noop()
            .then(() => this.sync())
            .catch((error: unknown) => this.failed(client, error));
        }, pollIntervalMs);
      }
      this.report({ state: 'watching', mode: idle ? 'idle' : 'poll' });
    } catch (error) {
      if (error instanceof Stopped) return;
      this.failed(client, error);
    }
  }

  /** A connection failed: drop it and schedule the next attempt (none after a refused password). */
  private failed(client: ImapFlow, error: unknown): void {
    if (error instanceof Stopped || this.stopped || this.client !== client) return;
    this.client = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    client.close();
    this.retryLater(error);
  }

  private retryLater(error: unknown): void {
    if (this.stopped) return;
    const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF_MS;
    const wait = backoff[Math.min(this.attempt, backoff.length - 1)] ?? 60_000;
    this.attempt += 1;
    const status = describeImapFailure(error, this.options.imap, this.now() + wait);
    this.report(status);
    if (status.state === 'auth-failed') return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, wait);
  }

  /** Reads every message after the cursor, batch by batch; runs once more if mail arrived meanwhile. */
  private sync(): Promise<void> {
    const client = this.client;
    if (this.syncing) {
      if (this.syncingFor === client) {
        this.again = true;
        return this.syncing;
      }
      // A sync of a connection that just dropped is still winding down: this one starts after it.
      return this.syncing.catch(() => {}).then(() => this.sync());
    }
    if (!client) return Promise.resolve();
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        await this.readNew(client);
      } while (this.again && !this.stopped && this.client === client);
    };
    this.syncingFor = client;
    this.syncing = run().finally(() => {
      this.syncing = null;
      this.syncingFor = null;
    });
    return this.syncing;
  }

  private async readNew(client: ImapFlow): Promise<void> {
    const start = this.cursor;
    if (this.client !== client || !start) throw new Stopped();
    // `UID n:*` always includes the highest UID even when it is below n (RFC 3501 §6.4.8): filter.
    const found = await client.search({ uid: `${start.lastUid + 1}:*` }, { uid: true });
    const uids = (found || []).filter((uid) => uid > start.lastUid).sort((a, b) => a - b);
    const size = this.options.batchSize ?? 100;
    for (let i = 0; i < uids.length; i += size) {
      if (this.stopped || this.client !== client) throw new Stopped();
      const chunk = uids.slice(i, i + size);
      const messages = await this.fetchBatch(client, chunk);
      const fresh = messages.filter((m) => !this.handed.has(dedupeKey(m)));
      const next: InboxCursor = { uidValidity: start.uidValidity, lastUid: chunk[chunk.length - 1]! };
      // Handed over even when every message was known (a rescan): the app stores the cursor it carries.
      await this.options.onBatch({
        mailboxId: this.options.mailboxId,
        uidValidity: start.uidValidity,
        rescan: this.rescanning,
        messages: fresh,
        cursor: next,
      });
      for (const m of fresh) this.handed.add(dedupeKey(m));
      // A connection replaced meanwhile has its own cursor (perhaps a new UIDVALIDITY): leave it.
      if (this.client !== client) throw new Stopped();
      this.cursor = next;
    }
    this.rescanning = false;
  }

  /** Headers and structure of `uids` in one FETCH, then each message's text parts (BODY.PEEK, capped). */
  private async fetchBatch(client: ImapFlow, uids: number[]): Promise<InboxMessage[]> {
    const fetched: FetchMessageObject[] = [];
    // Nothing else may run on the connection while a FETCH streams: collect first.
    for await (const message of client.fetch(
      uids.join(','),
      { uid: true, headers: true, bodyStructure: true, internalDate: true, size: true, envelope: true },
      { uid: true },
    ))
      fetched.push(message);
    fetched.sort((a, b) => a.uid - b.uid);
    const out: InboxMessage[] = [];
    for (const message of fetched) {
      if (!message.bodyStructure) continue;
      const wanted = wantedParts(message.bodyStructure);
      const textParts: InboxTextPart[] = [];
      if (wanted.content.length > 0) {
        const parts = await client.downloadMany(
          String(message.uid),
          wanted.content.map((p) => p.part),
          { uid: true, maxBytes: TEXT_PART_MAX_BYTES },
        );
        for (const { part, type } of wanted.content) {
          const got = parts[part];
          if (!got?.content) continue;
          const full = bodyPartSize(message.bodyStructure, part);
          textParts.push({
            part,
            type,
            text: decodeCharset(got.content, got.meta?.charset),
            truncated: full !== undefined && full > TEXT_PART_MAX_BYTES,
          });
        }
      }
      if (wanted.headers.length > 0) {
        const got = await client.fetchOne(
          String(message.uid),
          { bodyParts: wanted.headers.map((part) => `${part}.HEADER`) },
          { uid: true },
        );
        for (const part of wanted.headers) {
          const block = got ? findBodyPart(got.bodyParts, `${part}.HEADER`) : undefined;
          if (block) textParts.push({ part, type: 'message/rfc822', text: block.toString('utf8'), truncated: false });
        }
      }
      textParts.sort((a, b) => comparePartNumbers(a.part, b.part));
      out.push({
        uid: message.uid,
        messageId: message.envelope?.messageId ?? null,
        rawHeaders: message.headers?.toString('utf8') ?? '',
        // No INTERNALDATE: left out, never "now" (old mail must not look newly received).
        ...(message.internalDate ? { receivedAt: new Date(message.internalDate).getTime() } : {}),
        size: message.size ?? 0,
        structure: plainPart(message.bodyStructure),
        textParts,
      });
    }
    return out;
  }
}

function findBodyPart(parts: Map<string, Buffer> | undefined, key: string): Buffer | undefined {
  if (!parts) return undefined;
  const wanted = key.toLowerCase();
  for (const [k, v] of parts) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

function bodyPartSize(root: MessageStructureObject, part: string): number | undefined {
  if ((root.part ?? '1') === part && !root.childNodes) return root.size;
  for (const child of root.childNodes ?? []) {
    const size = bodyPartSize(child, part);
    if (size !== undefined) return size;
  }
  return undefined;
}

function comparePartNumbers(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
