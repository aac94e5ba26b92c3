import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { CHROMIUM_ARGS } from '../e2e/chromium';
import { seedResultsScript } from '../e2e/support/results-seed';
import { createHost } from '../electron/host/services';
import { startWebHost } from '../electron/host/web-server';
import { report } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Time from opening a campaign's results to its funnel (and then its 14-day calendar) painted. */
const OPEN = `(async () => {
  const start = performance.now();
  location.hash = '#/campaigns/big/results';
  const painted = (selector) => new Promise((resolve) => {
    const check = () => (document.querySelector(selector) ? resolve() : requestAnimationFrame(check));
    check();
  });
  await painted('[data-testid="funnel-row"]');
  await new Promise((resolve) => requestAnimationFrame(resolve));
  const funnel = performance.now() - start;
  await painted('[data-testid="chart-calendar"] canvas');
  await new Promise((resolve) => requestAnimationFrame(resolve));
  return { funnel, calendar: performance.now() - start };
})()`;

/**
 * `results` group: the results screen of a campaign of 10,000 people × 8 steps (80,000 step
 * runs, written straight into IndexedDB): the first open ever (its counters counted from the
 * rows once), then the first paint from the kept counters (median of 5), and the 14-day
 * calendar, which reads each person's next step.
 */
export async function benchResults(): Promise<void> {
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
    (p): p is string => !!p && existsSync(p),
  );
  if (!executablePath) {
    console.log('results benchmark skipped: no Chromium (set CHROMIUM_PATH or apt-get install chromium)');
    return;
  }
  if (!existsSync(`${root}out/renderer/index.html`))
    await build({ configFile: `${root}renderer/vite.config.ts`, logLevel: 'error' });
  const runtime = createHost({ host: 'web', version: 'bench' });
  const host = await startWebHost({ handlers: runtime.handlers, port: 0, serve: `${root}out/renderer` });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${host.url}#/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.evaluate(
      seedResultsScript({
        campaignId: 'big',
        name: 'Ten thousand',
        shape: 'many',
        people: 10_000,
        steps: 8,
        now: Date.now(),
      }),
    );
    const back = async () => {
      await page.evaluate("location.hash = '#/settings'");
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
    };
    await back();
    const cold = await page.evaluate<{ funnel: number; calendar: number }>(OPEN);
    const warm: { funnel: number; calendar: number }[] = [];
    for (let i = 0; i < 5; i++) {
      await back();
      warm.push(await page.evaluate<{ funnel: number; calendar: number }>(OPEN));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    report('results-first-paint', Math.round(median(warm.map((w) => w.funnel))), 'ms');
    report('results-calendar-14-days', Math.round(median(warm.map((w) => w.calendar))), 'ms');
    report('results-first-open-counting-80k-runs', Math.round(cold.funnel), 'ms');
  } finally {
    await browser.close();
    await host.close();
    await runtime.close?.();
  }
}
