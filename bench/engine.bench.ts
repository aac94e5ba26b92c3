/**
 * `engine` group: the send engine's three figures (issue 4, "Speed").
 *
 * 1. `host-arm-100k*`: a host process as main runs it (a child Node process with `createHost`
 *    behind the web host) armed with 100,000 jobs by one `scheduler/set` over its WebSocket;
 *    the round trip, and the process's RSS and heap above idle.
 * 2. `fire-latency-ws-*`: 1,000 jobs handed by the host's scheduler to a page in Chromium
 *    through the web host's WebSocket; lateness = receipt in the page − due instant.
 * 3. `engine-send-1000` / `nodemailer-send-1000`: 1,000 emails due at one instant, sent by the
 *    renderer's real `Engine` (IndexedDB in Chromium) through the web host's Mailer to an
 *    smtp-server on 127.0.0.1, against bare pooled nodemailer sending the same messages.
 *
 * Heavy modules (Vite, Playwright, smtp-server) are imported inside the functions, so the
 * child host process loads only what a host needs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HostHandlers } from '../core/host/contract';
import { createHost, type Host } from '../electron/host/services';
import { startWebHost } from '../electron/host/web-server';
import { ownAndChildrenCpuMs, report } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHILD = 'BENCH_ENGINE_CHILD';
const MB = 1024 * 1024;

/** The screens the 1,000-email burst runs with (bench/browser/screen.ts), and their figures' suffixes. */
const SCREENS = [
  { screen: 'none', suffix: '' },
  { screen: 'command-center', suffix: '-command-center' },
  { screen: 'live-feed', suffix: '-live-feed' },
] as const;
type ScreenName = (typeof SCREENS)[number]['screen'];

/** Runs the figures of the `engine` group: the three of issue 4, and the burst with each screen open. */
export async function benchEngine(): Promise<void> {
  await benchHostArm();
  await benchInBrowser({ fireLatency: true, screens: SCREENS.map((s) => s.screen) });
}

/**
 * `engine-screen` group (issue 13): only the 1,000-email burst, with no screen, with the
 * Command Center open and with the Live Feed open, round by round in one run.
 */
export async function benchEngineScreen(): Promise<void> {
  // BENCH_SCREENS=command-center,live-feed picks screens (to look at one while changing it).
  const named = process.env.BENCH_SCREENS?.split(',');
  const screens = SCREENS.map((s) => s.screen).filter((screen) => !named || named.includes(screen));
  await benchInBrowser({ fireLatency: false, screens });
}

interface Memory {
  rss: number;
  heapUsed: number;
}

/** Asks the child host a question over IPC and waits for its answer. */
function ask<T>(child: ChildProcess, question: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: { answer?: string; value?: T }): void => {
      if (message.answer !== question) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message.value as T);
    };
    const onExit = (code: number | null): void => reject(new Error(`the host process exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ question });
  });
}

/** Figure 1: 100,000 jobs into a separate host process through one `scheduler/set`. */
async function benchHostArm(): Promise<void> {
  const { default: WebSocket } = await import('ws');
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, [CHILD]: 'host' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const url = await ask<string>(child, 'url');
    // The host answers only its own page's Origin: say it, as the page does.
    const ws = new WebSocket(`${url.replace('http', 'ws')}host`, { origin: new URL(url).origin });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    // A first small call warms the path (dispatch, validation, JSON) as a running app has.
    const replies = new Map<number, (data: unknown) => void>();
    ws.on('message', (data) => {
      const reply = JSON.parse(String(data)) as {
        id: number;
        ok: boolean;
        data?: unknown;
        error?: { message: string };
      };
      if (!reply.ok) throw new Error(reply.error?.message);
      replies.get(reply.id)?.(reply.data);
    });
    let nextId = 1;
    const call = (name: string, input: unknown): { sent: number; reply: Promise<unknown> } => {
      const id = nextId++;
      const text = JSON.stringify({ id, call: name, input });
      const reply = new Promise<unknown>((resolve) => replies.set(id, resolve));
      const sent = performance.now();
      ws.send(text);
      return { sent, reply };
    };
    await call('scheduler/set', { jobs: [{ id: 'warm', dueAt: Date.now() + 3_600_000 }], replace: true }).reply;
    const idle = await ask<Memory>(child, 'memory');

    const base = Date.now() + 3_600_000;
    const jobs = Array.from({ length: 100_000 }, (_, i) => ({
      id: `enrollment-${i}`,
      dueAt: base + ((i * 7919) % 100_000) * 1000,
    }));
    const { sent, reply } = call('scheduler/set', { jobs, replace: true });
    const answer = (await reply) as { pending: number };
    const armMs = performance.now() - sent;
    if (answer.pending !== 100_000) throw new Error(`the host holds ${answer.pending} jobs, not 100,000`);
    const peak = await ask<Memory>(child, 'memory-now');
    const armed = await ask<Memory>(child, 'memory');
    ws.close();
    report('host-arm-100k', Math.round(armMs), 'ms');
    report('host-arm-100k-rss', Number(((armed.rss - idle.rss) / MB).toFixed(1)), 'MB');
    report('host-arm-100k-heap', Number(((armed.heapUsed - idle.heapUsed) / MB).toFixed(1)), 'MB');
    report('host-arm-100k-rss-transient', Number(((peak.rss - idle.rss) / MB).toFixed(1)), 'MB');
    console.log(`host process idle: rss ${(idle.rss / MB).toFixed(1)} MB, heap ${(idle.heapUsed / MB).toFixed(1)} MB`);
  } finally {
    child.kill();
  }
}

/** The child: a host process with the web host, answering the parent's questions over IPC. */
async function hostChild(): Promise<void> {
  const runtime = createHost({ host: 'web', version: 'bench' });
  const web = await startWebHost({
    handlers: runtime.handlers,
    port: 0,
    serve: (_req, res) => {
      res.statusCode = 404;
      res.end();
    },
  });
  runtime.emit = (event, payload) => web.emit(event, payload);
  const settle = async (): Promise<Memory> => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { rss, heapUsed } = process.memoryUsage();
    return { rss, heapUsed };
  };
  process.on('message', (message: { question: string }) => {
    const answer = (value: unknown): void => void process.send!({ answer: message.question, value });
    if (message.question === 'url') answer(web.url);
    else if (message.question === 'memory-now') {
      const { rss, heapUsed } = process.memoryUsage();
      answer({ rss, heapUsed });
    } else if (message.question === 'memory') void settle().then(answer);
  });
  process.on('disconnect', () => process.exit(0));
}

/** Medians of a list (the middle value; the upper one of two). */
function middle(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Figures 2 and 3: Chromium pages against the web host in this process. */
async function benchInBrowser(options: { fireLatency: boolean; screens: ScreenName[] }): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { chromium } = await import('@playwright/test');
  const { build } = await import('vite');
  const { default: vue } = await import('@vitejs/plugin-vue');
  const { CHROMIUM_ARGS } = await import('../e2e/chromium');
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
    (p): p is string => !!p && existsSync(p),
  );
  if (!executablePath) {
    console.log('engine browser benchmarks skipped: no Chromium (set CHROMIUM_PATH or apt-get install chromium)');
    return;
  }
  // BENCH_ENGINE_MODULE=<absolute path of a copy of engine.ts> measures a candidate engine instead.
  const candidate = process.env.BENCH_ENGINE_MODULE;
  if (candidate) console.log(`engine under test: ${candidate}`);
  await build({
    root: `${root}bench/browser`,
    base: './',
    logLevel: 'error',
    plugins: [vue()],
    resolve: { alias: candidate ? [{ find: /^.*\/renderer\/src\/engine\/engine$/, replacement: candidate }] : [] },
    build: {
      outDir: `${root}out/bench-engine`,
      minify: process.env.BENCH_NO_MINIFY ? false : undefined,
      emptyOutDir: true,
      rollupOptions: { input: `${root}bench/browser/engine.html` },
    },
  });

  // Each run gets a fresh host (scheduler, Mailer and its pool) behind the same web server.
  let current: Host = createHost({ host: 'web', version: 'bench' });
  // The host's own time per mail/send (validation excluded: admission and the SMTP transfer).
  // And the CPU time the machine's processes of this run (this one: host, SMTP server; the
  // browser's) used from the first mail/send's arrival to the last one's answer.
  const hostSend = {
    count: 0,
    totalMs: 0,
    cpuAtFirst: undefined as { own: number; children: number } | undefined,
    cpuAtLast: undefined as { own: number; children: number } | undefined,
    wallFirst: 0,
    wallLast: 0,
  };
  const handlers = new Proxy({} as HostHandlers, {
    get: (_target, name) => {
      const handler = current.handlers[name as keyof HostHandlers] as (input: unknown) => Promise<unknown>;
      if (name !== 'mail/send') return handler;
      return async (input: unknown) => {
        const start = performance.now();
        if (!hostSend.cpuAtFirst) {
          hostSend.cpuAtFirst = ownAndChildrenCpuMs();
          hostSend.wallFirst = start;
        }
        try {
          return await handler(input);
        } finally {
          hostSend.count += 1;
          hostSend.totalMs += performance.now() - start;
          hostSend.wallLast = performance.now();
          // Every 50th and the last (the 1,000th) answer: /proc is read a few times, not 1,000.
          if (hostSend.count % 50 === 0) hostSend.cpuAtLast = ownAndChildrenCpuMs();
        }
      };
    },
  });
  const web = await startWebHost({ handlers, port: 0, serve: `${root}out/bench-engine` });
  const freshHost = (): void => {
    current.close();
    current = createHost({ host: 'web', version: 'bench' });
    current.emit = (event, payload) => web.emit(event, payload);
  };
  freshHost();
  const smtp = await startSinkSmtp();
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const open = async () => {
      const page = await browser.newPage();
      page.on('pageerror', (error) => console.error('page error:', error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().includes('404')) console.error('page:', message.text());
      });
      await page.goto(`${web.url}engine.html`);
      await page.waitForFunction("document.getElementById('state')?.textContent === 'ready'");
      return page;
    };

    // Figure 2: fire latency through the WebSocket into the page.
    if (options.fireLatency) {
      const page = await open();
      const lateness = await page.evaluate<number[]>('window.fireLatency(1000, 3, 500)');
      await page.close();
      lateness.sort((a, b) => a - b);
      report('fire-latency-ws-median', lateness[Math.floor(lateness.length * 0.5)]!, 'ms');
      report('fire-latency-ws-p99', lateness[Math.floor(lateness.length * 0.99)]!, 'ms');
      report('fire-latency-ws-max', lateness[lateness.length - 1]!, 'ms');
    }

    // Figure 3: three rounds of (engine, bare nodemailer) per screen, each with a fresh host and
    // page; the screens alternate within a round so they share its machine noise.
    const figures = new Map(
      options.screens.map((screen) => [
        screen,
        { engine: [] as number[], bare: [] as number[], ratio: [] as number[], settle: [] as number[] },
      ]),
    );
    // BENCH_ROUNDS=1 for a quick look; figures are taken over 3.
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    for (let round = 0; round < rounds; round++) {
      for (const screen of options.screens) {
        const figure = figures.get(screen)!;
        freshHost();
        const page = await open();
        smtp.count = 0;
        hostSend.count = 0;
        hostSend.totalMs = 0;
        hostSend.cpuAtFirst = undefined;
        hostSend.cpuAtLast = undefined;
        // BENCH_PROFILE=<dir>: a V8 CPU profile of the page for each round (open it in DevTools).
        const profileDir = process.env.BENCH_PROFILE;
        const cdp = profileDir ? await page.context().newCDPSession(page) : undefined;
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
          await cdp.send('Profiler.start');
        }
        const run = await page.evaluate<EngineRun>(`window.engineSend(1000, ${smtp.port}, 8000, '${screen}')`);
        if (cdp && profileDir) {
          const { profile } = await cdp.send('Profiler.stop');
          const { mkdirSync, writeFileSync } = await import('node:fs');
          mkdirSync(profileDir, { recursive: true });
          writeFileSync(`${profileDir}/page-${screen}-${round + 1}.cpuprofile`, JSON.stringify(profile));
        }
        await page.close();
        if (run.sent !== 1000 || smtp.count !== 1000)
          throw new Error(`the engine sent ${run.sent} (SMTP server saw ${smtp.count}), not 1,000`);
        smtp.count = 0;
        const bareCpu0 = ownAndChildrenCpuMs();
        const bareMs = await sendBare(smtp.port, run.messages);
        const bareCpu1 = ownAndChildrenCpuMs();
        // Set by the handler while the page ran (TypeScript cannot see that).
        type Cpu = { own: number; children: number } | undefined;
        const [first, last] = [hostSend.cpuAtFirst as Cpu, hostSend.cpuAtLast as Cpu];
        const engineCpu =
          first && last
            ? {
                own: last.own - first.own,
                browser: last.children - first.children,
                wall: hostSend.wallLast - hostSend.wallFirst,
              }
            : undefined;
        if (smtp.count !== 1000) throw new Error(`bare nodemailer delivered ${smtp.count}, not 1,000`);
        const engineRate = 1000 / (run.totalMs / 1000);
        const bareRate = 1000 / (bareMs / 1000);
        figure.engine.push(engineRate);
        figure.bare.push(bareRate);
        figure.ratio.push(engineRate / bareRate);
        figure.settle.push(run.screenSettleMs);
        const calls = Object.entries(run.calls)
          .map(([name, s]) => {
            const span = s.lastEnd - s.firstStart;
            const flight =
              s.inFlight && span > 0 && s.count > 100
                ? `, ${(s.inFlight.weighted / span).toFixed(0)} in flight on average, fewer than 8 for ${Math.round((100 * s.inFlight.starvedMs) / span)} % of the time`
                : '';
            return `${name} ×${s.count} (${Math.round(s.totalMs)} ms summed${s.jobs ? `, ${s.jobs} jobs` : ''}${flight})`;
          })
          .join(', ');
        console.log(
          `engine round ${round + 1}, screen ${screen}: ${Math.round(run.totalMs)} ms = due→page ${run.dueToReceiptMs} ms, ` +
            `page→first mail/send ${Math.round(run.receiptToFirstSendMs)} ms, sending ${Math.round(run.sendingMs)} ms, ` +
            `last reply→recorded ${Math.round(run.lastReplyToEndMs)} ms; IndexedDB transactions ${run.transactions.readwrite} rw / ` +
            `${run.transactions.readonly} ro (${run.transactions.byStores.join(', ')}); explicit transactions ×${run.explicit.count} (${Math.round(run.explicit.totalMs)} ms summed); ` +
            `each ${run.explicit.each.join(' ')} ms; calls: ${calls}; host-side mail/send ${Math.round(hostSend.totalMs)} ms summed ` +
            `(${Math.round(hostSend.totalMs / Math.max(1, hostSend.count))} ms each); prepare parts alone: per-email reads ` +
            `${Math.round(run.parts.perEmailReadsMs)} ms, compose ${Math.round(run.parts.composeMs)} ms, batched reads ` +
            `${Math.round(run.parts.batchedReadsMs)} ms; bare nodemailer ${Math.round(bareMs)} ms` +
            (engineCpu
              ? `; CPU from the first mail/send to the last answer (${Math.round(engineCpu.wall)} ms): this process ` +
                `(host, SMTP server) ${Math.round(engineCpu.own)} ms, the browser's processes ${Math.round(engineCpu.browser)} ms; ` +
                `bare nodemailer's run (its page closed): this process ${Math.round(bareCpu1.own - bareCpu0.own)} ms`
              : '') +
            (screen === 'none'
              ? ''
              : `; screen showed the final state ${Math.round(run.screenSettleMs)} ms after the last record`),
        );
      }
    }
    for (const { screen, suffix } of SCREENS) {
      const figure = figures.get(screen);
      if (!figure) continue;
      report(`engine-send-1000${suffix}`, Math.round(middle(figure.engine)), 'emails/s');
      report(`nodemailer-send-1000${suffix}`, Math.round(middle(figure.bare)), 'emails/s');
      // Taken round by round (both halves share that round's machine noise), then the median.
      report(`engine-vs-nodemailer${suffix}`, Number(middle(figure.ratio).toFixed(2)), 'x');
      if (screen !== 'none') report(`screen-final-state${suffix}`, Math.round(middle(figure.settle)), 'ms');
    }
  } finally {
    await browser.close();
    current.close();
    await web.close();
    await smtp.close();
  }
}

/** What `engineSend` in bench/browser/engine.ts returns. */
interface EngineRun {
  totalMs: number;
  sent: number;
  dueToReceiptMs: number;
  receiptToFirstSendMs: number;
  sendingMs: number;
  lastReplyToEndMs: number;
  transactions: { readwrite: number; readonly: number; byStores: string[] };
  explicit: { count: number; totalMs: number; each: number[] };
  calls: Record<
    string,
    {
      count: number;
      totalMs: number;
      jobs: number;
      firstStart: number;
      lastEnd: number;
      inFlight?: { weighted: number; starvedMs: number };
    }
  >;
  parts: { perEmailReadsMs: number; composeMs: number; batchedReadsMs: number };
  screenSettleMs: number;
  messages: {
    from: { name: string; address: string };
    to: { name: string; address: string };
    subject: string;
    html: string;
    text: string;
    messageId: string;
  }[];
}

/** An SMTP server on 127.0.0.1 that accepts every message and throws the bytes away, counting them. */
async function startSinkSmtp(): Promise<{ port: number; count: number; close: () => Promise<void> }> {
  const { SMTPServer } = await import('smtp-server');
  const sink = { port: 0, count: 0, close: async () => undefined as void };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        sink.count += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

/** Bare nodemailer: a fresh 5-connection pool, every message handed to `sendMail` at once; wall ms. */
async function sendBare(port: number, messages: EngineRun['messages']): Promise<number> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 5,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
  });
  const start = performance.now();
  await Promise.all(
    messages.map((m) =>
      transport.sendMail({ ...m, date: new Date(), disableFileAccess: true, disableUrlAccess: true }),
    ),
  );
  const ms = performance.now() - start;
  transport.close();
  return ms;
}

if (process.env[CHILD] === 'host') await hostChild();
