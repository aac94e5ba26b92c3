import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HostBridge } from '../../core/host/contract';

/**
 * Exposes exactly one object, `window.campaignDesk`, typed as the host contract.
 * `ipcRenderer` itself never reaches the page.
 */
const bridge = {
  call: (name, input) => ipcRenderer.invoke('host:call', name, input),
  on(event, listener) {
    const channel = `host:event:${event}`;
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
} satisfies HostBridge;

contextBridge.exposeInMainWorld('campaignDesk', bridge);
