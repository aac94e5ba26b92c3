import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CallRefused } from '../../core/errors';
import type { HostHandlers, HostReply } from '../../core/host/contract';
import { answer, toHostError } from '../host/services';

/** The one IPC channel of the host contract (`ipcRenderer.invoke('host:call', name, input)` in the preload). */
export const HOST_CALL_CHANNEL = 'host:call';

/**
 * Registers the host contract on Electron's IPC: every `host:call` is answered as data
 * (contract `HostReply`), never thrown, so Electron's rewriting of a rejected invoke
 * ("Error invoking remote method 'host:call': Error: …") never reaches the page, and the
 * desktop app says what the browser build says. A call from a frame that is not the app's
 * own page is answered `forbidden` (path `frame`) and reaches no handler.
 * @param isAppFrame whether a frame's URL is the app's own page (`isAppPage`)
 */
export function registerHostCalls(
  ipc: Pick<IpcMain, 'handle'>,
  handlers: HostHandlers,
  isAppFrame: (frameUrl: string) => boolean,
): void {
  ipc.handle(
    HOST_CALL_CHANNEL,
    async (event: IpcMainInvokeEvent, name: unknown, input: unknown): Promise<HostReply> => {
      const frameUrl = event.senderFrame?.url ?? '';
      if (!isAppFrame(frameUrl))
        return {
          ok: false,
          error: toHostError(
            new CallRefused('forbidden', 'frame', `host calls are refused from ${frameUrl || 'an unknown frame'}`),
          ),
        };
      return answer(handlers, String(name), input);
    },
  );
}
