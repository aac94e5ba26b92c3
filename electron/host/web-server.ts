import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostEventName, HostEventPayload, HostHandlers, WireMessage, WireRequest } from '../../core/host/contract';
import { CONTENT_SECURITY_POLICY } from './csp';
import { dispatch } from './services';

/**
 * The web host: serves the browser build and the host contract over a WebSocket
 * at `/host`, so the whole app runs in a plain browser (and under Playwright)
 * with the real host services. Listens on 127.0.0.1 only.
 */

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
  const server = createServer((req, res) => {
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
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/host') return; // e.g. Vite's HMR socket
    sockets.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', (data) => void answer(ws, String(data)));
    });
  });

  async function answer(ws: WebSocket, text: string): Promise<void> {
    let request: WireRequest;
    try {
      request = JSON.parse(text) as WireRequest;
    } catch {
      return;
    }
    let reply: WireMessage;
    try {
      reply = { id: request.id, ok: true, data: await dispatch(options.handlers, request.call, request.input) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: (error as Error).message };
    }
    ws.send(JSON.stringify(reply));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
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
