import { fileURLToPath } from 'node:url';
import { createHost } from '../../electron/host/services';
import { startWebHost } from '../../electron/host/web-server';

const built = fileURLToPath(new URL('../../out/renderer', import.meta.url));

/**
 * A second (third…) computer for multi-device tests: its own web host in test mode (its
 * own scheduler, mailer, secret store and movable clock) serving the built app on
 * 127.0.0.1, so a page opened on `url` is another device with its own IndexedDB.
 */
export async function startDevice(): Promise<{
  url: string;
  setClock(iso: string): Promise<void>;
  /** Cuts this computer's network (the host's `test/set-offline`: sync and sending stop) or gives it back. */
  setOffline(offline: boolean): Promise<void>;
  close(): Promise<void>;
}> {
  const runtime = createHost({ host: 'web', version: 'e2e', testMode: true });
  const host = await startWebHost({ handlers: runtime.handlers, port: 0, serve: built });
  runtime.emit = (event, payload) => host.emit(event, payload);
  return {
    url: host.url,
    async setClock(iso) {
      await runtime.handlers['test/set-clock']({ now: Date.parse(iso) });
    },
    async setOffline(offline) {
      await runtime.handlers['test/set-offline']({ offline });
    },
    async close() {
      runtime.close();
      await host.close();
    },
  };
}
