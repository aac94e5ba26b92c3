import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import type { HostCallInput, HostHandlers } from '../core/host/contract';
import { createHost } from '../electron/host/services';
import { startWebHost, type WebHost } from '../electron/host/web-server';
import { CampaignPage } from './pages/campaign';
import { addCallStep, mailboxAndContacts } from './support/setup';

/**
 * SPEC: a due task always reaches the person. The web host shows no system notification
 * (`notify/show` answers `shown: false`) and this page may not show Web Notifications
 * (permission not granted), so the app shows the alert itself, counts it for the tray
 * (`app/set-status` `dueAlerts`), and clicking it opens the task.
 */

const built = fileURLToPath(new URL('../out/renderer', import.meta.url));
const LAUNCH = '2026-03-09T07:00:00Z'; // Monday 08:00 in Berlin
/** Every `app/set-status` the page reported, in order. */
const statuses: HostCallInput<'app/set-status'>[] = [];
let runtime: ReturnType<typeof createHost>;
let host: WebHost;

test.beforeAll(async () => {
  runtime = createHost({ host: 'web', version: 'e2e', testMode: true });
  const handlers: HostHandlers = {
    ...runtime.handlers,
    'app/set-status': (status) => {
      statuses.push(status);
      return runtime.handlers['app/set-status'](status);
    },
  };
  host = await startWebHost({ handlers, port: 0, serve: built });
  runtime.emit = (event, payload) => host.emit(event, payload);
});

test.afterAll(async () => {
  runtime.close();
  await host.close();
});

const ENROLLMENT_DUE = `new Promise((resolve) => {
  const open = indexedDB.open('campaign-desk');
  open.onsuccess = () => {
    const request = open.result.transaction('enrollments').objectStore('enrollments').getAll();
    request.onsuccess = () => { resolve(request.result.map((e) => e.nextDueAt)); open.result.close(); };
  };
})`;

test('a task falling due with no system notification shows inside the app, counts for the tray, and opens the task', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  await runtime.handlers['test/set-clock']({ now: Date.parse(LAUNCH) });
  // This spec's own host (it records the tray status): the page objects' paths go to it.
  const context = await browser.newContext({ baseURL: host.url, permissions: [] });
  const page = await context.newPage();
  await mailboxAndContacts(page, 'Europe/Berlin');
  expect(await page.evaluate('Notification.permission')).not.toBe('granted');
  const editor = new CampaignPage(page);
  await editor.create('Calls');
  await addCallStep(editor, 'Call {{ first_name }} {{ last_name }}');
  await editor.waitSaved();
  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: 'Launch Calls' });
  await dialog.getByTestId('launch-pick-ana.lima@example.org').check();
  await dialog.getByTestId('launch-pick-kenji.mori@example.net').check();
  await dialog.getByTestId('launch-preview').click();
  await dialog.getByTestId('launch-confirm').click();
  await expect(page.getByTestId('toast').first()).toContainText('Launched Calls for 2 people');

  const due = (await page.evaluate(ENROLLMENT_DUE)) as number[];
  await page.getByTestId('nav-campaigns').click();
  await expect(page.getByTestId('task-alert')).toHaveCount(0);
  await runtime.handlers['test/set-clock']({ now: Math.max(...due, Date.parse(LAUNCH)) + 1000 });

  const alerts = page.getByTestId('task-alert');
  await expect(alerts).toHaveCount(2, { timeout: 15_000 });
  await expect.poll(() => statuses.at(-1)?.dueAlerts).toBe(2);
  // Kenji's task is done in the Command Center: his alert goes, and the tray count follows.
  await page.getByTestId('nav-command-center').click();
  await page.getByTestId('task-row').filter({ hasText: 'Call Kenji Mori' }).getByTestId('task-complete').click();
  const alert = page.getByTestId('task-alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toHaveText(/Task due:\s*Call Ana Lima\s*Open/);
  await expect.poll(() => statuses.at(-1)?.dueAlerts).toBe(1);
  await page.getByTestId('nav-campaigns').click();
  await page.screenshot({ path: 'e2e/screenshots/host-guard-task-alert.png' });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.screenshot({ path: 'e2e/screenshots/host-guard-task-alert-1024.png' });

  await alert.getByTestId('task-alert-open').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Command Center');
  await expect(page.getByTestId('task-row')).toContainText('Call Ana Lima');
  await expect(page.getByTestId('task-alert')).toHaveCount(0);
  await expect.poll(() => statuses.at(-1)?.dueAlerts).toBe(0);
  await context.close();
});

test('more than two tasks falling due show as one banner that opens the Tasks due folder or dismisses them all', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  await runtime.handlers['test/set-clock']({ now: Date.parse(LAUNCH) });
  const context = await browser.newContext({
    baseURL: host.url,
    permissions: [],
    viewport: { width: 1024, height: 700 },
  });
  const page = await context.newPage();
  await mailboxAndContacts(page, 'Europe/Berlin');
  const editor = new CampaignPage(page);
  await editor.create('Four calls');
  await addCallStep(editor, 'Call {{ first_name }} {{ last_name }}');
  await addCallStep(editor, 'Call {{ first_name }} again', 2);
  await editor.waitSaved();
  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: 'Launch Four calls' });
  for (const email of [
    'ana.lima@example.org',
    'kenji.mori@example.net',
    'priya.nair@example.in',
    'luis.perez@example.org',
  ])
    await dialog.getByTestId(`launch-pick-${email}`).check();
  await dialog.getByTestId('launch-preview').click();
  await dialog.getByTestId('launch-confirm').click();
  await expect(page.getByTestId('toast').first()).toContainText('Launched Four calls for 4 people');

  // The person is in the Command Center's Replies folder when the four calls fall due.
  await page.getByTestId('nav-command-center').click();
  await page.getByTestId('folder-replies').click();
  const firstDue = (await page.evaluate(ENROLLMENT_DUE)) as number[];
  await runtime.handlers['test/set-clock']({ now: Math.max(...firstDue) + 1000 });
  const summary = page.getByTestId('task-alert-summary');
  await expect(summary.getByTestId('task-alert-summary-text')).toHaveText(
    '4 tasks due: Call Ana Lima, Call Kenji Mori and 2 more',
    { timeout: 15_000 },
  );
  await expect(summary).toHaveCount(1);
  await expect(page.getByTestId('task-alert')).toHaveCount(0);
  await expect(page.getByRole('alert').getByRole('button')).toHaveText(['Open Tasks due', 'Dismiss alerts']);
  await expect.poll(() => statuses.at(-1)?.dueAlerts).toBe(4);
  // One banner: the folder tabs stay near the top of a 1024×700 window.
  const tabs = await page.getByRole('tablist', { name: 'Folders' }).boundingBox();
  expect(tabs!.y).toBeLessThan(250);
  await page.screenshot({ path: 'e2e/screenshots/task-alert-summary-1024x700.png' });

  await summary.getByRole('button', { name: 'Open Tasks due' }).click();
  await expect(page.getByTestId('folder-tasks')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('task-row')).toHaveCount(4);
  for (const name of ['Ana Lima', 'Kenji Mori', 'Priya Nair', 'Luis Pérez'])
    await expect(page.getByTestId('task-row').filter({ hasText: `Call ${name}` })).toHaveCount(1);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect.poll(() => statuses.at(-1)?.dueAlerts).toBe(0);

  // The four calls done, the second ones fall due a day later; this time the person dismisses them all, by keyboard.
  await page.getByTestId('select-all').click();
  await page.getByTestId('bulk-complete').click();
  await expect(page.getByTestId('task-row')).toHaveCount(0);
  await expect
    .poll(async () => Math.min(...((await page.evaluate(ENROLLMENT_DUE)) as number[])))
    .toBeGreaterThan(Math.max(...firstDue) + 1000);
  const secondDue = (await page.evaluate(ENROLLMENT_DUE)) as number[];
  await runtime.handlers['test/set-clock']({ now: Math.max(...secondDue) + 1000 });
  await expect(summary.getByTestId('task-alert-summary-text')).toHaveText(
    '4 tasks due: Call Ana again, Call Kenji again and 2 more',
    { timeout: 15_000 },
  );
  await summary.getByRole('button', { name: 'Open Tasks due' }).focus();
  await page.keyboard.press('Tab');
  await expect(summary.getByRole('button', { name: 'Dismiss these alerts (the tasks stay due)' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect.poll(() => statuses.at(-1)?.dueAlerts).toBe(0);
  // Dismissed, not done: the calls are still in the Tasks due folder.
  await expect(page.getByTestId('task-row')).toHaveCount(4);
  await context.close();
});
