import { expect, test } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { setClock } from './support/host';

const SHOTS = 'e2e/screenshots';

// This computer is in Berlin; the mailbox, when added, sends from New York. Mon 9 Mar 2026
// 13:00Z is 14:00 in Berlin (CET, GMT+1) and 09:00 in New York (EDT since 8 March); the
// host's clock runs on from there, so the minute is read loosely.
test.use({ timezoneId: 'Europe/Berlin' });

test("every Live Feed time is in one zone: the computer's before a mailbox, the mailbox's after, said in the header", async ({
  page,
  baseURL,
}) => {
  await setClock(baseURL!, '2026-03-09T13:00:00Z');
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');

  await page.goto('/#/live-feed');
  const header = page.locator('.page-header');
  const times = page.getByTestId('feed-row').locator('time');
  await expect(header).toContainText("Times in Europe/Berlin, this computer's zone.");
  await expect(page.getByTestId('feed-row')).toHaveCount(1);
  await expect(times.first()).toHaveText(/^Mon 9 Mar, 14:0\d GMT\+1$/);

  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox('rep@example.com', 'America/New_York');
  await new CampaignPage(page).create('Spring outreach');

  await page.goto('/#/live-feed');
  // The campaign's row, the mailbox's row and the import from before the mailbox existed.
  await expect(page.getByTestId('feed-row')).toHaveCount(3);
  await expect(header).toContainText("Times in America/New_York, your mailbox's zone.");
  await expect(page.getByTestId('feed-row').last()).toContainText('Imported contacts-sample.csv');
  for (const time of await times.all()) await expect(time).toHaveText(/^Mon 9 Mar, 09:0\d EDT$/);
  await page.screenshot({ path: `${SHOTS}/live-feed-one-zone.png` });
});
