import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { InputError } from '../core/errors';
import {
  PROTOCOL_VERSION,
  PUSH_MAX_BYTES,
  PullRequest,
  PushRequest,
  type ErrorResponse,
  type HealthResponse,
} from '../core/sync/protocol';
import { parseOrThrow } from '../core/validate';
import type { Db } from './db';
import { push, pull } from './sync';
import { authenticate, type Caller } from './tokens';

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
}

/**
 * The sync server's HTTP routes over `db` (already migrated): `GET /health`,
 * `POST /push`, `POST /pull`, with CORS for the browser app and bearer-token auth on
 * push and pull. Refusals are JSON {@link ErrorResponse}s: 400 (bad body, naming the
 * field), 401 (token), 404, 413 (body too large), 500.
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
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || (request.url !== '/push' && request.url !== '/pull')) return;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const caller = match ? await authenticate(db, match[1]!) : undefined;
    if (!caller) {
      const error = match
        ? 'the token is not valid (create one with `npm run server -- create-token <user>`)'
        : 'a token is required: send `Authorization: Bearer <token>`';
      return reply.code(401).send({ error } satisfies ErrorResponse);
    }
    request.caller = caller;
  });

  app.get('/health', async (): Promise<HealthResponse> => ({
    ok: true,
    version: options.version,
    protocol: PROTOCOL_VERSION,
  }));

  app.post('/push', async (request, reply) => {
    const body = parseBody(PushRequest, request.body, reply);
    if (!body) return reply;
    return push(db, request.caller!, body);
  });

  app.post('/pull', async (request, reply) => {
    const body = parseBody(PullRequest, request.body, reply);
    if (!body) return reply;
    return pull(db, request.caller!, body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url}` } satisfies ErrorResponse);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error(error);
    const message = status >= 500 ? `server error: ${error.message}` : error.message;
    void reply.code(status).send({ error: message } satisfies ErrorResponse);
  });

  return app;
}

function parseBody<S extends typeof PushRequest | typeof PullRequest>(
  schema: S,
  body: unknown,
  reply: FastifyReply,
): ReturnType<S['parse']> | undefined {
  try {
    return parseOrThrow(schema, body ?? undefined) as ReturnType<S['parse']>;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    void reply.code(400).send({ error: error.message, problems: [...error.problems] } satisfies ErrorResponse);
    return undefined;
  }
}
