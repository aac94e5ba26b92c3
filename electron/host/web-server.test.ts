import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HostHandlers } from '../../core/host/contract';
import { createHost, type Host } from './services';
import { isOwnHost, isOwnOrigin, startWebHost, type WebHost } from './web-server';

let folder: string;
let runtime: Host;
let web: WebHost;
let port: number;
/** Every host call that reached a handler, by name. */
let received: string[];

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'web-host-'));
  writeFileSync(join(folder, 'index.html'), '<!doctype html><title>Campaign Desk</title>');
  runtime = createHost({ host: 'web', version: 'test' });
  received = [];
  const handlers = Object.fromEntries(
    Object.entries(runtime.handlers).map(([name, handler]) => [
      name,
      (input: never) => {
        received.push(name);
        return (handler as (input: never) => Promise<unknown>)(input);
      },
    ]),
  ) as unknown as HostHandlers;
  web = await startWebHost({ handlers, port: 0, serve: folder });
  port = Number(new URL(web.url).port);
});

afterEach(async () => {
  runtime.close();
  await web.close();
  rmSync(folder, { recursive: true, force: true });
});

/**
 * Opens `/host` as a client with these headers and asks `secrets/has`.
 * @returns the answer, or the HTTP status the upgrade was refused with
 */
async function tryHost(headers: { origin?: string; host?: string }): Promise<{ status: number; answer?: unknown }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/host`, {
    ...(headers.origin ? { origin: headers.origin } : {}),
    ...(headers.host ? { headers: { host: headers.host } } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.once('message', (data) => {
        resolve({ status: 101, answer: JSON.parse(String(data)) });
        ws.close();
      });
      ws.send(JSON.stringify({ id: 1, call: 'secrets/has', input: { key: 'sync:token' } }));
    });
  });
}

/** One plain HTTP request to the host with this method and Host header. */
async function httpTo(method: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web host: it answers only its own page', () => {
  it('answers the page it serves, at 127.0.0.1 and at localhost', async () => {
    expect(await tryHost({ origin: `http://127.0.0.1:${port}` })).toEqual({
      status: 101,
      answer: { id: 1, ok: true, data: { present: false } },
    });
    expect(await tryHost({ origin: `http://localhost:${port}`, host: `localhost:${port}` })).toEqual({
      status: 101,
      answer: { id: 1, ok: true, data: { present: false } },
    });
    expect(received).toEqual(['secrets/has', 'secrets/has']);
  });

  it('refuses with 403 an upgrade from another origin, with no Origin, or from another port; no call arrives', async () => {
    expect(await tryHost({ origin: 'https://evil.example' })).toEqual({ status: 403 });
    expect(await tryHost({})).toEqual({ status: 403 });
    expect(await tryHost({ origin: 'null' })).toEqual({ status: 403 });
    expect(await tryHost({ origin: `http://127.0.0.1:${port + 1}` })).toEqual({ status: 403 });
    expect(await tryHost({ origin: `https://127.0.0.1:${port}` })).toEqual({ status: 403 });
    expect(received).toEqual([]);
  });

  it('refuses with 403 a DNS-rebinding request (Host: evil.example:<port>), socket or plain HTTP', async () => {
    expect(await tryHost({ origin: `http://evil.example:${port}`, host: `evil.example:${port}` })).toEqual({
      status: 403,
    });
    // Even with the right Origin, another Host is not this host.
    expect(await tryHost({ origin: `http://127.0.0.1:${port}`, host: `evil.example:${port}` })).toEqual({
      status: 403,
    });
    const page = await httpTo('GET', `evil.example:${port}`);
    expect(page.status).toBe(403);
    expect(page.body).not.toContain('Campaign Desk</title>');
    expect(received).toEqual([]);
  });

  it('serves its files to GET and HEAD only: any other method is 405', async () => {
    expect(await httpTo('GET', `127.0.0.1:${port}`)).toEqual({
      status: 200,
      body: '<!doctype html><title>Campaign Desk</title>',
    });
    expect((await httpTo('HEAD', `localhost:${port}`)).status).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      expect((await httpTo(method, `127.0.0.1:${port}`)).status).toBe(405);
  });
});

describe('isOwnOrigin / isOwnHost', () => {
  it('accept exactly the host’s two names on its port', () => {
    expect(isOwnOrigin('http://127.0.0.1:4317', 4317)).toBe(true);
    expect(isOwnOrigin('http://LOCALHOST:4317', 4317)).toBe(true);
    expect(isOwnOrigin('http://127.0.0.1:4317/', 4317)).toBe(false);
    expect(isOwnOrigin('http://127.0.0.1:43170', 4317)).toBe(false);
    expect(isOwnOrigin('http://127.0.0.1.evil.example:4317', 4317)).toBe(false);
    expect(isOwnOrigin(undefined, 4317)).toBe(false);
    expect(isOwnHost('127.0.0.1:4317', 4317)).toBe(true);
    expect(isOwnHost('localhost:4317', 4317)).toBe(true);
    expect(isOwnHost('127.0.0.1', 4317)).toBe(false);
    expect(isOwnHost('[::1]:4317', 4317)).toBe(false);
    expect(isOwnHost(undefined, 4317)).toBe(false);
  });
});
