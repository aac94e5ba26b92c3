import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { InputError } from '../core/errors';
import { MAX_NESTING } from '../core/storable';
import {
  PROTOCOL_VERSION,
  PUSH_MAX_BYTES,
  PullRequest,
  PushRequest,
  type ErrorResponse,
  type HealthResponse,
  type WorkspaceResponse,
} from '../core/sync/protocol';
import { httpsBase } from '../core/unsubscribe-token';
import { parseOrThrow } from '../core/validate';
import type { Db } from './db';
import { push, pull } from './sync';
import { authenticate, type Caller } from './tokens';
import { checkToken, recordUnsubscribe, workspaceKey } from './unsubscribe';
import { unsubscribePage } from './unsubscribe-page';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** Reported by `GET /health`. */
  version: string;
  /** Fastify's logger: true for request logs on stdout. */
  logger?: boolean;
  /**
   * The address people reach this server at from the internet, `https://…` (SPEC §12):
   * devices put `<publicUrl>/u/<token>` in `List-Unsubscribe` for one-click unsubscribes.
   * Anything but an https address counts as none.
   */
  publicUrl?: string | undefined;
}

/**
 * The sync server's HTTP routes over `db` (already migrated): `GET /health`,
 * `POST /push`, `POST /pull`, `GET /workspace`, with CORS for the browser app and
 * bearer-token auth on those three; and, with no login, the unsubscribe pages of SPEC §12:
 * `GET /u/<token>` (a confirmation page with a button, changing nothing: link scanners
 * open links) and `POST /u/<token>` (RFC 8058 one-click, body `List-Unsubscribe=One-Click`
 * or the page's button: records it). A token this server did not make is answered 404
 * with a page saying so, and nothing is stored. Refusals are JSON {@link ErrorResponse}s: 400 (bad body, naming the
 * field: also text the database cannot hold, ids over 200 characters, nesting over 64),
 * 401 (token missing, unknown, revoked or expired), 403 (a device id of another user),
 * 404, 413 (body too large), 500.
 */
export function buildApp(db: Db, options: AppOptions): FastifyInstance {
  // Every body is capped at the push's limit (a pull's body is tiny); Fastify answers 413 above it.
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: PUSH_MAX_BYTES });

  // Tokens travel in a header, never in cookies, so any origin may call (the app is
  // served from wherever the person runs it: 127.0.0.1:4317, a file, an intranet host).
  void app.register(cors, {
    origin: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });

  // Auth runs before the body is read, so a bad token is 401 whatever the body holds.
  // It is a hook of the push and pull routes themselves, so every URL Fastify routes
  // to them (`/push?x=1`, `/%70ush`) is checked; a handler never runs without a caller.
  const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const caller = match ? await authenticate(db, match[1]!) : undefined;
    if (!caller) {
      const error = match
        ? 'the token is not valid (revoked, expired or unknown; create one with `npm run server -- create-token <user>`)'
        : 'a token is required: send `Authorization: Bearer <token>`';
      return reply.code(401).send({ error } satisfies ErrorResponse);
    }
    request.caller = caller;
  };
  const callerOf = (request: FastifyRequest): Caller => {
    if (!request.caller) throw Object.assign(new Error('a token is required'), { statusCode: 401 });
    return request.caller;
  };

  app.get('/health', async (): Promise<HealthResponse> => ({
    ok: true,
    version: options.version,
    protocol: PROTOCOL_VERSION,
  }));

  app.post('/push', { onRequest: requireToken }, async (request, reply) => {
    const body = parseBody(PushRequest, request.body, reply);
    if (!body) return reply;
    return push(db, callerOf(request), body);
  });

  app.post('/pull', { onRequest: requireToken }, async (request, reply) => {
    const body = parseBody(PullRequest, request.body, reply);
    if (!body) return reply;
    return pull(db, callerOf(request), body);
  });

  app.get('/workspace', { onRequest: requireToken }, async (request): Promise<WorkspaceResponse> => {
    const key = await workspaceKey(db, callerOf(request).workspaceId);
    return { workspace: key.workspace, unsubscribeKey: key.key, publicUrl: httpsBase(options.publicUrl) };
  });

  // RFC 8058 §3.1: the POST comes as a form (urlencoded or multipart); its body says nothing
  // the URL does not, so it is read as text and not otherwise required.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => done(null, body),
  );
  const page = (reply: FastifyReply, status: number, html: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .send(html);

  app.get<{ Params: { token: string } }>('/u/:token', async (request, reply) => {
    const claim = await checkToken(db, request.params.token);
    if (!claim) return page(reply, 404, unsubscribePage({ state: 'invalid' }));
    return page(reply, 200, unsubscribePage({ state: 'confirm', address: claim.address }));
  });

  app.post<{ Params: { token: string } }>('/u/:token', async (request, reply) => {
    const recorded = await recordUnsubscribe(db, request.params.token, Date.now());
    if (!recorded) return page(reply, 404, unsubscribePage({ state: 'invalid' }));
    return page(reply, 200, unsubscribePage({ state: 'done', address: recorded.claim.address }));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url}` } satisfies ErrorResponse);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    // A body nested so deep that a recursive step ran out of stack: the body's fault.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      void reply
        .code(400)
        .send({ error: `(root): nested too deeply; the server takes at most ${MAX_NESTING} levels in a row` });
      return;
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error(error);
    const message = status >= 500 ? `server error: ${error.message}` : error.message;
    void reply.code(status).send({ error: message } satisfies ErrorResponse);
  });

  return app;
}

/** Most problems a 400 lists. */
const MAX_PROBLEMS = 100;

function parseBody<S extends typeof PushRequest | typeof PullRequest>(
  schema: S,
  body: unknown,
  reply: FastifyReply,
): ReturnType<S['parse']> | undefined {
  try {
    return parseOrThrow(schema, body ?? undefined) as ReturnType<S['parse']>;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // The first problems are enough to act on; a launch of 20,000 bad rows is not echoed whole.
    const problems = error.problems.slice(0, MAX_PROBLEMS);
    void reply.code(400).send({ error: error.message, problems } satisfies ErrorResponse);
    return undefined;
  }
}
