import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import WS from 'ws';
import type { HostCallName } from '../../../core/host/contract';
import { Engine } from '../../../renderer/src/engine/engine';
import { webSocketBridge, type HostClient } from '../../../renderer/src/host/client';
import { createHost } from '../services';
import { startWebHost } from '../web-server';
import { inProcessHost } from './in-process';

/**
 * The send engine with real parts around it, for the renderer's integration tests: a real SMTP
 * server (smtp-server) on 127.0.0.1, the host's services in test mode, reached in process or
 * through a real web host and the renderer's own WebSocket client, and the engine on that
 * client. Everything a helper starts is stopped by the cleanup it hands to `defer` (the test
 * file runs its cleanups, last first, after each test). It imports renderer code, so it is
 * type-checked with the integration tests (tsconfig.integration.json), not with electron/.
 */

/** A step of a test's teardown. */
export type Cleanup = () => Promise<void> | void;

/** One message as the SMTP server received it. */
export interface ReceivedMessage {
  /** The message's data (headers and body, CRLF line ends) as it arrived, before the final dot. */
  raw: string;
  /** The envelope's recipients (RCPT TO), in order. */
  rcptTo: string[];
}

/** A host in test mode (movable clock, forced offline), the in-process client on it and every call made of it. */
export interface TestHost {
  runtime: ReturnType<typeof createHost>;
  client: HostClient;
  /** Every call made through `client`, in order. */
  calls: { name: HostCallName; input: unknown }[];
}

/** A web host serving a runtime's handlers on 127.0.0.1. */
export interface RunningWebHost {
  /** Its port (the one asked for, or the one picked for port 0). */
  port: number;
  /** Stops it: its sockets are cut, the runtime runs on. */
  close(): Promise<void>;
}

/**
 * Waits until `check` holds, polling it in real time.
 * @param ms how long to wait at most, ms of real time
 * @param everyMs the pause between two checks, ms (longer for a check that opens a connection)
 * @throws Error "timed out waiting: …" naming the check
 */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000, everyMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${String(check)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The rig's helpers, each handing what it starts to `defer`.
 * @param defer registers a cleanup; the test file runs them last first after each test.
 */
export function engineRig(defer: (cleanup: Cleanup) => void) {
  let pageSocketInstalled = false;

  return {
    /**
     * A real SMTP server on 127.0.0.1 (no TLS, no login needed). `onMessage` is told each
     * message once its data ended; the server's reply to the final dot waits for it: 250 when
     * it resolves, the error's words when it rejects. Closed by the cleanup.
     * @returns its port.
     */
    async smtp(onMessage: (message: ReceivedMessage) => void | Promise<void>): Promise<{ port: number }> {
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        closeTimeout: 100,
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            const message = {
              raw: Buffer.concat(chunks).toString('utf8'),
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
            };
            Promise.resolve()
              .then(() => onMessage(message))
              .then(
                () => callback(),
                (error: Error) => callback(error),
              );
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return { port: (server.server.address() as AddressInfo).port };
    },

    /** The host's services in test mode and an in-process client on them; closed by the cleanup (closing it earlier is fine). */
    host(): TestHost {
      const runtime = createHost({ host: 'web', version: 'test', testMode: true });
      const { client, calls } = inProcessHost<HostClient>(runtime);
      defer(() => runtime.close());
      return { runtime, client, calls };
    },

    /**
     * A real web host on 127.0.0.1 serving `runtime`'s handlers at `port` (0: any free one);
     * the runtime's events go to its page. Not closed by the cleanup: the caller closes it
     * (`defer(web.close)`), as a test that restarts it needs.
     */
    async webHost(runtime: ReturnType<typeof createHost>, port = 0): Promise<RunningWebHost> {
      const web = await startWebHost({ handlers: runtime.handlers, port, serve: () => undefined });
      runtime.emit = (event, payload) => web.emit(event, payload);
      return { port: Number(new URL(web.url).port), close: () => web.close() };
    },

    /**
     * Makes the global WebSocket a page's: the `ws` package standing in for the browser's, sending
     * the page's Origin, which the web host requires (ARCHITECTURE "The web host"). Put back by the
     * cleanup. {@link pageClient} calls it; a test calls it first to have it put back last.
     */
    pageSocket(): void {
      if (pageSocketInstalled) return;
      pageSocketInstalled = true;
      const saved = globalThis.WebSocket;
      class PageSocket extends WS {
        constructor(url: string) {
          super(url, { origin: new URL(url).origin.replace(/^ws/, 'http') });
        }
      }
      Object.assign(globalThis, { WebSocket: PageSocket });
      defer(() => {
        pageSocketInstalled = false;
        Object.assign(globalThis, { WebSocket: saved });
      });
    },

    /**
     * The renderer's real WebSocket client on the web host at `port`, as the page makes it (with
     * {@link pageSocket}).
     */
    pageClient(port: number): HostClient {
      this.pageSocket();
      const bridge = webSocketBridge(`ws://127.0.0.1:${port}/host`);
      return {
        ...bridge,
        tryCall: async (name: HostCallName, input: never) => {
          try {
            return { data: await bridge.call(name, input) };
          } catch (error) {
            return { error: (error as Error).message };
          }
        },
      } as unknown as HostClient;
    },

    /**
     * The send engine on `client`, not started. The cleanup stops it and waits for a batch still
     * on its way and its copies to Sent, before the next test swaps the database under it.
     */
    engine(client: HostClient, options?: ConstructorParameters<typeof Engine>[1]): Engine {
      const engine = new Engine(client, options);
      defer(async () => {
        engine.stop();
        await engine.idle();
        await engine.sentCopies.idle();
      });
      return engine;
    },
  };
}
