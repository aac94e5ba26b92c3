import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const SHOTS = 'e2e/screenshots';
mkdirSync(SHOTS, { recursive: true });

const sections = [
  { id: 'campaigns', heading: 'Campaigns', shows: 'No campaigns yet' },
  { id: 'command-center', heading: 'Command Center', shows: 'Nothing due right now' },
  { id: 'live-feed', heading: 'Live Feed', shows: 'No activity yet' },
  { id: 'contacts', heading: 'Contacts', shows: 'No contacts yet' },
  { id: 'settings', heading: 'Settings', shows: 'This device' },
];

test('the browser build opens on Campaigns, connected to the web host', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/#\/campaigns$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Campaigns');
  // The version comes from the host over the WebSocket contract, so this proves the host answers.
  await expect(page.getByTestId('host-status')).toHaveText(/Browser build · v0\.1\.0/);
});

for (const section of sections) {
  test(`navigation reaches ${section.heading}`, async ({ page }) => {
    await page.goto('/');
    await page.getByTestId(`nav-${section.id}`).click();
    await expect(page).toHaveURL(new RegExp(`#/${section.id}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(section.heading);
    await expect(page.getByText(section.shows, { exact: true })).toBeVisible();
    await expect(page).toHaveTitle(`${section.heading} · Campaign Desk`);
    await page.screenshot({ path: `${SHOTS}/${section.id}.png`, fullPage: true });
  });
}

test('keyboard: Ctrl+4 opens Contacts and Ctrl+5 opens Settings', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Campaigns');
  await page.keyboard.press('Control+4');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Contacts');
  await page.keyboard.press('Control+5');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  await expect(page.getByTestId('device-facts')).toContainText('Browser build with the local web host');
});

test('a narrow window keeps every section reachable', async ({ page }) => {
  await page.setViewportSize({ width: 700, height: 700 });
  await page.goto('/#/command-center');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Command Center');
  await page.screenshot({ path: `${SHOTS}/narrow-command-center.png` });
  await page.getByTestId('nav-live-feed').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Live Feed');
});

test('narrow windows: tables scroll inside their frame, long names wrap, the sidebar folds to icons', async ({
  page,
}) => {
  await page.setViewportSize({ width: 800, height: 700 });
  await page.goto('/#/campaigns');
  await page.getByTestId('campaign-new').first().click();
  const longName = `Q2 EMEA enterprise expansion — ${'very long campaign name '.repeat(6)}`.trim();
  await page.getByTestId('name-input').fill(longName);
  await page.getByTestId('name-save').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Q2 EMEA enterprise expansion');
  await page.screenshot({ path: `${SHOTS}/narrow-editor-long-name.png` });
  // Nothing on the page is wider than the window.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(800);
  await page.getByTestId('nav-campaigns').click();
  await expect(page.getByTestId('campaign-row')).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/narrow-campaigns.png` });
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(800);
});

test('the desktop menu’s links open their dialogs: New Campaign, Import Contacts', async ({ page }) => {
  await page.goto('/#/campaigns?new=1');
  await expect(page.getByTestId('name-input')).toBeVisible();
  await page.keyboard.press('Escape');
  await page.goto('/#/contacts?import=1');
  await expect(page.getByRole('dialog', { name: 'Import contacts from CSV' })).toBeVisible();
});
