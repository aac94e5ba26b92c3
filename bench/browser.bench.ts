import { chromium, type Browser } from '@playwright/test';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { CHROMIUM_ARGS } from '../e2e/chromium';
import { createHost } from '../electron/host/services';
import { startWebHost } from '../electron/host/web-server';
import { childrenCpuMs, report } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));

function chromiumOrSay(): string | undefined {
  const path = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  if (!path) console.log('browser benchmarks skipped: no Chromium (set CHROMIUM_PATH or apt-get install chromium)');
  return path;
}

async function withBrowser<T>(work: (browser: Browser) => Promise<T>): Promise<T | undefined> {
  const executablePath = chromiumOrSay();
  if (!executablePath) return undefined;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    return await work(browser);
  } finally {
    await browser.close();
  }
}

/** `launch` group: 10,000 people into a 6-step campaign vs a plain bulkPut, in Chromium's IndexedDB. */
const runtime = createHost({ host: 'web', version: 'bench' });

export async function benchLaunch(): Promise<void> {
  await build({
    root: `${root}bench/browser`,
    base: './',
    logLevel: 'error',
    build: { outDir: `${root}out/bench`, emptyOutDir: true },
  });
  const host = await startWebHost({
    handlers: runtime.handlers,
    port: 0,
    serve: `${root}out/bench`,
  });
  try {
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      await page.exposeFunction('benchCpuMs', childrenCpuMs);
      await page.goto(host.url);
      await page.waitForFunction("document.getElementById('state')?.textContent === 'ready'");
      const runs: {
        previewMs: number;
        launchMs: number;
        bulkPutMs: number;
        bulkPutIndexedMs: number;
        outboxBytes: number;
        enrollmentBytes: number;
        launchCpuMs: number;
        bulkPutCpuMs: number;
      }[] = [];
      for (let i = 0; i < 5; i++) {
        runs.push(await page.evaluate<(typeof runs)[number]>('window.runLaunchBench()'));
      }
      const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const median = (key: keyof (typeof runs)[number]) => middle(runs.map((r) => r[key]));
      report('launch-preview-10k', Math.round(median('previewMs')), 'ms');
      report('launch-write-10k', Math.round(median('launchMs')), 'ms');
      report('bulkput-10k', Math.round(median('bulkPutMs')), 'ms');
      // The ratio is taken run by run (both halves share that run's machine noise), then the median.
      report('launch-vs-bulkput', Number(middle(runs.map((r) => r.launchMs / r.bulkPutMs)).toFixed(2)), 'x');
      report('bulkput-app-indexes-10k', Math.round(median('bulkPutIndexedMs')), 'ms');
      report(
        'launch-vs-bulkput-app-indexes',
        Number(middle(runs.map((r) => r.launchMs / r.bulkPutIndexedMs)).toFixed(2)),
        'x',
      );
      report('launch-outbox-row', Math.round(median('outboxBytes') / 1024), 'KiB');
      // The same two spans in CPU time of the whole browser (Linux only): the work each one costs,
      // which the other agents on a shared machine move far less than the wall time.
      if (runs.every((r) => Number.isFinite(r.launchCpuMs))) {
        report('launch-write-10k-cpu', Math.round(median('launchCpuMs')), 'ms');
        report('bulkput-10k-cpu', Math.round(median('bulkPutCpuMs')), 'ms');
        report(
          'launch-vs-bulkput-cpu',
          Number(middle(runs.map((r) => r.launchCpuMs / r.bulkPutCpuMs)).toFixed(2)),
          'x',
        );
      }
    });
  } finally {
    await host.close();
  }
}

// Page scripts as text: tsx's transform would wrap named functions in a helper the page lacks.
const SEED_CONTACTS = `(async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('campaign-desk');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const tx = db.transaction('contacts', 'readwrite');
  const store = tx.objectStore('contacts');
  for (let i = 0; i < 10000; i++) {
    store.put({ id: 'p' + i, email: 'person' + i + '@example.org', emailKey: 'person' + i + '@example.org',
      firstName: 'First' + i, lastName: 'Last' + String(i).padStart(5, '0'), company: 'Company ' + (i % 500),
      title: 'Head of Operations', phone: '', timeZone: 'Europe/Berlin', notes: '', custom: {},
      unsubscribed: false, bounced: false, createdAt: 0, updatedAt: 0, version: 1 });
  }
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
})()`;

/** Time from opening Contacts to its first rows painted. */
const FIRST_SCREEN = `(async () => {
  const start = performance.now();
  location.hash = '#/contacts';
  await new Promise((resolve) => {
    const check = () => (document.querySelector('[data-testid="contact-row"]') ? resolve() : requestAnimationFrame(check));
    check();
  });
  await new Promise((resolve) => requestAnimationFrame(resolve));
  return performance.now() - start;
})()`;

/** Scrolls 240 px a frame for 3 s; frames per second and the 95th-percentile frame time. */
const SCROLL = `(async () => {
  const scroller = document.querySelector('[data-testid="contact-scroller"]');
  const frames = [];
  let last = performance.now();
  const start = last;
  await new Promise((resolve) => {
    const step = (now) => {
      frames.push(now - last);
      last = now;
      scroller.scrollTop += 240;
      if (now - start < 3000) requestAnimationFrame(step);
      else resolve();
    };
    requestAnimationFrame(step);
  });
  const sorted = frames.slice(1).sort((a, b) => a - b);
  return { fps: (frames.length - 1) / ((last - start) / 1000), p95: sorted[Math.floor(sorted.length * 0.95)] };
})()`;

/** `contacts-table` group: first screen of 10,000 contacts and scrolling, in the real app. */
export async function benchContactsTable(): Promise<void> {
  if (!existsSync(`${root}out/renderer/index.html`))
    await build({ configFile: `${root}renderer/vite.config.ts`, logLevel: 'error' });
  const host = await startWebHost({
    handlers: runtime.handlers,
    port: 0,
    serve: `${root}out/renderer`,
  });
  try {
    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${host.url}#/settings`);
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      // Seed 10,000 contacts straight into the app's IndexedDB (the app has created the schema).
      await page.evaluate(SEED_CONTACTS);
      const firstScreen: number[] = [];
      for (let i = 0; i < 5; i++) {
        await page.evaluate("location.hash = '#/settings'");
        await page.getByRole('heading', { name: 'Settings' }).waitFor();
        firstScreen.push(await page.evaluate<number>(FIRST_SCREEN));
      }
      const scroll = await page.evaluate<{ fps: number; p95: number }>(SCROLL);
      const sorted = [...firstScreen].sort((a, b) => a - b);
      report('contacts-first-screen-10k', Math.round(sorted[2]!), 'ms');
      report('contacts-first-screen-10k-cold', Math.round(firstScreen[0]!), 'ms');
      report('contacts-scroll-fps', Math.round(scroll.fps), 'fps');
      report('contacts-scroll-p95-frame', Number(scroll.p95.toFixed(1)), 'ms');
    });
  } finally {
    await host.close();
  }
}
