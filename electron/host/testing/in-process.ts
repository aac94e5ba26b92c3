import type { HostCallName, HostEventName } from '../../../core/host/contract';
import { dispatch, type createHost } from '../services';

/**
 * The host's services and a renderer client on them in one process, for integration tests:
 * calls go through the contract's checkpoint (`dispatch`), events reach the client's
 * listeners as the WebSocket bridge would deliver them. Every call is recorded in `calls`.
 * @param runtime from `createHost` (the caller closes it).
 * @typeParam Client the renderer's `HostClient` type (the client has its `call`, `on`,
 *   `onReconnect` and `tryCall`).
 */
export function inProcessHost<Client>(runtime: ReturnType<typeof createHost>): {
  client: Client;
  calls: { name: HostCallName; input: unknown }[];
} {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  runtime.emit = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  const calls: { name: HostCallName; input: unknown }[] = [];
  const call = async (name: HostCallName, input: unknown) => {
    calls.push({ name, input });
    return dispatch(runtime.handlers, name, input);
  };
  const client = {
    call,
    on: (event: HostEventName, listener: (payload: unknown) => void) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    onReconnect: () => () => undefined,
    tryCall: async (name: HostCallName, input: unknown) => {
      try {
        return { data: await call(name, input) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    },
  } as unknown as Client;
  return { client, calls };
}
