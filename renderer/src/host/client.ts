import {
  HostReply,
  type HostBridge,
  type HostCallInput,
  type HostCallName,
  type HostCallOutput,
  type HostErrorType,
  type HostEventName,
  type HostEventPayload,
  type PreloadBridge,
  type WireMessage,
} from '../../../core/host/contract';

/**
 * The renderer's only way to reach the host. The transport is picked once at
 * start: the preload's `window.campaignDesk` inside Electron, else a WebSocket to
 * the web host (`/host` on the page's own origin, or `?host=ws://…` in the URL).
 * Both hand the host's replies to {@link unwrapReply}, so a refusal reads the same in both.
 */
export interface HostClient extends HostBridge {
  /**
   * Calls `listener` each time the connection to the host comes back after it was lost (the
   * web host restarted): the host then knows nothing of this window, so callers arm it again.
   * Electron's IPC never drops, so there it never fires. Returns the function that unsubscribes.
   */
  onReconnect(listener: () => void): () => void;
  /** Like `call`, but never rejects: `{ data }` or `{ error }` with the host's message. */
  tryCall<N extends HostCallName>(
    name: N,
    input: HostCallInput<N>,
  ): Promise<{ data: HostCallOutput<N>; error?: undefined } | { data?: undefined; error: string }>;
}

/**
 * A host call that did not return data: the host's error as data (contract `HostError`:
 * `type`, `path` of the field it is about or `''`, and `message`, the words shown), the same
 * on both transports. `delivery` says how far the call got (SPEC §5 needs to know):
 * `unreachable`, the request never left this window (no connection to the host), so the host
 * did nothing; `lost`, the request went but the connection broke before the answer, so the host
 * may have acted on it; `refused`, the host answered with an error.
 */
export class HostCallError extends Error {
  constructor(
    readonly type: HostErrorType,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostCallError';
  }

  get delivery(): 'unreachable' | 'lost' | 'refused' {
    return this.type === 'unreachable' || this.type === 'lost' ? this.type : 'refused';
  }
}

/**
 * The one place a host reply becomes a result, for both transports: the data of `{ ok: true }`,
 * or a thrown {@link HostCallError} with the reply's type, path and message. A reply that is
 * not a contract `HostReply` (a host of another version) is an `internal` error.
 * @throws HostCallError
 */
export function unwrapReply(reply: unknown): unknown {
  const parsed = HostReply.safeParse(reply);
  if (!parsed.success)
    throw new HostCallError('internal', '', 'the Campaign Desk host answered with something that is not a reply');
  if (parsed.data.ok) return parsed.data.data;
  const { type, path, message } = parsed.data.error;
  throw new HostCallError(type, path, message);
}

/**
 * The host bridge over the preload's `window.campaignDesk` (Electron): each reply unwrapped by
 * {@link unwrapReply}. The host never rejects, so an invoke that rejects all the same is
 * Electron's own failure (no handler registered yet, a value IPC cannot copy): `internal`, as a
 * thrown error always was here, with Electron's "Error invoking remote method" prefix taken off.
 */
export function preloadBridge(preload: PreloadBridge): HostBridge {
  return {
    async call(name, input) {
      let reply: HostReply;
      try {
        reply = await preload.call(name, input);
      } catch (error) {
        const message = String((error as Error)?.message ?? error).replace(
          /^Error invoking remote method '[^']*': (?:\w*Error: )?/,
          '',
        );
        // Refusals of Electron's own before anything ran: the input could not be cloned to the
        // main process, or no handler is registered yet (a call during start-up). Nothing was
        // attempted (a send is tried again, not put before a person as "may have gone").
        if (/could not be cloned|No handler registered/i.test(message))
          throw new HostCallError('unreachable', '', message);
        throw new HostCallError('internal', '', message);
      }
      return unwrapReply(reply) as never;
    },
    on: (event, listener) => preload.on(event, listener),
  };
}

function withTryCall(bridge: HostBridge & { onReconnect?: HostClient['onReconnect'] }): HostClient {
  return {
    call: (name, input) => bridge.call(name, input),
    on: (event, listener) => bridge.on(event, listener),
    onReconnect: (listener) => bridge.onReconnect?.(listener) ?? (() => undefined),
    async tryCall(name, input) {
      try {
        return { data: await bridge.call(name, input) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    },
  };
}

/**
 * A bridge over the web host's WebSocket. When the connection drops it reconnects by itself
 * with backoff (0.25 s doubling to 5 s) while anyone listens for events, and tells
 * `onReconnect` listeners once it is back.
 */
export function webSocketBridge(url: string): HostBridge & { onReconnect: HostClient['onReconnect'] } {
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  let nextId = 1;
  let lost = false;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const reconnectListeners = new Set<() => void>();

  function reconnectLater(): void {
    if (listeners.size === 0 && reconnectListeners.size === 0) return;
    setTimeout(() => {
      // A failed attempt closes too, and its close handler tries again later.
      connect().catch(() => undefined);
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 5_000);
  }

  function connect(): Promise<WebSocket> {
    opened ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      // A refused connection reports `error`, then `close` (handled there); Node's `ws` throws
      // an `error` nobody listens for, so listen.
      ws.addEventListener('error', () => undefined);
      ws.addEventListener('open', () => {
        socket = ws;
        retryMs = 250;
        resolve(ws);
        if (lost) {
          lost = false;
          for (const listener of reconnectListeners) listener();
        }
      });
      ws.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as WireMessage;
        if ('event' in message) {
          for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
          return;
        }
        const { id, ...reply } = message;
        const waiter = pending.get(id);
        pending.delete(id);
        let data: unknown;
        try {
          data = unwrapReply(reply);
        } catch (error) {
          waiter?.reject(error as Error);
          return;
        }
        waiter?.resolve(data);
      });
      ws.addEventListener('close', () => {
        const wasOpen = socket === ws;
        socket = undefined;
        opened = undefined;
        if (wasOpen || lost) {
          lost = true;
          reconnectLater();
        }
        for (const waiter of pending.values())
          waiter.reject(new HostCallError('lost', '', 'the connection to the Campaign Desk host was lost'));
        pending.clear();
        reject(new Error(`cannot reach the Campaign Desk host at ${url}`));
      });
    });
    return opened;
  }

  return {
    async call(name, input) {
      let ws: WebSocket;
      try {
        ws = socket ?? (await connect());
      } catch (error) {
        throw new HostCallError('unreachable', '', (error as Error).message);
      }
      // A socket already closing drops what is sent on it without a word: the request never leaves.
      if (ws.readyState !== WebSocket.OPEN)
        throw new HostCallError('unreachable', '', `cannot reach the Campaign Desk host at ${url}`);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (data: unknown) => void, reject });
        ws.send(JSON.stringify({ id, call: name, input }));
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const entry = listener as (payload: unknown) => void;
      set.add(entry);
      void connect().catch(() => undefined);
      return () => set.delete(entry);
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
  };
}

function hostSocketUrl(): string {
  const named = new URLSearchParams(location.search).get('host');
  if (named) return named;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/host`;
}

let client: HostClient | undefined;

/** The app's host client (created on first use). */
export function useHost(): HostClient {
  client ??= withTryCall(window.campaignDesk ? preloadBridge(window.campaignDesk) : webSocketBridge(hostSocketUrl()));
  return client;
}

export type { HostEventName, HostEventPayload };
