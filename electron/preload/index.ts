import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PreloadBridge } from '../../core/host/contract';

/**
 * Exposes exactly one object, `window.campaignDesk`, typed as the host contract's raw bridge:
 * `call` resolves with the host's reply as data (`{ ok, data }` or `{ ok: false, error }`),
 * which the renderer's client unwraps. `ipcRenderer` itself never reaches the page.
 */
const bridge = {
  call: (name, input) => ipcRenderer.invoke('host:call', name, input) as ReturnType<PreloadBridge['call']>,
  on(event, listener) {
    const channel = `host:event:${event}`;
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
} satisfies PreloadBridge;

contextBridge.exposeInMainWorld('campaignDesk', bridge);
