import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { checkTestConnectionWords } from '../support/host-words';
import { appRoot, findElectron } from './launch';

/**
 * The desktop app end to end in a real Electron window: the window is locked down, a
 * campaign can be created, the tray shows the renderer's status, closing hides, a deep link
 * navigates, and a second launch hands over to the first and quits.
 */

const electronBinary = findElectron();
if (!electronBinary.path) console.log(`Electron smoke test skipped: ${electronBinary.reason}`);

test.describe('desktop app', () => {
  test.skip(!electronBinary.path, `no Electron binary here: ${electronBinary.reason}`);

  let app: ElectronApplication;
  let page: Page;
  let userData: string;
  const env = (): Record<string, string> => ({
    ...(process.env as Record<string, string>),
    CAMPAIGN_DESK_USER_DATA: userData,
    CAMPAIGN_DESK_E2E: '1',
  });

  test.beforeAll(async () => {
    userData = mkdtempSync(join(tmpdir(), 'campaign-desk-electron-'));
    app = await electron.launch({
      executablePath: electronBinary.path!,
      args: [appRoot, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: env(),
    });
    page = await app.firstWindow();
    await expect(page.getByTestId('campaign-new').first()).toBeVisible({ timeout: 20_000 });
  });

  test.afterAll(async () => {
    await app?.close();
  });

  test('the window runs sandboxed, isolated, with only the host contract exposed', async () => {
    // On macOS and Windows Electron reports whether each renderer is sandboxed by the OS.
    const renderers = await app.evaluate(({ app: electronApp }) =>
      electronApp.getAppMetrics().filter((metric) => metric.type === 'Tab'),
    );
    expect(renderers.length).toBeGreaterThan(0);
    for (const metric of renderers) expect(metric.sandboxed).not.toBe(false);
    const page_ = await page.evaluate(() => ({
      bridge: Object.keys((globalThis as unknown as { campaignDesk: object }).campaignDesk).sort(),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
    }));
    expect(page_).toEqual({ bridge: ['call', 'on'], require: 'undefined', process: 'undefined' });
    // The raw bridge answers as data (issue 13): `{ ok, data }`, or `{ ok: false, error }`, never a rejection.
    type RawBridge = { campaignDesk: { call(n: string, i: object): Promise<Record<string, unknown>> } };
    const info = await page.evaluate(() => (globalThis as unknown as RawBridge).campaignDesk.call('app/get-info', {}));
    expect((info.data as { host: string }).host).toBe('electron');
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as RawBridge).campaignDesk.call('secrets/has', { key: 'smtp:no spaces!' }),
      ),
    ).toEqual({
      ok: false,
      error: {
        type: 'invalid-input',
        path: 'input.key',
        message:
          'input.key: "smtp:no spaces!" is not a secret name (smtp:<mailbox id>, imap:<mailbox id> or sync:token)',
      },
    });
  });

  test('creates a campaign', async () => {
    await page.getByTestId('campaign-new').first().click();
    await page.getByTestId('name-input').fill('Desktop launch');
    await page.getByTestId('name-save').click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Desktop launch');
    expect(page.url()).toMatch(/#\/campaigns\/[A-Za-z0-9_-]+$/);
  });

  test('the tray shows the next send and the open tasks', async () => {
    await expect
      .poll(() =>
        app.evaluate(() =>
          (
            globalThis as unknown as { campaignDeskE2E: { trayTooltip(): string | null } }
          ).campaignDeskE2E.trayTooltip(),
        ),
      )
      .toBe('Campaign Desk\nNo sends scheduled\nNo open tasks');
  });

  test('closing hides the window; a deep link brings it back on the campaign', async () => {
    const campaignId = /#\/campaigns\/([A-Za-z0-9_-]+)$/.exec(page.url())![1]!;
    await page.goto(page.url().replace(/#.*$/, '#/contacts'));
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
    await expect
      .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible())))
      .toEqual([false]);
    await app.evaluate(
      ({ app: electronApp }, link) => electronApp.emit('second-instance', {}, ['campaign-desk', link], ''),
      `campaign-desk://campaign/${campaignId}`,
    );
    await expect
      .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible()))
      .toBe(true);
    await expect(page).toHaveURL(new RegExp(`#/campaigns/${campaignId}$`));
  });

  test('a second launch hands over to the first and quits', async () => {
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.hide());
    const second = spawn(
      electronBinary.path!,
      [appRoot, ...(process.platform === 'linux' ? ['--no-sandbox'] : []), 'campaign-desk://task/no-such-task'],
      { env: env(), stdio: 'ignore' },
    );
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    expect(code).toBe(0);
    await expect
      .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible()))
      .toBe(true);
    await expect(page).toHaveURL(/#\/command-center\?task=no-such-task$/);
  });

  test('Test connection shows the host’s answer and its refusal in the browser build’s words', async () => {
    await page.goto(page.url().replace(/#.*$/, '#/settings'));
    await page.getByTestId('mailbox-add').click();
    const form = page.getByRole('dialog', { name: 'Add a mailbox' });
    // The same steps and sentences as e2e/inbox-settings.spec.ts (browser build).
    await checkTestConnectionWords(form);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await expect(form).toHaveCount(0);
  });
});
