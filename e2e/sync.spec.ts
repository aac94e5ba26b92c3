import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { startServer, type RunningServer } from '../server/index';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { startDevice } from './support/device';

type Device = Awaited<ReturnType<typeof startDevice>>;
import { startSmtp } from './support/smtp';

/**
 * Two devices, one team sync server: each device is its own browser context on its own
 * web host (its own IndexedDB, scheduler and clock); the server runs on PGlite in memory.
 */

const SHOTS = 'e2e/screenshots';
let server: RunningServer;
let token: string;
test.beforeAll(async () => {
  server = await startServer({ dataDir: 'memory://', port: 0 });
  token = await server.createToken('rep', 'acme');
});
test.afterAll(async () => server?.close());

/** Settings → Team sync: connect this device, and wait until it has synced. */
async function connect(page: Page): Promise<void> {
  await page.goto('/#/settings');
  await page.getByTestId('sync-url').fill(server.url);
  await page.getByTestId('sync-token').fill(token);
  await page.getByTestId('sync-connect').click();
  await expect(page.getByTestId('sync-phase')).toHaveText('Synced', { timeout: 15_000 });
}

/** Waits until the header says synced with nothing waiting. */
async function synced(page: Page): Promise<void> {
  await expect(page.getByTestId('sync-status')).toContainText('Synced', { timeout: 20_000 });
  await expect(page.getByTestId('sync-status')).not.toContainText('waiting', { timeout: 20_000 });
}

/** Settings → Sync now, and wait for it. */
async function syncNow(page: Page): Promise<void> {
  await page.goto('/#/settings');
  await page.getByTestId('sync-now').click();
  await synced(page);
}

async function openCampaign(page: Page, name: string): Promise<CampaignPage> {
  await page.goto('/#/campaigns');
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  return new CampaignPage(page);
}

/** Opens a step's card (a no-op when it is open already). */
async function openStep(card: Locator): Promise<void> {
  if (!(await card.getByTestId('step-body').isVisible())) await card.locator('.step-toggle').click();
  await expect(card.getByTestId('step-body')).toBeVisible();
}

async function twoDevices(browser: Browser) {
  const hosts = [await startDevice(), await startDevice()];
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  for (const host of hosts) {
    const context = await browser.newContext({ baseURL: host.url, viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    pages.push(await context.newPage());
  }
  return {
    hosts,
    contexts,
    pages,
    close: async () => {
      for (const context of contexts) await context.close();
      for (const host of hosts) await host.close();
    },
  };
}

for (const first of ['A', 'B'] as const) {
  test(`two devices edit one campaign apart (A a step's text, B a step's day), ${first} reconnects first: both end the same, nothing lost`, async ({
    browser,
  }) => {
    test.setTimeout(120_000);
    const devices = await twoDevices(browser);
    const [pageA, pageB] = devices.pages as [Page, Page];
    // A device's network is its host's: the host makes the sync requests (test/set-offline).
    const [deviceA, deviceB] = devices.hosts as [Device, Device];
    try {
      const name = `Shared ${first}`;
      await connect(pageA);
      const editor = new CampaignPage(pageA);
      await editor.create(name);
      const opener = await editor.add('email');
      await opener.getByTestId('step-subject').fill('Hello {{ first_name }}');
      await opener.getByTestId('step-body').click();
      await pageA.keyboard.type('First draft.');
      await editor.add('email');
      await editor.card(1).getByTestId('step-body').click();
      await pageA.keyboard.type('Bump.');
      await editor.waitSaved();
      await synced(pageA);

      await connect(pageB);
      const editorB = await openCampaign(pageB, name);
      await expect(editorB.cards).toHaveCount(2);

      // Apart: no network on either.
      await deviceA.setOffline(true);
      await deviceB.setOffline(true);
      await openStep(editor.card(0));
      await editor.card(0).getByTestId('step-body').click();
      await pageA.keyboard.press('End');
      await pageA.keyboard.type(' Edited on A.');
      await editor.waitSaved();
      await editorB.setDay(editorB.card(1), 4);
      await editorB.waitSaved();
      for (const page of [pageA, pageB])
        await expect(page.getByTestId('sync-status')).toContainText(/Offline · \d+ waiting/, { timeout: 15_000 });
      await pageB.screenshot({ path: `${SHOTS}/sync-offline.png` });

      // Back, one after the other.
      const [early, late] = first === 'A' ? [deviceA, deviceB] : [deviceB, deviceA];
      const [earlyPage, latePage] = first === 'A' ? [pageA, pageB] : [pageB, pageA];
      await early.setOffline(false);
      await synced(earlyPage);
      await late.setOffline(false);
      await synced(latePage);
      await syncNow(earlyPage);

      for (const page of [pageA, pageB]) {
        const view = await openCampaign(page, name);
        const days = await view.cards
          .locator('[data-testid="step-day"]')
          .evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
        expect(days).toEqual(['1', '4']);
        await openStep(view.card(0));
        await expect(view.card(0).getByTestId('step-body')).toHaveText('First draft. Edited on A.');
        await expect(page.getByTestId('sync-conflicts')).toHaveCount(0);
      }
    } finally {
      await devices.close();
    }
  });
}

test('the same text written on two devices: the later one is a conflict copy to compare, and "keep this device’s" wins on both', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const devices = await twoDevices(browser);
  const [pageA, pageB] = devices.pages as [Page, Page];
  const [deviceA, deviceB] = devices.hosts as [Device, Device];
  try {
    await connect(pageA);
    const editor = new CampaignPage(pageA);
    await editor.create('Clash');
    const opener = await editor.add('email');
    await opener.getByTestId('step-subject').fill('Hello');
    await opener.getByTestId('step-body').click();
    await pageA.keyboard.type('Original.');
    await editor.waitSaved();
    await synced(pageA);
    await connect(pageB);
    const editorB = await openCampaign(pageB, 'Clash');

    await deviceA.setOffline(true);
    await deviceB.setOffline(true);
    await editor.card(0).getByTestId('step-subject').fill('Hello from A');
    await editor.waitSaved();
    await openStep(editorB.card(0));
    await editorB.card(0).getByTestId('step-subject').fill('Hello from B');
    await editorB.waitSaved();
    await deviceA.setOffline(false);
    await synced(pageA);
    await deviceB.setOffline(false);
    await expect(pageB.getByTestId('sync-conflicts')).toHaveText('1 conflict', { timeout: 20_000 });

    await pageB.getByTestId('sync-status').click();
    const conflict = pageB.getByTestId('conflict');
    await expect(conflict).toContainText('Changed on two devices: the campaign Clash');
    await expect(conflict.getByTestId('conflict-mine')).toHaveText('Hello from B');
    await expect(conflict.getByTestId('conflict-theirs')).toHaveText('Hello from A');
    await pageB.screenshot({ path: `${SHOTS}/sync-conflict.png`, fullPage: true });
    await conflict.getByTestId('conflict-keep-mine').click();
    await expect(pageB.getByTestId('conflict')).toHaveCount(0);
    await synced(pageB);
    await syncNow(pageA);
    for (const page of [pageA, pageB]) {
      const view = await openCampaign(page, 'Clash');
      await openStep(view.card(0));
      await expect(view.card(0).getByTestId('step-subject')).toHaveValue('Hello from B');
      await expect(page.getByTestId('sync-conflicts')).toHaveCount(0);
    }
  } finally {
    await devices.close();
  }
});

test('device A launches; device B shows the people; at the due time only A sends, once', async ({ browser }) => {
  test.setTimeout(150_000);
  const smtp = await startSmtp();
  const devices = await twoDevices(browser);
  const [pageA, pageB] = devices.pages as [Page, Page];
  try {
    for (const host of devices.hosts) await host.setClock('2026-03-09T06:00:00Z');
    await connect(pageA);
    const settings = new SettingsPage(pageA);
    await settings.goto();
    await settings.addMailbox('rep@example.com', 'America/New_York', {
      host: '127.0.0.1',
      port: smtp.port,
      gapSeconds: 0,
    });
    const contacts = new ContactsPage(pageA);
    await contacts.goto();
    await contacts.importCsv('contacts-sample.csv');
    const editor = new CampaignPage(pageA);
    await editor.create('From A');
    const step = await editor.add('email');
    await step.getByTestId('step-time').fill('09:30');
    await step.getByTestId('step-subject').fill('Hi {{ first_name }}');
    await step.getByTestId('step-body').click();
    await pageA.keyboard.type('Sent from device A.');
    await editor.waitSaved();
    await pageA.getByTestId('launch-open').click();
    const dialog = pageA.getByRole('dialog', { name: 'Launch From A' });
    await dialog.getByTestId('launch-pick-ana.lima@example.org').check();
    await dialog.getByTestId('launch-preview').click();
    await dialog.getByTestId('launch-confirm').click();
    await expect(pageA.getByTestId('toast').first()).toContainText('Launched From A for 1 person');
    await synced(pageA);

    await connect(pageB);
    await openCampaign(pageB, 'From A');
    await expect(pageB.getByTestId('person-row')).toHaveCount(1);
    await expect(pageB.getByTestId('person-row')).toContainText('Ana Lima');
    await expect(pageB.getByTestId('person-row')).toContainText('Active');
    await pageB.screenshot({ path: `${SHOTS}/sync-device-b-people.png` });

    // 09:30 in New York on both computers.
    for (const host of devices.hosts) await host.setClock('2026-03-09T13:30:00Z');
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    expect(smtp.received[0]!.subject).toBe('Hi Ana');
    await pageB.waitForTimeout(3000);
    expect(smtp.received).toHaveLength(1);
    // B learns of the send from the server.
    await synced(pageA);
    await syncNow(pageB);
    await pageB.goto('/#/command-center');
    await pageB.getByTestId('folder-sent').click();
    await expect(pageB.getByTestId('sent-row')).toHaveCount(1, { timeout: 15_000 });
    await expect(pageB.getByTestId('sent-row')).toContainText('Hi Ana');
  } finally {
    await devices.close();
    await smtp.close();
  }
});
