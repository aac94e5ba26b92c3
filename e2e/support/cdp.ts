import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM_ARGS, chromiumPath } from '../chromium';

/**
 * A Chromium started by the test itself, as a user's browser runs: without the flags Playwright
 * adds to every browser it launches (`--disable-background-timer-throttling`,
 * `--disable-renderer-backgrounding`, `--disable-backgrounding-occluded-windows`), so a tab behind
 * another is hidden and throttled as in a salesperson's browser. Playwright can drive it over CDP
 * (`chromium.connectOverCDP(http)`); `cdp` speaks the protocol directly once Playwright has let go
 * (Playwright's attachment keeps a page "focused" and visible).
 */
export async function startOwnChromium(): Promise<{
  http: string;
  cdp: RawCdp;
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'campaign-desk-chromium-'));
  const child: ChildProcess = spawn(
    chromiumPath(),
    [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      const killed = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killed);
    }
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const portFile = join(profile, 'DevToolsActivePort');
    for (
      let waited = 0;
      !existsSync(portFile) || readFileSync(portFile, 'utf8').split('\n').length < 2;
      waited += 100
    ) {
      if (child.exitCode !== null)
        throw new Error(`Chromium exited (${child.exitCode}) before opening its DevTools port`);
      if (waited > 30_000) throw new Error(`Chromium did not open its DevTools port within 30 s (${portFile})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [port, path] = readFileSync(portFile, 'utf8').split('\n') as [string, string];
    const cdp = await RawCdp.connect(`ws://127.0.0.1:${port}${path}`);
    return {
      http: `http://127.0.0.1:${port}`,
      cdp,
      close: async () => {
        cdp.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The Chrome DevTools Protocol over the browser's own WebSocket, nothing in between. */
export class RawCdp {
  private next = 0;
  private readonly waiting = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
    // Chromium gone: every command still waiting fails now instead of never settling.
    const gone = () => {
      for (const settle of this.waiting.values()) settle({ error: { message: 'the browser closed the connection' } });
      this.waiting.clear();
    };
    ws.on('close', gone);
    ws.on('error', gone);
  }

  static async connect(url: string): Promise<RawCdp> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawCdp(ws);
  }

  /** One CDP command; `sessionId` for a command to an attached target. */
  async send<T>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = ++this.next;
    const reply = await new Promise<{ result?: unknown; error?: { message: string } }>((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result as T;
  }

  /** Attaches to the page whose URL starts with `urlPrefix`; returns an evaluator for it. */
  async page(urlPrefix: string): Promise<(expression: string) => Promise<unknown>> {
    const { targetInfos } = await this.send<{ targetInfos: { targetId: string; type: string; url: string }[] }>(
      'Target.getTargets',
    );
    const target = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(urlPrefix));
    if (!target) throw new Error(`no page at ${urlPrefix} (pages: ${targetInfos.map((t) => t.url).join(', ')})`);
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId: target.targetId,
      flatten: true,
    });
    return async (expression) =>
      (
        await this.send<{ result: { value: unknown } }>(
          'Runtime.evaluate',
          { expression, returnByValue: true, awaitPromise: true },
          sessionId,
        )
      ).result.value;
  }

  /** Opens a new tab in front of the others (in the same window, so those behind it are hidden). */
  async openTab(url: string): Promise<void> {
    await this.send('Target.createTarget', { url });
  }

  close(): void {
    this.ws.close();
  }
}
