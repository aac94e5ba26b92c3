import { CallRefused, InputError } from '../../core/errors';
import {
  hostCalls,
  isHostCallName,
  type AppInfo,
  type HostEventName,
  type HostCallInput,
  type HostError,
  type HostEventPayload,
  type HostHandlers,
  type HostReply,
} from '../../core/host/contract';
import { parseOrThrow } from '../../core/validate';
import { machineZone } from '../../core/zones';
import { InboxWatcher, verifyImap, type InboxStatus } from './inbox-watch';
import { rebuildRawMessage } from './inbox-raw';
import { Mailer } from './mailer';
import { saveToSent } from './sent-folder';
import { Scheduler, realClock, type Clock } from './scheduler';

/**
 * The host services in plain Node (no `electron` import), shared by Electron main
 * and the web host: the scheduler, the mailer, secrets, and in test mode a movable
 * clock and a forced-offline switch.
 */

/** Where secrets live: Electron's safeStorage in the app, memory in the web host. */
export interface SecretStore {
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

/**
 * The web host's secret store: memory only, so a password typed into the browser build
 * lasts until the host stops. `CAMPAIGN_DESK_SMTP_PASSWORD`, when set, answers for every
 * mailbox (for running the browser build against a real server).
 */
export function memorySecretStore(env: Record<string, string | undefined> = {}): SecretStore {
  const secrets = new Map<string, string>();
  return {
    set: async (key, value) => void secrets.set(key, value),
    get: async (key) => secrets.get(key) ?? (key.startsWith('smtp:') ? env.CAMPAIGN_DESK_SMTP_PASSWORD : undefined),
    delete: async (key) => void secrets.delete(key),
  };
}

/** A clock that runs in real time from a moved starting point (test mode); `set` moves it. */
export class MovableClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  set(now: number): void {
    this.offset = now - Date.now();
  }
  setTimeout(fire: () => void, ms: number): unknown {
    return realClock.setTimeout(fire, ms);
  }
  clearTimeout(handle: unknown): void {
    realClock.clearTimeout(handle);
  }
}

export interface HostOptions {
  host: AppInfo['host'];
  version: string;
  testMode?: boolean;
  secrets?: SecretStore;
  /** Shows a desktop notification (Electron); absent in the web host, where the page shows its own. */
  notify?: (title: string, body: string, tag: string, taskId?: string) => boolean;
  /** Receives the renderer's status (the desktop tray shows it); absent in the web host. */
  setStatus?: (status: AppStatus) => void;
  /** Whether the machine is online, as the platform sees it; test mode can force it off. */
  online?: () => boolean;
}

/** What `app/set-status` reports: the next due send (UTC ms) or null, and the open tasks count. */
export type AppStatus = HostCallInput<'app/set-status'>;

/** The running host: handlers for the contract, and the place its events go out. */
export interface Host {
  handlers: HostHandlers;
  /** Where events go: set by the transport (the web host's sockets, Electron's windows). */
  emit: <E extends HostEventName>(event: E, payload: HostEventPayload<E>) => void;
  /** The renderer's last `app/set-status` (null until it reports). */
  status: AppStatus | null;
  /** Re-checks due jobs (on resume, unlock, and every 60 s). */
  check(): void;
  /** Stops the scheduler, the mailer's connections and every INBOX watcher; resolves once the watchers logged out. */
  close(): Promise<void>;
}

/** Creates the host: one handler per call of the host contract, with its scheduler and mailer. */
export function createHost(options: HostOptions): Host {
  const clock = new MovableClock();
  const secrets = options.secrets ?? memorySecretStore();
  let forcedOffline = false;
  const online = () => !forcedOffline && (options.online?.() ?? true);
  const host: Host = {
    handlers: undefined as unknown as HostHandlers,
    emit: () => undefined,
    status: null,
    check: () => {
      scheduler.check();
      mailer.check();
    },
    close: async () => {
      scheduler.stop();
      mailer.close();
      clearInterval(ticker);
      clearInterval(netWatch);
      await inboxes.closeAll();
    },
  };
  const scheduler = new Scheduler((jobs) => host.emit('scheduler/due', { jobs, now: clock.now() }), clock);
  const mailer = new Mailer(
    (mailboxId) => secrets.get(`smtp:${mailboxId}`),
    () => clock.now(),
    { clock, held: (send) => host.emit('mail/held', send) },
  );
  const inboxes = new InboxWatchers(
    async (mailboxId) => (await secrets.get(`imap:${mailboxId}`)) ?? (await secrets.get(`smtp:${mailboxId}`)),
    (event, payload) => host.emit(event, payload),
  );
  // A periodic check catches a wall-clock jump or a sleep the timers missed.
  const ticker = setInterval(() => {
    scheduler.check();
    mailer.check();
  }, 60_000);
  ticker.unref?.();
  // The network is looked at every 5 s (a cheap call): the engine and the sync client both
  // take the host's word on it (one notion of online), so they hear of a change within seconds.
  let wasOnline = online();
  const netWatch = setInterval(() => {
    if (online() !== wasOnline) {
      wasOnline = online();
      host.emit('net/online-changed', { online: wasOnline });
    }
  }, 5_000);
  netWatch.unref?.();
  const testOnly = (name: string): void => {
    if (!options.testMode) throw new InputError([{ path: 'call', message: `"${name}" exists only in test mode` }]);
  };

  host.handlers = {
    'app/get-info': async () => ({
      name: 'Campaign Desk',
      version: options.version,
      host: options.host,
      platform: process.platform,
      // Safe to format with: an unknown machine zone (`Etc/Unknown`) becomes UTC (core/zones.ts).
      timeZone: machineZone().zone,
      testMode: options.testMode ?? false,
    }),
    'clock/now': async () => ({ now: clock.now() }),
    'secrets/set': async ({ key, value }) => {
      await secrets.set(key, value);
      await inboxes.passwordChanged(key);
      return {};
    },
    'secrets/has': async ({ key }) => ({ present: (await secrets.get(key)) !== undefined }),
    'secrets/delete': async ({ key }) => {
      await secrets.delete(key);
      await inboxes.passwordChanged(key);
      return {};
    },
    'scheduler/set': async ({ jobs, replace }) => {
      if (replace) scheduler.replaceAll(jobs);
      else scheduler.set(jobs);
      return { pending: scheduler.size };
    },
    'scheduler/remove': async ({ ids }) => {
      scheduler.remove(ids);
      return {};
    },
    'mail/send': async ({ mailboxId, smtp, limits, message, sentCopy, waitForSlot }) => {
      if (!online()) return { status: 'offline' };
      return mailer.send(mailboxId, smtp, limits, message, {
        keepRaw: sentCopy === true,
        waitForSlot: waitForSlot === true,
      });
    },
    'mail/set-sent-today': async ({ mailboxId, ...known }) => {
      mailer.tellSentToday(mailboxId, known);
      return {};
    },
    'mail/release-held': async ({ messageIds }) => ({ released: mailer.releaseHeld(messageIds) }),
    'mail/save-sent': async ({ mailboxId, imap, raw, messageId, sentAt }) => {
      if (!online())
        return {
          ok: false,
          state: 'unreachable',
          message: 'Offline: the copy is saved in Sent when the network is back.',
        };
      const pass = await inboxes.passwordFor(mailboxId);
      if (pass === undefined)
        return {
          ok: false,
          state: 'auth-failed',
          message: `No password is stored for ${imap.user} (${imap.host}). Enter it in Settings.`,
        };
      return saveToSent(imap, pass, raw, messageId, sentAt);
    },
    'mail/verify': async ({ mailboxId, smtp, password }) => mailer.verify(mailboxId, smtp, password),
    'inbox/verify': async ({ mailboxId, imap, password }) => {
      const pass = password ?? (await inboxes.passwordFor(mailboxId));
      if (pass === undefined) return { ok: false, state: 'auth-failed', message: noPasswordWords(imap) };
      const result = await verifyImap(imap, pass);
      // A test is one attempt: the watcher's "tries again by itself" is not true of it.
      if (!result.ok) return { ok: false, state: result.status.state, message: oneAttempt(result.status.message) };
      const found = `${result.messages} ${result.messages === 1 ? 'message' : 'messages'} in the inbox`;
      return {
        ok: true,
        idle: result.idle,
        message: result.idle
          ? `Connected: ${found}; replies are noticed as they arrive.`
          : `Connected: ${found}; this server cannot announce new mail, so Campaign Desk checks it every few minutes.`,
      };
    },
    'inbox/watch': async (input) => {
      await inboxes.watch(input);
      return {};
    },
    'inbox/unwatch': async ({ mailboxId }) => {
      await inboxes.unwatch(mailboxId);
      return {};
    },
    'notify/show': async ({ title, body, tag, taskId }) => ({
      shown: options.notify?.(title, body, tag, taskId) ?? false,
    }),
    'app/set-status': async (status) => {
      host.status = status;
      options.setStatus?.(status);
      return {};
    },
    'net/status': async () => ({ online: online() }),
    'sync/request': async ({ url, path, body }) => {
      if (!online()) return { status: 0, body: null, error: 'offline' };
      // The token is stored with the server address it was given for (`<url>\n<token>`) and
      // goes to that address only: a changed address gets no token until one is entered for it.
      const stored = (await secrets.get('sync:token')) ?? '';
      const cut = stored.indexOf('\n');
      const token = cut > 0 && stored.slice(0, cut) === url ? stored.slice(cut + 1) : undefined;
      return syncRequest(url, path, body, token);
    },
    'test/set-clock': async ({ now }) => {
      testOnly('test/set-clock');
      clock.set(now);
      host.emit('clock/changed', { now: clock.now() });
      scheduler.check();
      mailer.check();
      return { now: clock.now() };
    },
    'test/inbox-deliver': async (batch) => {
      testOnly('test/inbox-deliver');
      host.emit('inbox/messages', batch);
      return {};
    },
    'test/set-offline': async ({ offline }) => {
      testOnly('test/set-offline');
      forcedOffline = offline;
      wasOnline = online();
      host.emit('net/online-changed', { online: online() });
      return { online: online() };
    },
  };
  return host;
}

/** A watcher's sentence without what the watcher does next (retrying, or waiting for a new password). */
function oneAttempt(message: string): string {
  return message.replace(/; Campaign Desk (tries again by itself|will not try again until then)\.$/, '.');
}

/** The sentence for a mailbox whose inbox has no password in the secret store. */
function noPasswordWords(imap: { host: string; user: string }): string {
  return `No password is stored for ${imap.user} (${imap.host}). Enter it in Settings to read replies from this inbox.`;
}

/** The sentence Settings shows for a watcher's status (the watcher words the problems itself). */
export function inboxStatusWords(status: InboxStatus, pollIntervalMs: number): string {
  switch (status.state) {
    case 'watching':
      return status.mode === 'idle'
        ? 'Watching the inbox'
        : `Watching the inbox (checked every ${minutes(pollIntervalMs)})`;
    case 'connecting':
      return 'Connecting to the inbox…';
    case 'stopped':
      return 'Not watching the inbox';
    default:
      return status.message;
  }
}

function minutes(ms: number): string {
  const value = Math.round((ms / 60_000) * 10) / 10;
  return value === 1 ? '1 minute' : `${value} minutes`;
}

type InboxWatchInput = HostCallInput<'inbox/watch'>;

/**
 * One {@link InboxWatcher} per watched mailbox (`inbox/watch`), each batch sent on as
 * `inbox/messages` (raw messages rebuilt by {@link rebuildRawMessage}) and each status as
 * `inbox/status`. A watch with the same settings and password keeps the running watcher.
 */
interface InboxEntry {
  key: string;
  watcher: InboxWatcher | null;
  input: InboxWatchInput;
  /** The cursor of the last batch sent on: where a restart (a new password) resumes. */
  cursor: InboxWatchInput['cursor'];
}

class InboxWatchers {
  private readonly running = new Map<string, InboxEntry>();

  constructor(
    readonly passwordFor: (mailboxId: string) => Promise<string | undefined>,
    private readonly emit: Host['emit'],
  ) {}

  /**
   * A secret was stored or deleted: a watched mailbox whose password it is starts again with
   * it, from the last batch sent on (a wrong password is not retried until then).
   */
  async passwordChanged(secretKey: string): Promise<void> {
    const mailboxId = /^(?:smtp|imap):(.+)$/.exec(secretKey)?.[1];
    const current = mailboxId ? this.running.get(mailboxId) : undefined;
    if (current) await this.watch({ ...current.input, cursor: current.cursor });
  }

  async watch(input: InboxWatchInput): Promise<void> {
    const { mailboxId, imap, cursor, pollIntervalMs } = input;
    const password = await this.passwordFor(mailboxId);
    const key = JSON.stringify([imap, pollIntervalMs, password ?? null]);
    const current = this.running.get(mailboxId);
    // The same settings keep the running watcher, unless the app's stored cursor is behind what
    // this watcher already handed over (a page reloaded while batches were on their way: they
    // reached no one, so they are read again from what the app really stored).
    if (current?.key === key && !cursorBehind(cursor, current.cursor)) return;
    // Claimed before any await, so two watch calls racing start one watcher, not two.
    const entry: InboxEntry = { key, watcher: null, input, cursor };
    this.running.set(mailboxId, entry);
    await current?.watcher?.stop();
    if (this.running.get(mailboxId) !== entry) return;
    const status = (state: InboxStatus) => {
      // A replaced watcher's last words (`stopped`) are not the mailbox's status any more.
      if (this.running.get(mailboxId) !== entry) return;
      this.emit('inbox/status', {
        mailboxId,
        state: state.state,
        message: inboxStatusWords(state, pollIntervalMs),
        ...('retryAt' in state ? { retryAt: state.retryAt } : {}),
      });
    };
    if (password === undefined) {
      this.emit('inbox/status', { mailboxId, state: 'auth-failed', message: noPasswordWords(imap) });
      return;
    }
    const watcher = new InboxWatcher({
      mailboxId,
      imap,
      password,
      cursor: cursor ? { uidValidity: String(cursor.uidValidity), lastUid: cursor.lastUid } : null,
      pollIntervalMs,
      onBatch: (batch) => {
        if (this.running.get(mailboxId) !== entry) return;
        entry.cursor = { uidValidity: Number(batch.cursor.uidValidity), lastUid: batch.cursor.lastUid };
        this.emit('inbox/messages', {
          mailboxId,
          uidValidity: Number(batch.cursor.uidValidity),
          lastUid: batch.cursor.lastUid,
          messages: batch.messages.map((m) => ({ uid: m.uid, raw: rebuildRawMessage(m), receivedAt: m.receivedAt })),
        });
      },
      onStatus: status,
    });
    entry.watcher = watcher;
    // Not awaited: a first catch-up of a big INBOX, or a server that does not answer, takes a
    // while; the call answers at once and `inbox/status` tells how it goes.
    void watcher.start();
  }

  async unwatch(mailboxId: string): Promise<void> {
    const current = this.running.get(mailboxId);
    this.running.delete(mailboxId);
    await current?.watcher?.stop();
  }

  async closeAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((entry) => entry.watcher?.stop()));
  }
}

/**
 * Validates `rawInput` against the contract's schema for `name`, then runs its handler.
 * @throws CallRefused (`not-found`) for an unknown call, InputError for an input the schema
 *   refuses (the message names the field and the value); nothing runs in either case.
 */
export async function dispatch(handlers: HostHandlers, name: string, rawInput: unknown): Promise<unknown> {
  if (!isHostCallName(name)) throw new CallRefused('not-found', 'call', `${JSON.stringify(name)} is not a host call`);
  const input = parseOrThrow(hostCalls[name].input, rawInput ?? {}, 'input');
  const handler = handlers[name] as (input: unknown) => Promise<unknown>;
  return handler(input);
}

/**
 * Runs one call as {@link dispatch} does and answers it as data, for both transports (Electron's
 * IPC and the web host's WebSocket): `{ ok: true, data }`, or `{ ok: false, error }` with the
 * error classified by {@link toHostError}. Never rejects.
 */
export async function answer(handlers: HostHandlers, name: string, rawInput: unknown): Promise<HostReply> {
  try {
    return { ok: true, data: await dispatch(handlers, name, rawInput) };
  } catch (error) {
    return { ok: false, error: toHostError(error) };
  }
}

/**
 * Classifies what a call threw (contract `HostError`): an {@link InputError} is `invalid-input`
 * on its first problem's path, a {@link CallRefused} keeps its type and path, anything else is
 * `internal` (no path) with its own message.
 */
export function toHostError(error: unknown): HostError {
  if (error instanceof InputError)
    return { type: 'invalid-input', path: error.problems[0]?.path ?? '', message: error.message };
  if (error instanceof CallRefused) return { type: error.type, path: error.path, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'internal', path: '', message: message || 'the host failed without saying why' };
}

/** How long a sync request may take: a health check is quick, a push of a week's changes is not. */
const SYNC_TIMEOUT_MS = { '/health': 5_000, '/push': 120_000, '/pull': 60_000, '/workspace': 10_000 } as const;

/**
 * One HTTP request to the sync server with the bearer token (docs/SYNC.md).
 * @returns `{ status, body }` (the server's JSON), or `{ status: 0, error }` when it could not be reached.
 */
export async function syncRequest(
  base: string,
  path: keyof typeof SYNC_TIMEOUT_MS,
  body: unknown,
  token: string | undefined,
): Promise<{ status: number; body: unknown; error?: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(new URL(path.slice(1), base.endsWith('/') ? base : `${base}/`), {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(SYNC_TIMEOUT_MS[path]),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the error message
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message =
      (error as Error).name === 'TimeoutError'
        ? 'the server did not answer in time'
        : cause === 'ECONNREFUSED'
          ? 'nothing answers at that address (is the server running?)'
          : cause === 'ENOTFOUND'
            ? 'that server name does not resolve'
            : (error as Error).message;
    return { status: 0, body: null, error: message };
  }
}

/**
 * Whether the cursor the app stored (`given`) is behind the one a running watcher already
 * handed over (`handed`): another UIDVALIDITY, or a lower last UID, or none at all after batches went.
 */
function cursorBehind(
  given: { uidValidity: number; lastUid: number } | undefined,
  handed: { uidValidity: number; lastUid: number } | undefined,
): boolean {
  if (!handed) return false;
  if (!given) return true;
  return given.uidValidity !== handed.uidValidity || given.lastUid < handed.lastUid;
}
