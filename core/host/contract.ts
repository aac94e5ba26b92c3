import { z } from 'zod';

/**
 * The one typed contract between the renderer and its host (Electron main over
 * IPC, or the Node web host over a WebSocket). Every call and event the renderer
 * can use is named here, with zod schemas that the host validates each input
 * against before acting. Names read `domain/verb-kebab`.
 *
 * Recipe, "add a host call": add an entry to {@link hostCalls}, implement it in
 * `electron/host/services.ts` (TypeScript will insist), call it from the renderer
 * with `host.call('domain/verb', input)`.
 */

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** Which host serves the renderer: the desktop app, or the web host for the browser build. */
  host: z.enum(['electron', 'web']),
  platform: z.string(),
  /** The host machine's zone, safe to format with: UTC when the machine's own is unknown (`Etc/Unknown`). */
  timeZone: z.string(),
  /** True only for a web host started with `--test-mode` (movable clock, forced offline). */
  testMode: z.boolean(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const NoInput = z.object({}).strict();

/**
 * A secret's name: `smtp:<mailbox id>` (the SMTP password), `imap:<mailbox id>` (the IMAP
 * password, when it differs from the SMTP one), or `sync:token` (the team server's bearer token).
 */
const SecretKey = z.string().regex(/^((smtp|imap):[A-Za-z0-9-]{1,64}|sync:token)$/, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a secret name (smtp:<mailbox id>, imap:<mailbox id> or sync:token)`,
});

/** The longest password or token the secret store and the mail checks take, in characters. */
const SECRET_MAX = 4096;

/**
 * A password or token (1 to {@link SECRET_MAX} characters). Its refusal says how long it was,
 * never what it was: a secret is not shown back on screen.
 */
const SecretValue = z.string().refine((value) => value.length >= 1 && value.length <= SECRET_MAX, {
  error: (issue) => {
    const length = typeof issue.input === 'string' ? issue.input.length : 0;
    return length === 0
      ? 'is empty'
      : `is ${length} characters long; a password or token has at most ${SECRET_MAX} (check what was pasted)`;
  },
});

const HeaderSafe = z.string().refine((value) => !/[\r\n]/.test(value), { error: 'cannot contain a line break' });
const MessageId = z.string().regex(/^<[^<>\s@]+@[^<>\s@]+>$/, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a Message-ID (<id@domain>)`,
});
const Address = z.object({ name: HeaderSafe, address: z.email() });

export const SmtpSettings = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls', 'none']),
  user: z.string(),
});
export type SmtpSettings = z.infer<typeof SmtpSettings>;

/** A mailbox's IMAP server (SPEC §11): where its INBOX is read. The password is in the secret store. */
export const ImapSettings = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls', 'none']),
  user: z.string().min(1),
});
export type ImapSettings = z.infer<typeof ImapSettings>;

/** IMAP UIDVALIDITY and UIDs are unsigned 32-bit numbers (RFC 3501 §2.3.1.1). */
const Uid32 = z.number().int().min(0).max(4_294_967_295);

/** Where a mailbox's INBOX was read up to: its UIDVALIDITY and the last UID the app applied. */
export const InboxCursor = z.object({ uidValidity: Uid32, lastUid: Uid32 });
export type InboxCursor = z.infer<typeof InboxCursor>;

/**
 * What a mailbox's INBOX watcher is doing (`inbox/status`): `watching` (IDLE or polling),
 * `connecting`, `rescan` (the server renumbered the INBOX: read again, nothing acted on twice),
 * `auth-failed` (wrong or missing password: not retried until the settings change),
 * `unreachable` / `error` (retried by itself at `retryAt`), `stopped`.
 */
export const InboxState = z.enum([
  'connecting',
  'watching',
  'rescan',
  'auth-failed',
  'unreachable',
  'error',
  'stopped',
]);
export type InboxState = z.infer<typeof InboxState>;

/** Poll interval bounds for a server without IDLE, ms: 30 s to 1 hour (SPEC §11's default is 2 minutes). */
export const INBOX_POLL_MIN_MS = 30_000;
export const INBOX_POLL_MAX_MS = 3_600_000;

/** One scheduled job: the renderer's id (an enrollment id) and when it falls due, UTC ms. */
export const Job = z.object({ id: z.string().min(1).max(200), dueAt: z.number().finite() });

export const SendOutcome = z.discriminatedUnion('status', [
  /** `deliveredMessageId`: the id the recipient got, when the server replaced ours (SPEC §5). */
  z.object({
    status: z.literal('sent'),
    response: z.string(),
    at: z.number(),
    deliveredMessageId: z.string().optional(),
    /**
     * The message exactly as it went on the wire (headers and body, CRLF line ends), asked for
     * with `sentCopy: true`: what goes into the Sent folder. Its Message-ID is the delivered
     * one when the provider replaced ours.
     */
    raw: z.string().optional(),
  }),
  z.object({ status: z.literal('retry'), code: z.number().nullable(), message: z.string() }),
  z.object({ status: z.literal('failed'), code: z.number().nullable(), message: z.string() }),
  z.object({ status: z.literal('deferred'), until: z.number(), reason: z.enum(['daily-limit', 'min-gap']) }),
  z.object({ status: z.literal('unknown'), message: z.string() }),
  /** The host has no network: nothing was attempted (SPEC §5); it goes when the network returns. */
  z.object({ status: z.literal('offline') }),
]);
export type SendOutcome = z.infer<typeof SendOutcome>;

/** A batch of messages read from one mailbox's INBOX (the `inbox/messages` event). */
const InboxMessagesPayload = z.object({
  mailboxId: z.string(),
  uidValidity: Uid32,
  lastUid: Uid32,
  /** `receivedAt`: when the server received it (IMAP INTERNALDATE), UTC ms: unlike the `Date` header, not the sender's clock. */
  messages: z.array(z.object({ uid: Uid32, raw: z.string(), receivedAt: z.number().optional() })),
});

/** Every call the renderer can make of the host: input and output schemas. */
export const hostCalls = {
  'app/get-info': { input: NoInput, output: AppInfo },
  /** The host's clock, UTC ms: the real one, or the movable test clock in test mode. */
  'clock/now': { input: NoInput, output: z.object({ now: z.number() }) },
  /**
   * Stores a secret (a mailbox's SMTP password) in the host's secret store: Electron's
   * safeStorage in the app, memory (or an environment variable) in the web host. Secrets
   * never enter IndexedDB.
   */
  'secrets/set': {
    input: z.object({ key: SecretKey, value: SecretValue }).strict(),
    output: z.object({}),
  },
  'secrets/has': { input: z.object({ key: SecretKey }).strict(), output: z.object({ present: z.boolean() }) },
  'secrets/delete': { input: z.object({ key: SecretKey }).strict(), output: z.object({}) },
  /**
   * Arms jobs in the host's scheduler (same id: the new instant wins); `replace` drops every
   * job not listed. Due jobs come back as one `scheduler/due` event.
   */
  'scheduler/set': {
    input: z.object({ jobs: z.array(Job).max(200_000), replace: z.boolean().default(false) }).strict(),
    output: z.object({ pending: z.number() }),
  },
  'scheduler/remove': { input: z.object({ ids: z.array(z.string()) }).strict(), output: z.object({}) },
  /**
   * Sends one email over SMTP now, or says when it may go (SPEC §5, R11: the host keeps each
   * mailbox's counters). The Message-ID was fixed and stored when the send was claimed, so a
   * retry reuses it. `waitForSlot`: a send kept back by the minimum gap whose slot is near
   * waits in the host and then goes (a `mail/held` event says so at once); the answer is then
   * the send's outcome, or `deferred` if `mail/release-held` let it go first.
   */
  'mail/send': {
    input: z
      .object({
        mailboxId: z.string().min(1),
        smtp: SmtpSettings,
        limits: z.object({ dailyLimit: z.number().int().min(1), minGapMs: z.number().int().min(0), zone: z.string() }),
        message: z.object({
          from: Address,
          to: Address,
          subject: HeaderSafe,
          html: z.string(),
          text: z.string(),
          messageId: MessageId,
          inReplyTo: MessageId.optional(),
          references: z.array(MessageId).optional(),
          /**
           * SPEC §12, RFC 2369: the `List-Unsubscribe` value, `<mailto:…>` or `<https:…>, <mailto:…>`
           * (every automatic campaign email carries one; an email written by hand does not).
           */
          listUnsubscribe: HeaderSafe.pipe(
            z.string().regex(/^<(?:https:|mailto:)[^<>\s]+>(?:, <(?:https:|mailto:)[^<>\s]+>)*$/, {
              error: (issue) =>
                `${JSON.stringify(issue.input)} is not a List-Unsubscribe value (<mailto:…>, <https:…>)`,
            }),
          ).optional(),
          /** RFC 8058: `List-Unsubscribe=One-Click`, only with an https link in `listUnsubscribe`. */
          listUnsubscribePost: z.literal('List-Unsubscribe=One-Click').optional(),
        }),
        /** True: a sent outcome carries `raw`, the message as it went, for the copy in Sent. */
        sentCopy: z.boolean().optional(),
        waitForSlot: z.boolean().optional(),
      })
      .strict(),
    output: SendOutcome,
  },
  /**
   * SPEC R11 across restarts and devices: what the local database knows of a mailbox's
   * calendar day, told per mailbox when the engine starts, when a restarted host is reconnected
   * to, and after a pull brought sends. `since`: the start of that day in the mailbox's zone,
   * UTC ms; `sentToday`: this device's sends of that day; `elsewhere`: other devices' (pulled),
   * added on top; `lastSentAt`: the last send's instant, UTC ms. The host's own count of this
   * device's sends wins where higher; a count for a day that is not the mailbox's today is not used.
   */
  'mail/set-sent-today': {
    input: z
      .object({
        mailboxId: z.string().min(1).max(200),
        since: z.number().finite(),
        sentToday: z.number().int().min(0),
        elsewhere: z.number().int().min(0).optional(),
        lastSentAt: z.number().finite().nullable(),
      })
      .strict(),
    output: z.object({}),
  },
  /**
   * Lets sends waiting in the host for their slot (`waitForSlot`) go back at once, answered
   * `deferred` with their slot: nothing was attempted. `messageIds` absent: all of them (a
   * renderer starting again). Returns the Message-IDs let go; one already being sent is not.
   */
  'mail/release-held': {
    input: z.object({ messageIds: z.array(MessageId).max(200_000).optional() }).strict(),
    output: z.object({ released: z.array(z.string()) }),
  },
  /**
   * Saves a sent email in the mailbox's Sent folder over IMAP (APPEND, RFC 3501 §6.3.11, with
   * `\Seen` and the send's instant as its date): the folder the server marks `\Sent`
   * (SPECIAL-USE, RFC 6154), else one named Sent. A message already there with the same
   * Message-ID is not added again, so a try whose answer was lost is harmless to repeat.
   * Sends nothing over SMTP. The password is the stored `imap:<mailboxId>`, else `smtp:<mailboxId>`.
   * `message`: what happened, in words a salesperson reads; `state` says why it failed.
   */
  'mail/save-sent': {
    input: z
      .object({
        mailboxId: z.string().min(1).max(200),
        imap: ImapSettings,
        raw: z
          .string()
          .min(1)
          .max(50 * 1024 * 1024),
        messageId: MessageId,
        sentAt: z.number().finite(),
      })
      .strict(),
    output: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), folder: z.string(), already: z.boolean() }),
      z.object({
        ok: z.literal(false),
        state: z.enum(['auth-failed', 'unreachable', 'no-folder', 'error']),
        message: z.string(),
      }),
    ]),
  },
  /**
   * Settings' **Test connection** for SMTP: connects and logs in, sends nothing. `password`: the
   * one typed in the form and not stored yet; absent, the stored `smtp:<mailboxId>` one.
   * `message`: why it failed, in words a salesperson reads.
   */
  'mail/verify': {
    input: z.object({ mailboxId: z.string().min(1), smtp: SmtpSettings, password: SecretValue.optional() }).strict(),
    output: z.object({ ok: z.boolean(), message: z.string().optional() }),
  },
  /**
   * Settings' **Test connection** for IMAP: logs in, opens INBOX read-only, logs out; changes
   * nothing. `password`: the one typed in the form; absent, the stored `imap:<mailboxId>`, else
   * `smtp:<mailboxId>`. `message`: on success what was found (`idle`: new mail is noticed at
   * once), on failure why, in words a salesperson reads.
   */
  'inbox/verify': {
    input: z.object({ mailboxId: z.string().min(1), imap: ImapSettings, password: SecretValue.optional() }).strict(),
    output: z.object({
      ok: z.boolean(),
      state: InboxState.optional(),
      message: z.string(),
      idle: z.boolean().optional(),
    }),
  },
  /**
   * Watches a mailbox's INBOX (SPEC §11) until `inbox/unwatch` or the host stops: read-only,
   * IDLE or a poll every `pollIntervalMs`, from `cursor` (the last UID the app applied; absent,
   * the whole INBOX is read). New mail comes as `inbox/messages`, progress and problems as
   * `inbox/status`. The password is the stored `imap:<mailboxId>`, else `smtp:<mailboxId>`.
   * Calling it again with the same settings and password keeps the running watcher; with
   * other ones, restarts it from `cursor`.
   */
  'inbox/watch': {
    input: z
      .object({
        mailboxId: z.string().min(1).max(200),
        imap: ImapSettings,
        cursor: InboxCursor.optional(),
        pollIntervalMs: z.number().int().min(INBOX_POLL_MIN_MS).max(INBOX_POLL_MAX_MS),
      })
      .strict(),
    output: z.object({}),
  },
  /** Stops watching a mailbox's INBOX (a deleted mailbox, IMAP turned off); unknown ids are fine. */
  'inbox/unwatch': { input: z.object({ mailboxId: z.string().min(1).max(200) }).strict(), output: z.object({}) },
  /** Shows a desktop notification; `shown: false` where the host cannot (the page then uses its own). */
  'notify/show': {
    input: z
      .object({
        title: HeaderSafe,
        body: z.string().max(500),
        tag: z.string().max(200),
        /** The task this notification is about: clicking it opens that task (host sends `app/navigate`). */
        taskId: z.string().min(1).max(200).optional(),
      })
      .strict(),
    output: z.object({ shown: z.boolean() }),
  },
  /**
   * What the desktop tray shows: the next due send (UTC ms, or null when none is scheduled),
   * how many tasks are open, and how many due tasks the system showed no notification for
   * (`dueAlerts`: the app shows them itself until opened or dismissed). The web host only remembers it.
   */
  'app/set-status': {
    input: z
      .object({
        nextSendAt: z.number().finite().nullable(),
        openTasks: z.number().int().min(0).max(10_000_000),
        dueAlerts: z.number().int().min(0).max(10_000_000).optional(),
      })
      .strict(),
    output: z.object({}),
  },
  /**
   * One request to the team sync server (docs/SYNC.md), made by the host so the bearer token
   * (the `sync:token` secret) never enters the page. `status` 0 means the server could not
   * be reached (offline, refused, timed out: `error` says which); otherwise the server's
   * HTTP status and its JSON body.
   */
  'sync/request': {
    input: z
      .object({
        url: z.url({
          protocol: /^https?$/,
          error: (issue) => `${JSON.stringify(issue.input)} is not an http(s) address`,
        }),
        path: z.enum(['/health', '/push', '/pull', '/workspace']),
        body: z.unknown().optional(),
      })
      .strict(),
    output: z.object({ status: z.number().int(), body: z.unknown(), error: z.string().optional() }),
  },
  /** Whether the host can reach the network (SPEC §5: no send leaves while offline). */
  'net/status': { input: NoInput, output: z.object({ online: z.boolean() }) },
  /** Test mode only: moves the host's clock to `now` (UTC ms) and fires what falls due. */
  'test/set-clock': { input: z.object({ now: z.number().finite() }).strict(), output: z.object({ now: z.number() }) },
  /** Test mode only: forces the host offline, or back online. */
  'test/set-offline': { input: z.object({ offline: z.boolean() }).strict(), output: z.object({ online: z.boolean() }) },
  /**
   * Test mode only: sends `inbox/messages` as a watcher that read these raw RFC 5322 messages
   * would, so the browser tests can deliver a reply without an IMAP server.
   */
  'test/inbox-deliver': { input: InboxMessagesPayload.strict(), output: z.object({}) },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

/** Every event the host can send the renderer: payload schemas. */
export const hostEvents = {
  /** The host's view of the network changed (SPEC §5: no send leaves while offline). */
  'net/online-changed': z.object({ online: z.boolean() }),
  /**
   * A `mail/send` with `waitForSlot` waits in the host for its minimum-gap slot (R11), UTC ms:
   * it goes then, and its call answers with the outcome.
   */
  'mail/held': z.object({
    mailboxId: z.string(),
    messageId: z.string(),
    until: z.number(),
    reason: z.literal('min-gap'),
  }),
  /** Jobs whose instant has come, earliest first (each handed over once). */
  'scheduler/due': z.object({ jobs: z.array(Job), now: z.number() }),
  /**
   * A notification the host showed was not displayed after all (Electron's Notification
   * `failed` event: no notification server, notifications turned off): the window shows it
   * itself. `error` is the system's reason.
   */
  'notify/failed': z.object({
    title: z.string(),
    body: z.string(),
    taskId: z.string().optional(),
    error: z.string(),
  }),
  /**
   * New messages from a watched INBOX, in UID order: each the raw RFC 5322 message rebuilt
   * from its header block and text parts (attachments are never fetched: their parts are
   * there, empty). Store `{ uidValidity, lastUid }` once the batch is applied and pass it
   * back to `inbox/watch` as `cursor`. `messages` may be empty after a rescan (only the
   * cursor moved).
   */
  'inbox/messages': InboxMessagesPayload,
  /** A watched INBOX's state, with the sentence Settings and the Live Feed show; `retryAt` (UTC ms) when it tries again. */
  'inbox/status': z.object({
    mailboxId: z.string(),
    state: InboxState,
    message: z.string(),
    retryAt: z.number().optional(),
  }),
  /** The host's clock moved (test mode): the renderer's clock follows it. */
  'clock/changed': z.object({ now: z.number() }),
  /**
   * The host asks the window to show a route (a deep link, a menu item, a clicked
   * notification): `path` is a router path such as `/campaigns/<id>` or
   * `/command-center?task=<id>`, always starting with `/`.
   */
  'app/navigate': z.object({
    path: z
      .string()
      .regex(/^\/[^\s]*$/)
      .max(500),
  }),
} as const satisfies Record<string, z.ZodType>;

export type HostCallName = keyof typeof hostCalls;
export type HostCallInput<N extends HostCallName> = z.input<(typeof hostCalls)[N]['input']>;
export type HostCallOutput<N extends HostCallName> = z.output<(typeof hostCalls)[N]['output']>;
export type HostEventName = keyof typeof hostEvents;

/** One scheduled job (`scheduler/set`, `scheduler/due`): an id and its due instant, UTC ms. */
export type Job = z.infer<typeof Job>;
/** A validated `mail/send` input, as the host's handler receives it. */
export type MailSendInput = z.output<(typeof hostCalls)['mail/send']['input']>;
/** One email as it goes on the wire; header values carry no line breaks (the schema checks). */
export type OutgoingMessage = MailSendInput['message'];
/** A sender or recipient: display name (no line breaks) and address. */
export type Address = OutgoingMessage['from'];
/** SPEC R11 for one mailbox: daily limit, minimum gap (ms) and the IANA zone whose calendar day counts. */
export type SendLimits = MailSendInput['limits'];
export type HostEventPayload<E extends HostEventName> = z.output<(typeof hostEvents)[E]>;

/** The host's side: one handler per call, given a validated input. */
export type HostHandlers = {
  [N in HostCallName]: (input: z.output<(typeof hostCalls)[N]['input']>) => Promise<HostCallOutput<N>>;
};

/**
 * Why a host call gave no data, as every transport carries it (`{ ok: false, error }`):
 * - `invalid-input`: the contract's schema (or a rule of the call) refused the input; nothing ran.
 *   `path` names the field as the person would write it (`input.smtp.port`), and `message`
 *   reads `<path>: <reason>`, the refused value quoted.
 * - `not-found`: no such host call (`path` is `call`).
 * - `forbidden`: the caller may not make calls (a frame that is not the app's own page).
 * - `internal`: the host failed while acting (a secret store that cannot write, a bug);
 *   it may have acted in part.
 * - `unreachable`: the request never reached the host (no connection): the host did nothing.
 * - `lost`: the request went but the connection broke before the answer: the host may have acted.
 *
 * The last two are made by the renderer's transports, never sent by the host. A mail server's
 * own refusal (a wrong password, a closed port) is not an error of the call: it is the call's
 * answer (`mail/verify`'s `{ ok: false, message }`, a `retry` send outcome).
 */
export const HostErrorType = z.enum(['invalid-input', 'not-found', 'forbidden', 'internal', 'unreachable', 'lost']);
export type HostErrorType = z.infer<typeof HostErrorType>;

/** A host call's error as data: its {@link HostErrorType}, the field it is about (`''`: none), the words shown. */
export const HostError = z.object({ type: HostErrorType, path: z.string(), message: z.string() });
export type HostError = z.infer<typeof HostError>;

/**
 * What the host answers every call with, on both transports (Electron's IPC and the web host's
 * WebSocket): the call's output as `data`, or the {@link HostError}. The host never throws to
 * a transport, so Electron's rewriting of a rejected `ipcRenderer.invoke` ("Error invoking
 * remote method …") never reaches what the person reads.
 */
export const HostReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: HostError }),
]);
export type HostReply = z.infer<typeof HostReply>;

/**
 * What the renderer's host client offers, on either transport. Calls reject with the
 * renderer's `HostCallError` (type, path, message of a {@link HostError}) when the host
 * refuses an input or fails; the words are the same on both transports.
 */
export interface HostBridge {
  call<N extends HostCallName>(name: N, input: HostCallInput<N>): Promise<HostCallOutput<N>>;
  /** Subscribes to a host event; returns the function that unsubscribes. */
  on<E extends HostEventName>(event: E, listener: (payload: HostEventPayload<E>) => void): () => void;
}

/**
 * What the preload exposes as `window.campaignDesk`: the whole raw bridge. `call` resolves
 * with the host's {@link HostReply} (never rejected by the host); the renderer's client
 * unwraps it, in the same place as the WebSocket's replies.
 */
export interface PreloadBridge {
  call(name: HostCallName, input: unknown): Promise<HostReply>;
  /** Subscribes to a host event; returns the function that unsubscribes. */
  on<E extends HostEventName>(event: E, listener: (payload: HostEventPayload<E>) => void): () => void;
}

/** The WebSocket wire format of the web host (JSON text frames): a request, its reply by `id`, or an event. */
export type WireRequest = { id: number; call: string; input: unknown };
export type WireMessage = ({ id: number } & HostReply) | { event: string; payload: unknown };

export function isHostCallName(name: string): name is HostCallName {
  return Object.hasOwn(hostCalls, name);
}
