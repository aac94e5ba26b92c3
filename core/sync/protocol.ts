/**
 * The sync wire protocol between the app (renderer/sync) and the team sync server
 * (server/): a mutation log in the Replicache style over HTTP + JSON.
 *
 * - `POST /push` {@link PushRequest} → {@link PushResponse}
 * - `POST /pull` {@link PullRequest} → {@link PullResponse}
 * - `GET /health` → {@link HealthResponse} (no token needed)
 * - `GET /workspace` → {@link WorkspaceResponse}
 *
 * Push and pull need `Authorization: Bearer <token>`; a missing or unknown token is
 * answered 401 with an {@link ErrorResponse} and nothing is written. A body these
 * schemas refuse is answered 400 with an {@link ErrorResponse} naming the field path
 * and the value (`mutations[0].writes[1].table: …`), also for text the database cannot
 * hold (core/storable.ts: a NUL, a lone surrogate, an id over 200 characters, nesting
 * over 64). A `clientId` first pushed by another user of the workspace is answered 403.
 * Instants are UTC epoch ms.
 * See docs/SYNC.md for the server's rules.
 */
import { z } from 'zod';
import { show } from '../errors';
import { MAX_ID_LENGTH, StorableText, valueProblems } from '../storable';

/** The tables a client pushes and pulls; every row is a JSON object with a string `id`. */
export const SYNC_TABLES = [
  'mailboxes',
  'contacts',
  'templates',
  'campaigns',
  'enrollments',
  'stepRuns',
  'tasks',
  'suppressions',
] as const;
export const SyncTable = z.enum(SYNC_TABLES);
export type SyncTable = z.output<typeof SyncTable>;

/**
 * Every table a pull can return: the synced ones plus `conflicts`, which the server
 * writes (see {@link ConflictRow}). A client may also push `conflicts` rows, e.g. to
 * set `resolved: true` on every device, or delete one.
 */
export const TABLES = [...SYNC_TABLES, 'conflicts'] as const;
export const Table = z.enum(TABLES);
export type Table = z.output<typeof Table>;

/** Most mutations in one push. */
export const PUSH_MAX_MUTATIONS = 500;
/**
 * Largest `POST /push` body the server accepts, in bytes of JSON (64 MiB); a larger
 * one is answered 413 and nothing is written. One mutation may be large (a launch of
 * 10,000 people, an import of 50,000 contacts): a client sends it alone when it would
 * not fit with others, and there is no separate cap on a mutation's writes.
 */
export const PUSH_MAX_BYTES = 64 * 1024 * 1024;
/** Most rows in one pull page; also the default `limit`. */
export const PULL_MAX_LIMIT = 5000;

/** A row as stored and sent: any JSON object with a non-empty string `id`. */
export const RowValue = z.looseObject({ id: z.string().min(1) });
export type RowValue = z.output<typeof RowValue>;

/** An id the server stores: 1 to {@link MAX_ID_LENGTH} characters of {@link StorableText}. */
const StorableId = StorableText.min(1).max(MAX_ID_LENGTH);

/**
 * A {@link RowValue} a client pushes: every string and key storable, nested at most
 * 64 levels (core/storable.ts `valueProblems`), each refusal at its own path
 * (`value.steps[2].body`).
 */
const PushedRowValue = RowValue.check((ctx) => {
  for (const problem of valueProblems(ctx.value))
    ctx.issues.push({ code: 'custom', path: problem.path, input: undefined, message: problem.message });
});

/**
 * One row changed by a mutation. `base` is the row as the client had it before this
 * mutation (null = the client had no such row), `value` the row after (null for a
 * delete). A put's `value.id` must equal `id`.
 */
export const RowWrite = z
  .object({
    table: Table,
    id: StorableId,
    op: z.enum(['put', 'delete']),
    base: PushedRowValue.nullable(),
    value: PushedRowValue.nullable(),
  })
  .check((ctx) => {
    const write = ctx.value;
    if (write.op === 'put' && write.value === null)
      ctx.issues.push({ code: 'custom', path: ['value'], input: null, message: 'a put needs the row (got null)' });
    if (write.op === 'put' && write.value !== null && write.value.id !== write.id)
      ctx.issues.push({
        code: 'custom',
        path: ['value', 'id'],
        input: write.value.id,
        message: `${show(write.value.id)} is not the write's id ${show(write.id)}`,
      });
    if (write.op === 'delete' && write.value !== null)
      ctx.issues.push({ code: 'custom', path: ['value'], input: write.value, message: 'a delete has value null' });
  });
export type RowWrite = z.output<typeof RowWrite>;

/**
 * One entry of a client's outbox. `id` is the client's mutationId (a positive integer,
 * increasing per client); `name` says what the person did (`campaign/update`); `at`
 * is when, in UTC epoch ms; `writes` are the rows it changed, applied in order.
 */
export const Mutation = z.object({
  id: z.number().int().positive(),
  name: StorableText.min(1).max(200),
  at: z.number().int().nonnegative(),
  writes: z.array(RowWrite),
});
export type Mutation = z.output<typeof Mutation>;

/** A client's id: one per device database, chosen by the client, unique within a workspace. */
export const ClientId = StorableId;

/**
 * `POST /push`: a client's pending mutations, at most {@link PUSH_MAX_MUTATIONS}, each
 * id at most once. The server applies them in id order whatever their order here.
 */
export const PushRequest = z
  .object({
    clientId: ClientId,
    mutations: z.array(Mutation).max(PUSH_MAX_MUTATIONS),
  })
  .check((ctx) => {
    const seen = new Set<number>();
    ctx.value.mutations.forEach((mutation, index) => {
      if (seen.has(mutation.id))
        ctx.issues.push({
          code: 'custom',
          path: ['mutations', index, 'id'],
          input: mutation.id,
          message: `${mutation.id} appears twice in one push`,
        });
      seen.add(mutation.id);
    });
  });
export type PushRequest = z.output<typeof PushRequest>;

/**
 * `POST /push` answer: `lastMutationId` is the last mutation the server has applied
 * for this client (a retried push answers the same); `conflicts` is how many conflict
 * rows this push recorded (they arrive with the next pull).
 */
export const PushResponse = z.object({
  lastMutationId: z.number().int().nonnegative(),
  conflicts: z.number().int().nonnegative(),
});
export type PushResponse = z.output<typeof PushResponse>;

/**
 * `POST /pull`: `cookie` is the `cookie` of the previous pull (null = from the
 * beginning); `limit` caps the rows returned (default and most {@link PULL_MAX_LIMIT}).
 */
export const PullRequest = z.object({
  clientId: ClientId,
  cookie: z.number().int().nonnegative().nullable(),
  limit: z.number().int().positive().max(PULL_MAX_LIMIT).optional(),
});
export type PullRequest = z.output<typeof PullRequest>;

/** One changed row: the current value, or `deleted: true` and `value: null` for a delete (a tombstone). */
export const PullRow = z.object({
  table: Table,
  id: z.string(),
  deleted: z.boolean(),
  value: RowValue.nullable(),
});
export type PullRow = z.output<typeof PullRow>;

/**
 * `POST /pull` answer: the workspace's rows changed after the request's cookie, in
 * server sequence order. `cookie` is the sequence number of the last row returned
 * (the request's cookie, or 0, when none). `hasMore` means pull again with this
 * cookie. `lastMutationId` is the last mutation applied for this client (0 if none);
 * the client drops outbox entries up to it once `hasMore` is false and rebases the rest.
 */
export const PullResponse = z.object({
  cookie: z.number().int().nonnegative(),
  lastMutationId: z.number().int().nonnegative(),
  rows: z.array(PullRow),
  hasMore: z.boolean(),
});
export type PullResponse = z.output<typeof PullResponse>;

/** `GET /health` answer; `version` is the server's package version, `protocol` this protocol's version. */
export const HealthResponse = z.object({ ok: z.literal(true), version: z.string(), protocol: z.number().int() });
export type HealthResponse = z.output<typeof HealthResponse>;

/**
 * `GET /workspace` (token needed; SPEC §12): the caller's workspace as unsubscribe tokens
 * name it, its unsubscribe key (base64url, 32 bytes; the device keeps a copy to make
 * `List-Unsubscribe` tokens offline, core/unsubscribe-token.ts), and the server's public
 * `https` address for one-click links, or null when it has none configured.
 */
export const WorkspaceResponse = z.object({
  workspace: z.string().min(1),
  unsubscribeKey: z.string().min(22),
  publicUrl: z.string().nullable(),
});
export type WorkspaceResponse = z.output<typeof WorkspaceResponse>;

/** The protocol version `GET /health` reports; bumped on an incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Any refusal (400, 401, 403, 404, 413, 500): `error` in words; for a 400, `problems` per field. */
export const ErrorResponse = z.object({
  error: z.string(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorResponse = z.output<typeof ErrorResponse>;

/**
 * A row of table `conflicts`, written by the server when a pushed write could not be
 * taken whole. `kind: 'edit'`: both sides changed `fields` (paths such as
 * `steps[id=s2].body`) to different values; the server row kept `theirs` there and
 * `mine` is the client's full value. `kind: 'delete'`: the client deleted a row that
 * was edited elsewhere since its `base`; the row stays (`theirs`), `mine` is null.
 * `at` is when the server recorded it (UTC ms); `mutationId`/`clientId`/`name` say
 * which mutation it came from.
 */
export const ConflictRow = z.object({
  id: z.string(),
  table: SyncTable,
  rowId: z.string(),
  kind: z.enum(['edit', 'delete']),
  fields: z.array(z.string()),
  mine: RowValue.nullable(),
  theirs: RowValue.nullable(),
  at: z.number().int(),
  resolved: z.boolean(),
  clientId: z.string(),
  mutationId: z.number().int(),
  name: z.string(),
});
export type ConflictRow = z.output<typeof ConflictRow>;

/** Step-run states after which nothing happens again; the server never moves a run out of them. */
export const FINAL_STEP_RUN_STATES = ['sent', 'failed', 'unknown', 'skipped'] as const;
/** Step-run states that still move on. */
export const OPEN_STEP_RUN_STATES = ['scheduled', 'sending', 'blocked'] as const;

/** True when `state` is one of {@link FINAL_STEP_RUN_STATES}. */
export function isFinalStepRunState(state: unknown): boolean {
  return (FINAL_STEP_RUN_STATES as readonly unknown[]).includes(state);
}
