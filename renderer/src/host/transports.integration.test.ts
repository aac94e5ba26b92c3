import { createServer, type AddressInfo, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WS from 'ws';
import type { HostBridge, HostCallName, PreloadBridge } from '../../../core/host/contract';
import { HostCallError, preloadBridge, webSocketBridge } from './client';
import { createHost, type Host, type SecretStore } from '../../../electron/host/services';
import { startWebHost, type WebHost } from '../../../electron/host/web-server';
import { registerHostCalls } from '../../../electron/main/ipc';

/**
 * The two transports of the host contract side by side, on one host: Electron's IPC (the real
 * `registerHostCalls` and the real preload, over a fake `ipcMain` / `ipcRenderer` that behaves
 * as Electron's do: arguments and replies copied, and a handler's thrown error turned into
 * "Error invoking remote method '<channel>': <error>", as Electron does) and the web host's
 * WebSocket (a real web host and the renderer's real WebSocket client). Each must give the
 * renderer the same HostCallError, word for word.
 */

/** What the app's own page is, for the frame check; a frame elsewhere is refused. */
const APP_PAGE = 'file:///opt/Campaign%20Desk/resources/app.asar/out/renderer/index.html';

const electron = vi.hoisted(() => {
  type Handler = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown;
  const handlers = new Map<string, Handler>();
  const exposed: Record<string, unknown> = {};
  const sender = { frameUrl: '' };
  return {
    handlers,
    exposed,
    sender,
    ipcMain: { handle: (channel: string, handler: Handler) => void handlers.set(channel, handler) },
    ipcRenderer: {
      async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
        const handler = handlers.get(channel);
        if (!handler)
          throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
        try {
          const result = await handler({ senderFrame: { url: sender.frameUrl } }, ...structuredClone(args));
          return structuredClone(result);
        } catch (error) {
          // Electron's ipcRenderer.invoke: the main process's error reaches the page as this text only.
          throw new Error(`Error invoking remote method '${channel}': ${String(error)}`, { cause: error });
        }
      },
      on: () => undefined,
      removeListener: () => undefined,
    },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  };
});
vi.mock('electron', () => ({
  ipcMain: electron.ipcMain,
  ipcRenderer: electron.ipcRenderer,
  contextBridge: electron.contextBridge,
}));

/** A secret store that fails to write, as a locked keychain does. */
function lockedKeychain(): SecretStore {
  const kept = new Map<string, string>();
  return {
    set: async (key, value) => {
      if (key === 'sync:token') throw new Error('the keychain is locked; unlock it and try again');
      kept.set(key, value);
    },
    get: async (key) => kept.get(key),
    delete: async (key) => void kept.delete(key),
  };
}

let runtime: Host;
let web: WebHost;
let folder: string;
let desktop: HostBridge;
let browser: HostBridge;
const savedWebSocket = globalThis.WebSocket;

beforeAll(async () => {
  runtime = createHost({ host: 'web', version: 'test', secrets: lockedKeychain() });
  // The desktop path: main registers on IPC, the real preload exposes its bridge, the renderer wraps it.
  registerHostCalls(electron.ipcMain as never, runtime.handlers, (url) => url === APP_PAGE);
  electron.sender.frameUrl = APP_PAGE;
  await import('../../../electron/preload/index');
  desktop = preloadBridge(electron.exposed.campaignDesk as PreloadBridge);
  // The browser path: a real web host; `ws` stands in for the browser's WebSocket, sending the page's Origin.
  folder = mkdtempSync(join(tmpdir(), 'ipc-parity-'));
  writeFileSync(join(folder, 'index.html'), '<!doctype html><title>Campaign Desk</title>');
  web = await startWebHost({ handlers: runtime.handlers, port: 0, serve: folder });
  class PageSocket extends WS {
    constructor(url: string) {
      super(url, { origin: new URL(url).origin.replace(/^ws/, 'http') });
    }
  }
  Object.assign(globalThis, { WebSocket: PageSocket });
  browser = webSocketBridge(`${web.url.replace(/^http/, 'ws')}host`);
});

afterAll(async () => {
  Object.assign(globalThis, { WebSocket: savedWebSocket });
  await web.close();
  await runtime.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The call on one transport: its data, or its HostCallError as `{ type, path, message }`. */
async function outcome(bridge: HostBridge, name: string, input: unknown): Promise<unknown> {
  try {
    return { data: await bridge.call(name as HostCallName, input as never) };
  } catch (error) {
    expect(error).toBeInstanceOf(HostCallError);
    const e = error as HostCallError;
    return { error: { type: e.type, path: e.path, message: e.message }, delivery: e.delivery };
  }
}

/** The call on both transports; asserts they agree and returns what they gave. */
async function onBoth(name: string, input: unknown): Promise<unknown> {
  const viaIpc = await outcome(desktop, name, input);
  const viaSocket = await outcome(browser, name, input);
  expect(viaIpc).toEqual(viaSocket);
  return viaIpc;
}

/** A mail server that takes the connection and drops it before its greeting. */
async function droppingPeer(): Promise<{ port: number; server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, connections: () => connections };
}

describe('host errors cross both transports as data, in the same words', () => {
  it('bad input names the field and the value, and stores nothing', async () => {
    expect(await onBoth('secrets/set', { key: 'smtp:no spaces!', value: 's3cret' })).toEqual({
      error: {
        type: 'invalid-input',
        path: 'input.key',
        message:
          'input.key: "smtp:no spaces!" is not a secret name (smtp:<mailbox id>, imap:<mailbox id> or sync:token)',
      },
      delivery: 'refused',
    });
    expect(
      await onBoth('mail/verify', {
        mailboxId: 'mbx-1',
        smtp: { host: 'smtp.acme-test.com', port: 70_000, security: 'tls', user: 'rep@acme-test.com' },
      }),
    ).toEqual({
      error: {
        type: 'invalid-input',
        path: 'input.smtp.port',
        message: 'input.smtp.port: Too big: expected number to be <=65535; got 70000',
      },
      delivery: 'refused',
    });
    // A secret that is refused is named by its length, never shown back.
    expect(await onBoth('secrets/set', { key: 'smtp:mbx-1', value: 'p'.repeat(5000) })).toEqual({
      error: {
        type: 'invalid-input',
        path: 'input.value',
        message: 'input.value: is 5000 characters long; a password or token has at most 4096 (check what was pasted)',
      },
      delivery: 'refused',
    });
    expect(await onBoth('secrets/has', { key: 'smtp:no spaces!' })).toMatchObject({
      error: { type: 'invalid-input', path: 'input.key' },
    });
    expect(await onBoth('secrets/has', { key: 'smtp:mbx-1' })).toEqual({ data: { present: false } });
  });

  it('an SMTP server that drops the connection: the same words on both, and each path reached it', async () => {
    const peer = await droppingPeer();
    try {
      const input = {
        mailboxId: 'mbx-1',
        smtp: { host: '127.0.0.1', port: peer.port, security: 'none', user: '' },
      };
      expect(await onBoth('mail/verify', input)).toEqual({
        data: {
          ok: false,
          message: 'The mail server said: Connection closed unexpectedly',
        },
      });
      expect(peer.connections()).toBe(2);
    } finally {
      await new Promise((resolve) => peer.server.close(resolve));
    }
  });

  it('a host that fails while acting says why, without Electron’s "Error invoking remote method"', async () => {
    expect(await onBoth('secrets/set', { key: 'sync:token', value: 'http://sync.acme-test.com\nt0ken' })).toEqual({
      error: { type: 'internal', path: '', message: 'the keychain is locked; unlock it and try again' },
      delivery: 'refused',
    });
  });

  it('Electron refusing a call before anything ran (no handler yet, an input it cannot clone) is unreachable, not internal: nothing was attempted', async () => {
    const [channel, handler] = [...electron.handlers].find(([name]) => name.startsWith('host:'))!;
    electron.handlers.delete(channel);
    try {
      expect(await outcome(desktop, 'clock/now', {})).toMatchObject({
        error: { type: 'unreachable', message: expect.stringContaining('No handler registered') },
        delivery: 'unreachable',
      });
    } finally {
      electron.handlers.set(channel, handler);
    }
    expect(await outcome(desktop, 'clock/now', { when: () => 0 })).toMatchObject({
      error: { type: 'unreachable', message: expect.stringContaining('could not be cloned') },
      delivery: 'unreachable',
    });
  });

  it('an unknown call is not-found on both', async () => {
    expect(await onBoth('mail/send-all', {})).toEqual({
      error: { type: 'not-found', path: 'call', message: 'call: "mail/send-all" is not a host call' },
      delivery: 'refused',
    });
  });

  it('a frame that is not the app’s page is refused as data, and reaches no handler', async () => {
    electron.sender.frameUrl = 'https://evil.example/';
    try {
      expect(await outcome(desktop, 'secrets/set', { key: 'sync:token', value: 'x' })).toEqual({
        error: {
          type: 'forbidden',
          path: 'frame',
          message: 'frame: host calls are refused from https://evil.example/',
        },
        delivery: 'refused',
      });
    } finally {
      electron.sender.frameUrl = APP_PAGE;
    }
  });

  it('the harness rewrites a thrown error as Electron does (why the host never throws to IPC)', async () => {
    electron.ipcMain.handle('demo:throws', () => {
      throw new Error('input.key: refused');
    });
    await expect(electron.ipcRenderer.invoke('demo:throws')).rejects.toThrow(
      "Error invoking remote method 'demo:throws': Error: input.key: refused",
    );
  });
});
