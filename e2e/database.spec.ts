import { expect, test } from '@playwright/test';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';

test('two windows show the same truth without a reload (liveQuery)', async ({ context }) => {
  const first = new ContactsPage(await context.newPage());
  const second = new ContactsPage(await context.newPage());
  await first.goto();
  await second.goto();
  await expect(second.page.getByText('No contacts yet')).toBeVisible();
  await first.importCsv('contacts-sample.csv');
  await expect(second.rows).toHaveCount(5);
  await expect(second.row('kenji.mori@example.net')).toContainText('Kenji Mori');
});

test('a database a newer version wrote opens without losing anything it holds', async ({ page }) => {
  // Same origin, before the app ever runs: "campaign-desk" at a future version, with a table this version does not know.
  await page.goto('/favicon.svg');
  await page.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open('campaign-desk', 990);
    open.onupgradeneeded = () => open.result.createObjectStore('future').put('keep me', 'k');
    open.onsuccess = () => { open.result.close(); resolve(); };
    open.onerror = () => reject(open.error);
  })`);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Campaigns');
  const kept = await page.evaluate(`new Promise((resolve) => {
    const open = indexedDB.open('campaign-desk');
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('future').objectStore('future').get('k');
      get.onsuccess = () => { resolve(get.result); db.close(); };
    };
  })`);
  expect(kept).toBe('keep me');
});

test('while another window holds an older copy open, the app says so, then starts when it lets go', async ({
  context,
}) => {
  const holder = await context.newPage();
  await holder.goto('/favicon.svg');
  // An old connection that ignores requests to close (as a hung window would).
  await holder.evaluate(`new Promise((resolve) => {
    const open = indexedDB.open('campaign-desk', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('old');
    open.onsuccess = () => { window.held = open.result; resolve(); };
  })`);
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('db-error')).toContainText('Another Campaign Desk window is holding the database');
  await page.screenshot({ path: 'e2e/screenshots/db-blocked.png' });
  await holder.evaluate('window.held.close()');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Campaigns');
});

test('a mailbox with a misspelt zone or a bad address is refused at the field, and nothing is saved', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await expect(page.getByTestId('mailbox-empty')).toBeVisible();
  await page.getByTestId('mailbox-add').click();
  const form = page.getByRole('dialog', { name: 'Add a mailbox' });
  await form.getByTestId('mailbox-name').fill('Rep One');
  await form.getByTestId('mailbox-email').fill('rep.example.com');
  await form.getByTestId('mailbox-zone').fill('America/New_Yrok');
  await form.getByTestId('mailbox-host').fill('smtp.example.com');
  await form.getByTestId('mailbox-save').click();
  await expect(form.getByTestId('mailbox-email-error')).toHaveText(
    '"rep.example.com" is not an email address (it has no "@")',
  );
  await expect(form.getByTestId('mailbox-zone-error')).toHaveText(
    '"America/New_Yrok" is not an IANA time-zone name; did you mean "America/New_York"?',
  );
  await page.screenshot({ path: 'e2e/screenshots/settings-mailbox-error.png' });
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('mailbox-empty')).toBeVisible();
  await settings.addMailbox();
  await expect(page.getByTestId('mailbox-row')).toContainText('password stored');
  await page.screenshot({ path: 'e2e/screenshots/settings-mailboxes.png' });
});
