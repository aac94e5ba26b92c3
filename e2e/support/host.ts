import WebSocket from 'ws';
import type { HostError } from '../../core/host/contract';

/** Calls the web host's contract from the test process (test mode only: the movable clock, offline). */
export async function hostCall(baseURL: string, call: string, input: unknown): Promise<unknown> {
  // The host answers only its own page's Origin (ARCHITECTURE.md, "The web host"): say it, as the page does.
  const ws = new WebSocket(`${baseURL.replace(/^http/, 'ws')}host`, { origin: new URL(baseURL).origin });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  try {
    return await new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; ok?: boolean; data?: unknown; error?: HostError };
        if (message.id !== 1) return;
        if (message.ok) resolve(message.data);
        // An error comes as data (contract `HostError`): its words are the message.
        else reject(new Error(message.error?.message));
      });
      ws.send(JSON.stringify({ id: 1, call, input }));
    });
  } finally {
    ws.close();
  }
}

/** Moves the host's clock (and so the app's) to `iso`. */
export async function setClock(baseURL: string, iso: string): Promise<void> {
  await hostCall(baseURL, 'test/set-clock', { now: Date.parse(iso) });
}
