import { liveQuery, type Subscription } from 'dexie';
import type { Problem } from '../../../core/errors';
import { threeWayMerge } from '../../../core/sync/merge';
import {
  PUSH_MAX_BYTES,
  PUSH_MAX_MUTATIONS,
  PullResponse,
  PushResponse,
  SYNC_TABLES,
  TABLES,
  WorkspaceResponse,
  type Mutation,
  type PullRow,
  type RowValue,
  type Table as SyncTableName,
} from '../../../core/sync/protocol';
import { ignoreWrites } from '../db/capture';
import { countingPulledRows } from '../db/results';
import { announcePulled, now } from '../db/change';
import { useDb, type CampaignDeskDb } from '../db/database';
import { deviceIdOrCreate } from '../db/device';
import { keepCapturing, startCapture, SYNC_URL_KEY } from '../db/snapshot';
import { saveServerWorkspace } from '../db/unsubscribe';
import type { CampaignRecord, MailboxRecord, OutboxRecord, SuppressionRecord } from '../db/records';
import { stopSuppressed } from '../db/repos/inbox';
import { replanAfterPull } from '../db/repos/replan';
import type { HostClient } from '../host/client';
import { setAside } from './problems';

/**
 * The sync client (ARCHITECTURE.md "Sync", docs/SYNC.md): pushes this device's outbox to
 * the team server in mutation order, pulls what changed since its cookie, and applies it
 * under the changes still waiting to go (a row with a pending write keeps the local copy
 * until the server has merged it and sends it back). Requests go through the host
 * (`sync/request`), which holds the bearer token. Online means the server answered
 * `/health`; the host's own word (`net/status`, `net/online-changed`: the network of the
 * machine that makes the requests, as the engine hears it too) only short-cuts to offline
 * and starts a run when it comes back. Failures back off with jitter and retry by themselves.
 */

export type SyncPhase = 'off' | 'offline' | 'syncing' | 'synced' | 'error';

export interface SyncStatus {
  phase: SyncPhase;
  /** The server's address, when one is set. */
  url: string | null;
  /** When the last full sync (push and pull) ended, UTC ms. */
  lastSyncAt: number | null;
  /** The last error, in words; null after a good sync. */
  lastError: string | null;
}

/** Where the client keeps its state in the `meta` table. */
const META = { url: SYNC_URL_KEY, cookie: 'sync.cookie', lastSyncAt: 'sync.lastSyncAt' } as const;
/** Tables a pull writes into (the server's `conflicts` land in the local one). */
const LOCAL_TABLES: readonly string[] = TABLES;
/** Most JSON bytes (UTF-8) in one push of several mutations; a single bigger mutation goes alone. */
const PUSH_BATCH_BYTES = 4 * 1024 * 1024;
const encoder = new TextEncoder();
/** Backoff after a failure: 1 s doubling to 60 s, each with ±30 % jitter. */
const BACKOFF_MS = { first: 1_000, max: 60_000 };
/** How often a quiet, online client pulls. */
const POLL_MS = 30_000;
/** A burst of edits is pushed together, this long after the last one. */
const DEBOUNCE_MS = 400;

/** The server's error body, in words. */
function serverError(status: number, body: unknown): string {
  const text = (body as { error?: string } | null)?.error ?? (typeof body === 'string' ? body : '');
  if (status === 401)
    return 'the server refused the token (revoked, expired or mistyped): paste the token again (or ask for a new one)';
  if (status === 403)
    return `the server refused this device for this token${text ? ` (${text})` : ''}: use the token of the person who set up sync on this device`;
  return `the server answered ${status}${text ? `: ${text}` : ''}`;
}

/**
 * Whether a push answered `status` refused its changes for good, so asking again would
 * only get the same answer: a 4xx, except 401 (the token), 403 (this device belongs to
 * another user), 404 and 405 (not a sync server at this address), 408 (timeout) and 429
 * (busy), which are about the connection, not the change, and are retried with backoff.
 */
export function refusedForGood(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 405, 408, 429].includes(status);
}

/** The changes of `sent` a refusal names by field path (`mutations[3].writes[0]…`), by their index in the push. */
function refusedChanges(body: unknown, sent: readonly OutboxRecord[]): Map<number, OutboxRecord> {
  const named = new Map<number, OutboxRecord>();
  for (const { path } of problemsOf(body)) {
    const match = /^mutations\[(\d+)\]/.exec(path);
    const index = match ? Number(match[1]) : -1;
    if (index >= 0 && index < sent.length) named.set(index, sent[index]!);
  }
  return new Map([...named].sort(([a], [b]) => a - b));
}

/** The refusal's per-field problems (or its `error` as one), whatever the body holds. */
function problemsOf(body: unknown): Problem[] {
  const { error, problems } = (body ?? {}) as { error?: unknown; problems?: unknown };
  const list = Array.isArray(problems)
    ? problems.filter(
        (problem): problem is Problem =>
          typeof problem?.path === 'string' && typeof (problem as Problem).message === 'string',
      )
    : [];
  if (list.length === 0 && typeof error === 'string') {
    const split = /^(\S+): (.*)$/s.exec(error);
    if (split) list.push({ path: split[1]!, message: split[2]! });
  }
  return list;
}

/**
 * The refusal of the change at `index` of a push, as its sync problem keeps it: its
 * own problems with paths from the change (`writes[0].value.firstName`), the first as
 * `reason`; the server's `error` when none names it.
 */
function refusalOf(
  status: number,
  body: unknown,
  index: number,
): { status: number; reason: string; problems: Problem[] } {
  const prefix = `mutations[${index}]`;
  const own = problemsOf(body)
    .filter((problem) => problem.path.startsWith(prefix))
    .map((problem) => ({
      path: problem.path.slice(prefix.length).replace(/^\./, '') || '(change)',
      message: problem.message,
    }));
  const error = (body as { error?: unknown } | null)?.error;
  const reason = own[0]
    ? `${own[0].path}: ${own[0].message}`
    : typeof error === 'string' && error
      ? error
      : `the server answered ${status}`;
  return { status, reason, problems: own };
}

export class SyncClient {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private stopped = false;
  private outboxWatch: Subscription | undefined;
  private readonly listeners = new Set<(status: SyncStatus) => void>();
  private readonly stops: (() => void)[] = [];
  status: SyncStatus = { phase: 'off', url: null, lastSyncAt: null, lastError: null };

  /**
   * @param host the host client (its `sync/request` reaches the server)
   * @param db this device's database
   * @param pulledSuppressions called after a pull page is applied, with the suppression rows it
   *   brought (SPEC §12: a one-click unsubscribe stops this device's enrollments to that address);
   *   default {@link stopSuppressed}, when `db` is the app's database (`useDb()`, whose
   *   transactions it writes in)
   */
  /** Whether this run has checked the whole suppression list against its enrollments once. */
  private swept = false;
  /** The host's word on the network (one notion of online, shared with the engine). */
  private hostOnline = true;

  constructor(
    private readonly host: HostClient,
    private readonly db: CampaignDeskDb = useDb(),
    private readonly pulledSuppressions?: (rows: SuppressionRecord[]) => Promise<unknown>,
  ) {}

  /** Starts syncing if a server is set: now, after every local change, when the network returns, and every 30 s. */
  async start(): Promise<void> {
    const url = ((await this.db.meta.get(META.url))?.value as string | undefined) ?? null;
    const lastSyncAt = ((await this.db.meta.get(META.lastSyncAt))?.value as number | undefined) ?? null;
    this.update({ url, lastSyncAt, phase: url ? 'syncing' : 'off' });
    let first = true;
    this.outboxWatch = liveQuery(() => this.db.outbox.count()).subscribe({
      next: () => {
        if (!first) this.soon(DEBOUNCE_MS);
        first = false;
      },
    });
    const heard = (online: boolean) => {
      this.hostOnline = online;
      if (online) this.soon(0);
      // The host has no network: say so at once, even while a run is waiting on it.
      else if (this.status.url) this.update({ phase: 'offline', lastError: null });
    };
    const ask = async () => (await this.host.tryCall('net/status', {})).data?.online ?? true;
    let told = false;
    // The window's own network events are only a hint to ask the host, which decides.
    const hint = () => void ask().then(heard);
    if (typeof window !== 'undefined') {
      window.addEventListener('online', hint);
      window.addEventListener('offline', hint);
      this.stops.push(
        () => window.removeEventListener('online', hint),
        () => window.removeEventListener('offline', hint),
      );
    }
    this.stops.push(
      this.host.on('net/online-changed', ({ online }) => {
        told = true;
        heard(online);
      }),
      // A restarted web host may have changed its mind while no event could reach this window.
      this.host.onReconnect(hint),
    );
    const online = await ask();
    if (!told) this.hostOnline = online; // an event that came meanwhile is newer
    this.soon(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.outboxWatch?.unsubscribe();
    for (const stop of this.stops) stop();
  }

  /** Calls `listener` with every status change; returns the function that unsubscribes. */
  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sets (or with `url` null, clears) the team server and its token, then syncs.
   * The token goes to the host's secret store, never to IndexedDB.
   * @throws Error naming `url` when it is not an http(s) address.
   */
  async configure(url: string | null, token?: string): Promise<void> {
    if (url !== null) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new Error(`url: ${JSON.stringify(url)} is not an address (e.g. https://sync.example.com)`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw new Error(`url: ${JSON.stringify(url)} is not an http(s) address`);
      if (parsed.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname))
        throw new Error(
          `url: ${JSON.stringify(url)} would send your token unencrypted; use https:// (http:// is only for a server on this computer)`,
        );
    }
    // The host keeps the token with the address it is for, and sends it nowhere else.
    if (token && url !== null) await this.host.call('secrets/set', { key: 'sync:token', value: `${url}\n${token}` });
    if (url === null) {
      await keepCapturing(this.db, now());
      await this.db.meta.delete(META.url);
      await this.host.call('secrets/delete', { key: 'sync:token' });
    } else {
      const db = this.db;
      await db.transaction('rw', [...SYNC_TABLES.map((name) => db.table(name)), db.outbox, db.meta], async () => {
        const previous = (await db.meta.get(META.url))?.value;
        // The first server this device has: what it did alone goes as one snapshot (db/snapshot.ts).
        await startCapture(db, now());
        await db.meta.put({ key: META.url, value: url });
        // Another server knows nothing of this cookie: pull everything from it.
        if (previous !== url) await db.meta.delete(META.cookie);
      });
    }
    this.failures = 0;
    this.update({ url, phase: url ? 'syncing' : 'off', lastError: null });
    if (url) await this.syncNow();
  }

  /** Syncs now (push, then pull); resolves when done. Concurrent calls share one run. */
  async syncNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.soon(0);
      }
    });
    return this.running;
  }

  /** Schedules a run in `ms`, unless one is already due sooner (a poll never delays a pending push). */
  private soon(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer !== undefined && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.syncNow();
    }, ms);
  }

  private update(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }

  /** One tab syncs at a time (the browser build can have several); the others skip this round. */
  private async run(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.locks) return this.runOnce();
    await navigator.locks.request('campaign-desk-sync', { ifAvailable: true }, async (lock) => {
      if (lock) await this.runOnce();
    });
  }

  private async runOnce(): Promise<void> {
    const url = this.status.url;
    if (!url || this.stopped) return;
    // Offline when last heard: ask again (an event missed while the host restarted).
    if (!this.hostOnline) this.hostOnline = (await this.host.tryCall('net/status', {})).data?.online ?? false;
    if (!this.hostOnline) {
      this.update({ phase: 'offline' });
      // The host's `net/online-changed` starts the next run; a slow poll in case it is missed.
      this.soon(POLL_MS);
      return;
    }
    this.update({ phase: 'syncing' });
    try {
      const health = await this.host.call('sync/request', { url, path: '/health' });
      if (health.status === 0) {
        this.update({ phase: 'offline', lastError: null });
        return this.retryLater();
      }
      if (health.status !== 200) throw new Error(serverError(health.status, health.body));
      await this.push(url);
      await this.pull(url);
      await this.workspace(url);
      const at = now();
      await this.db.meta.put({ key: META.lastSyncAt, value: at });
      this.failures = 0;
      this.update({ phase: 'synced', lastSyncAt: at, lastError: null });
      // A change made while this run was under way goes at once; otherwise poll.
      this.soon((await this.db.outbox.count()) > 0 ? DEBOUNCE_MS : POLL_MS);
    } catch (error) {
      const message = (error as Error).message;
      const unreachable = message.startsWith('offline:');
      this.update(
        unreachable
          ? { phase: 'offline', lastError: null }
          : { phase: 'error', lastError: message.replace(/^\w+: /, '') },
      );
      if (!/refused the token/.test(message)) this.retryLater();
    }
  }

  /** Backs off with jitter: 1 s, 2 s, 4 s … 60 s, each ±30 %. */
  private retryLater(): void {
    const wait = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** this.failures++);
    this.soon(wait * (0.7 + Math.random() * 0.6));
  }

  /**
   * Pushes the outbox in mutationId order, in requests of at most 500 mutations and
   * about 4 MB. A change the server refuses for good ({@link refusedForGood}: a value it
   * cannot store, a change too large) is set aside as a sync problem (./problems.ts)
   * and the changes after it go on: the one named by the refusal's field path
   * (`mutations[3]…`), or, when the refusal names none, each change of that request
   * sent alone until the refused one is found.
   */
  private async push(url: string): Promise<void> {
    const clientId = await this.clientId();
    let alone = false;
    for (;;) {
      const rows = await this.db.outbox
        .orderBy('mutationId')
        .limit(alone ? 1 : PUSH_MAX_MUTATIONS)
        .toArray();
      if (rows.length === 0) return;
      const mutations: Mutation[] = [];
      let bytes = 0;
      let tooLarge: { row: OutboxRecord; size: number } | undefined;
      for (const row of rows) {
        const mutation = toMutation(row);
        const size = encoder.encode(JSON.stringify(mutation)).length;
        if (mutations.length > 0 && bytes + size > PUSH_BATCH_BYTES) break;
        if (size > PUSH_MAX_BYTES) {
          tooLarge = { row, size };
          break;
        }
        mutations.push(mutation);
        bytes += size;
      }
      if (tooLarge && mutations.length === 0) {
        const mb = (n: number) => Math.round(n / 1024 / 1024);
        await setAside(
          this.db,
          [tooLarge.row],
          {
            status: 0,
            reason: `this change is ${mb(tooLarge.size)} MB, larger than the team server takes (${mb(PUSH_MAX_BYTES)} MB); split it (e.g. import the contacts in parts)`,
          },
          now(),
        );
        continue;
      }
      const sent = rows.slice(0, mutations.length);
      const answer = await this.host.call('sync/request', {
        url,
        path: '/push',
        body: { clientId, mutations },
      });
      if (answer.status === 0) throw new Error(`offline: ${answer.error ?? 'unreachable'}`);
      if (refusedForGood(answer.status)) {
        const named = refusedChanges(answer.body, sent);
        if (named.size === 0 && sent.length === 1) named.set(0, sent[0]!);
        if (named.size > 0) {
          const at = now();
          for (const [index, change] of named)
            await setAside(this.db, [change], refusalOf(answer.status, answer.body, index), at);
          alone = false;
        } else alone = true; // the refusal names no change: find it by sending them one by one
        continue;
      }
      if (answer.status !== 200) throw new Error(`push: ${serverError(answer.status, answer.body)}`);
      const { lastMutationId } = PushResponse.parse(answer.body);
      // What the server has applied leaves the outbox (a lost answer is harmless: the retry is skipped there).
      await this.db.outbox.where('mutationId').belowOrEqual(lastMutationId).delete();
      if (lastMutationId < mutations.at(-1)!.id) throw new Error('push: the server did not apply every change');
    }
  }

  /** Pulls every page since the cookie and applies it under the pending outbox. */
  private async pull(url: string): Promise<void> {
    const clientId = await this.clientId();
    for (;;) {
      const cookie = ((await this.db.meta.get(META.cookie))?.value as number | undefined) ?? null;
      const answer = await this.host.call('sync/request', { url, path: '/pull', body: { clientId, cookie } });
      if (answer.status === 0) throw new Error(`offline: ${answer.error ?? 'unreachable'}`);
      if (answer.status !== 200) throw new Error(`pull: ${serverError(answer.status, answer.body)}`);
      const page = PullResponse.parse(answer.body);
      await this.apply(page.rows, page.cookie);
      const suppressions = page.rows.filter((row) => row.table === 'suppressions' && !row.deleted && row.value);
      const stop = this.pulledSuppressions ?? (this.db === useDb() ? stopSuppressed : undefined);
      if (stop && suppressions.length > 0)
        // After the page's own transaction: a failure here costs the stop, never the pulled rows
        // (and the check just before each send still keeps the address from being mailed).
        await stop(suppressions.map((row) => row.value as unknown as SuppressionRecord)).catch((error: unknown) =>
          console.error('sync: cannot stop the enrollments of a pulled suppression', error),
        );
      if (!page.hasMore) {
        await this.db.outbox.where('mutationId').belowOrEqual(page.lastMutationId).delete();
        // Once per start, every suppression: a stop lost to a crash after its page was
        // applied (the row never comes again) is made now. Idempotent.
        if (!this.swept) {
          this.swept = true;
          const all = await this.db.suppressions.toArray();
          const stop = this.pulledSuppressions ?? (this.db === useDb() ? stopSuppressed : undefined);
          if (stop && all.length > 0)
            await stop(all).catch((error: unknown) =>
              console.error('sync: cannot stop the enrollments of the suppression list', error),
            );
        }
        return;
      }
    }
  }

  /**
   * Applies pulled rows in one transaction with the new cookie, rebasing what this device
   * still has to push: a row a pending mutation writes becomes the server's row with the
   * pending change merged on top (three-way, from the row the change was made on), so the
   * server's other changes are taken now and the local one is not lost. A step run never
   * goes back (a local claim or a final state is not replaced by an open one). These
   * writes are not changes of this device; once committed, the tables written are announced
   * ({@link announcePulled}).
   */
  private async apply(rows: readonly PullRow[], cookie: number): Promise<void> {
    const db = this.db;
    const tables = LOCAL_TABLES.map((name) => db.table(name));
    const wrote = new Set<string>();
    const hoursBefore = { mailboxes: [] as MailboxRecord[], campaigns: [] as CampaignRecord[] };
    await db.transaction('rw', [...tables, db.outbox, db.meta], async () => {
      hoursBefore.mailboxes.length = 0; // a retried transaction starts clean
      hoursBefore.campaigns.length = 0;
      ignoreWrites();
      countingPulledRows();
      const pending = new Map<string, { base: unknown; value: unknown; deleted: boolean }>();
      await db.outbox.each((row) => {
        for (const write of row.writes ?? []) {
          const key = `${write.table}/${write.id}`;
          const first = pending.get(key);
          pending.set(key, {
            base: first ? first.base : write.base,
            value: write.value,
            deleted: write.op === 'delete',
          });
        }
      });
      const byTable = new Map<SyncTableName, { puts: RowValue[]; deletes: string[] }>();
      for (const row of rows) {
        let entry = byTable.get(row.table);
        if (!entry) byTable.set(row.table, (entry = { puts: [], deletes: [] }));
        const local = pending.get(`${row.table}/${row.id}`);
        if (local?.deleted) continue; // deleted here, not yet pushed: the server decides on push
        if (row.deleted || row.value === null) {
          if (!local) entry.deletes.push(row.id);
          continue;
        }
        entry.puts.push(
          local ? (threeWayMerge(local.base ?? undefined, local.value, row.value).value as RowValue) : row.value,
        );
      }
      for (const [table, { puts, deletes }] of byTable) {
        // SPEC R12/R13: hours changed on another device date this device's sends again (after commit).
        if ((table === 'mailboxes' || table === 'campaigns') && puts.length > 0) {
          const rows = (await db.table(table).bulkGet(puts.map((row) => row.id))).filter((row) => !!row);
          if (table === 'mailboxes') hoursBefore.mailboxes.push(...(rows as MailboxRecord[]));
          else hoursBefore.campaigns.push(...(rows as CampaignRecord[]));
        }
        let keep = puts;
        if (table === 'stepRuns' && puts.length > 0) {
          const current = await db.stepRuns.bulkGet(puts.map((row) => row.id));
          keep = puts.filter((row, i) => !movesBack(current[i]?.state, (row as { state?: string }).state));
        }
        if (keep.length > 0) await db.table(table).bulkPut(keep);
        if (deletes.length > 0) await db.table(table).bulkDelete(deletes);
        if (keep.length > 0 || deletes.length > 0) wrote.add(table);
      }
      await db.meta.put({ key: META.cookie, value: cookie });
    });
    // Committed: another device's sends of today, or a mailbox's zone, change what the host must
    // count for R11 (the engine re-tells it).
    announcePulled([...wrote]);
    if (hoursBefore.mailboxes.length > 0 || hoursBefore.campaigns.length > 0)
      await replanAfterPull(hoursBefore).catch((error: unknown) =>
        console.error('sync: cannot date the scheduled sends again for the pulled hours', error),
      );
  }

  /**
   * Keeps the workspace's unsubscribe key and public address (SPEC §12, `GET /workspace`),
   * so this device makes List-Unsubscribe tokens the server can check, also offline later.
   * A server too old to answer it (404) leaves the device on its own key.
   */
  private async workspace(url: string): Promise<void> {
    const answer = await this.host.call('sync/request', { url, path: '/workspace' });
    if (answer.status === 0) throw new Error(`offline: ${answer.error ?? 'unreachable'}`);
    if (answer.status === 404) return;
    if (answer.status !== 200) throw new Error(`workspace: ${serverError(answer.status, answer.body)}`);
    await saveServerWorkspace(WorkspaceResponse.parse(answer.body), url, this.db);
  }

  /** This device's id: the outbox's clientId (written with the first change). */
  private async clientId(): Promise<string> {
    return this.db.transaction('rw', this.db.meta, () => deviceIdOrCreate(this.db));
  }
}

/** Whether replacing a step run in `local` state with one in `incoming` state would move it backwards. */
function movesBack(local: string | undefined, incoming: string | undefined): boolean {
  if (!local || !incoming || local === incoming) return false;
  if (local === 'sent') return true; // a sent email stays sent
  const open = (state: string) => state === 'scheduled' || state === 'sending' || state === 'blocked';
  if (local === 'sending') return true; // this device's claim is in flight: its outcome decides
  return !open(local) && open(incoming); // final stays final
}

/** An outbox row as the server takes it. */
function toMutation(row: OutboxRecord): Mutation {
  return { id: row.mutationId!, name: row.name, at: Math.max(0, Math.round(row.at)), writes: row.writes ?? [] };
}
