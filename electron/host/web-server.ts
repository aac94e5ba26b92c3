import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostEventName, HostEventPayload, HostHandlers, WireMessage, WireRequest } from '../../core/host/contract';
import { CONTENT_SECURITY_POLICY } from './csp';
import { answer as answerCall } from './services';

/**
 * The web host: serves the browser build and the host contract over a WebSocket
 * at `/host`, so the whole app runs in a plain browser (and under Playwright)
 * with the real host services. Listens on 127.0.0.1 only.
 *
 * It answers only its own page (ARCHITECTURE.md, "The web host"): any page the person visits
 * can open a WebSocket to 127.0.0.1, so an upgrade to `/host` whose `Origin` is not this host's
 * own address (`http://127.0.0.1:<port>` or `http://localhost:<port>`), or has none, is refused
 * with 403; so is any request whose `Host` is not `127.0.0.1:<port>` / `localhost:<port>` (a
 * DNS-rebinding page reaches 127.0.0.1 under its own name). Plain HTTP serves the built files
 * only: GET and HEAD; every other method gets 405, so no HTTP route can change anything.
 */

/** The names this host answers to on `port` (RFC 9110 §7.2 `Host`: authority, lower-cased). */
function ownHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * Whether a request's `Host` header names this host: exactly `127.0.0.1:<port>` or
 * `localhost:<port>` (case-insensitive). Missing, another name or another port: false.
 */
export function isOwnHost(host: string | undefined, port: number): boolean {
  return host !== undefined && ownHosts(port).includes(host.toLowerCase());
}

/**
 * Whether a WebSocket upgrade's `Origin` (RFC 6454) is this host's own page:
 * `http://127.0.0.1:<port>` or `http://localhost:<port>`. A missing Origin, `null`, another
 * scheme, name or port: false (a browser always sends one; Node clients must set it).
 */
export function isOwnOrigin(origin: string | undefined, port: number): boolean {
  return origin !== undefined && ownHosts(port).some((host) => origin.toLowerCase() === `http://${host}`);
}

export interface WebHostOptions {
  handlers: HostHandlers;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Folder of the built renderer (`out/renderer`), or a request handler (Vite's dev middleware). */
  serve: string | ((req: IncomingMessage, res: ServerResponse, next: () => void) => void);
}

export interface WebHost {
  server: Server;
  url: string;
  /** Sends an event to every connected window. */
  emit<E extends HostEventName>(event: E, payload: HostEventPayload<E>): void;
  close(): Promise<void>;
}

/**
 * Starts the web host.
 * @returns once listening; `url` is `http://127.0.0.1:<port>/`.
 * @throws the listen error (e.g. EADDRINUSE) when the port is taken.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const pages =
    typeof options.serve === 'string' ? sirv(options.serve, { single: true, dev: false, etag: true }) : options.serve;
  const port = (): number => (server.address() as AddressInfo).port;
  const server = createServer((req, res) => {
    if (!isOwnHost(req.headers.host, port())) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Forbidden: Campaign Desk answers only at 127.0.0.1:${port()} or localhost:${port()}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Method not allowed: ${req.method ?? ''} (this address serves the app's files only)`);
      return;
    }
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    pages(req, res, () => {
      res.statusCode = 404;
      res.end('Not found');
    });
  });
  const sockets = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: string, why: string): void => {
      socket.end(
        `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`,
      );
    };
    // Vite's HMR socket has its own port (cli.ts): nothing but /host upgrades here.
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/host') return refuse('404 Not Found', 'Not found');
    if (!isOwnHost(req.headers.host, port()) || !isOwnOrigin(req.headers.origin, port()))
      return refuse('403 Forbidden', 'Forbidden: only the Campaign Desk page served here may connect');
    sockets.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      const sending = new Set<string>();
      ws.on('close', () => {
        clients.delete(ws);
        // A page gone (closed, reloaded, its connection dropped) hears no outcome: its sends
        // still waiting here for their R11 slot go back unsent, so the page that connects next
        // sends each once, never the host at the slot and that page again (DECISIONS 106).
        if (sending.size > 0) void answerCall(options.handlers, 'mail/release-held', { messageIds: [...sending] });
      });
      ws.on('message', (data) => void answer(ws, String(data), sending));
    });
  });

  async function answer(ws: WebSocket, text: string, sending: Set<string>): Promise<void> {
    let request: WireRequest;
    try {
      request = JSON.parse(text) as WireRequest;
    } catch {
      return;
    }
    const messageId =
      request.call === 'mail/send'
        ? (request.input as { message?: { messageId?: unknown } } | null)?.message?.messageId
        : undefined;
    if (typeof messageId === 'string') sending.add(messageId);
    try {
      const reply: WireMessage = {
        id: request.id,
        ...(await answerCall(options.handlers, request.call, request.input)),
      };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
    } finally {
      if (typeof messageId === 'string') sending.delete(messageId);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    server,
    url: `http://127.0.0.1:${port()}/`,
    emit(event, payload) {
      const frame = JSON.stringify({ event, payload } satisfies WireMessage);
      for (const ws of clients) ws.send(frame);
    },
    async close() {
      for (const ws of clients) ws.terminate();
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
