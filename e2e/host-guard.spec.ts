import { expect, test } from '@playwright/test';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HostHandlers } from '../core/host/contract';
import { createHost } from '../electron/host/services';
import { startWebHost, type WebHost } from '../electron/host/web-server';

/**
 * ARCHITECTURE.md "The web host": it answers only its own page. A page on another origin (here
 * another port on 127.0.0.1, as a page from anywhere the person browses would be) opens the
 * host's WebSocket from a real Chromium: the socket never opens and no call reaches the host.
 */

const built = fileURLToPath(new URL('../out/renderer', import.meta.url));

let runtime: ReturnType<typeof createHost>;
let host: WebHost;
let hostPort: number;
let other: Server;
let otherUrl: string;
/** Every host call that reached a handler, by name. */
const received: string[] = [];

const ATTACK = `<!doctype html><title>Another site</title><pre id="log"></pre><script>
  const log = (line) => (document.getElementById('log').textContent += line + '\\n');
  const ws = new WebSocket('ws://127.0.0.1:' + new URLSearchParams(location.search).get('port') + '/host');
  ws.onopen = () => { log('open'); ws.send(JSON.stringify({ id: 1, call: 'secrets/has', input: { key: 'sync:token' } })); };
  ws.onmessage = (event) => log('message ' + event.data);
  ws.onerror = () => log('error');
  ws.onclose = (event) => log('close ' + event.code);
</script>`;

test.beforeAll(async () => {
  runtime = createHost({ host: 'web', version: 'e2e', testMode: true });
  const handlers = Object.fromEntries(
    Object.entries(runtime.handlers).map(([name, handler]) => [
      name,
      (input: never) => {
        received.push(name);
        return (handler as (input: never) => Promise<unknown>)(input);
      },
    ]),
  ) as unknown as HostHandlers;
  host = await startWebHost({ handlers, port: 0, serve: built });
  runtime.emit = (event, payload) => host.emit(event, payload);
  hostPort = Number(new URL(host.url).port);
  other = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(ATTACK);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  runtime.close();
  await host.close();
  await new Promise<void>((resolve) => other.close(() => resolve()));
});

test('a page on another origin cannot open the host socket: it closes unopened and the host gets no call', async ({
  page,
}) => {
  received.length = 0;
  await page.goto(`${otherUrl}?port=${hostPort}`);
  await expect(page.locator('#log')).toContainText('close');
  const log = await page.locator('#log').textContent();
  expect(log).not.toContain('open');
  expect(log).not.toContain('message');
  expect(log).toContain('error');
  expect(received).toEqual([]);
});

test('a DNS-rebinding request (Host: evil.example:<port>) gets 403 for the page and the socket', async () => {
  const ask = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: hostPort, path: headers.upgrade ? '/host' : '/', headers });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('upgrade', () => resolve(101));
      req.on('error', reject);
      req.end();
    });
  expect(await ask({ host: `evil.example:${hostPort}` })).toBe(403);
  expect(
    await ask({
      host: `evil.example:${hostPort}`,
      origin: `http://evil.example:${hostPort}`,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    }),
  ).toBe(403);
  expect(received).toEqual([]);
});

test('the host’s own page still connects, at 127.0.0.1 and at localhost', async ({ page }) => {
  received.length = 0;
  for (const base of [host.url, `http://localhost:${hostPort}/`]) {
    await page.goto(base);
    await expect(page.getByTestId('host-status')).toHaveText(/Browser build · ve2e/);
  }
  expect(received).toContain('app/get-info');
});
