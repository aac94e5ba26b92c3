import { expect, test, type Page } from '@playwright/test';
import { startServer, type RunningServer } from '../server/index';

/**
 * A change the team server refuses for good (SPEC §7) is set aside on the device as a
 * visible sync problem in Settings → Team sync (what it was, why, Discard / Try again),
 * and the changes after it still sync. Against the real sync server (PGlite in memory).
 */
const SHOTS = 'e2e/screenshots';
let server: RunningServer;
let token: string;
test.beforeAll(async () => {
  server = await startServer({ dataDir: 'memory://', port: 0 });
  token = await server.createToken('rep', 'acme');
});
test.afterAll(async () => server?.close());

/**
 * A contact with a NUL character in its company, and its outbox change, written into the
 * browser's database directly: what an older version (before the app refused such text)
 * could have left behind.
 */
async function writeBrokenContact(page: Page): Promise<void> {
  await page.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open('campaign-desk');
    open.onsuccess = () => {
      const tx = open.result.transaction(['contacts', 'outbox'], 'readwrite');
      const contact = {
        id: 'k-broken', email: 'olga@example.org', emailKey: 'olga@example.org', firstName: 'Olga', lastName: 'Berg',
        company: 'Acme\\u0000 Ltd', title: '', phone: '', timeZone: '', notes: '', custom: {},
        unsubscribed: false, bounced: false, createdAt: Date.now(), updatedAt: Date.now(), version: 1,
      };
      tx.objectStore('contacts').put(contact);
      tx.objectStore('outbox').add({
        clientId: 'old', name: 'contact/create', args: contact, at: Date.now(),
        writes: [{ table: 'contacts', id: contact.id, op: 'put', base: null, value: contact }],
      });
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  })`);
}

test('a change the server refuses is listed in Settings → Team sync with why, Discard and Try again; the next change syncs', async ({
  page,
}) => {
  await page.goto('/#/settings');
  await page.getByTestId('sync-url').fill(server.url);
  await page.getByTestId('sync-token').fill(token);
  await page.getByTestId('sync-connect').click();
  await expect(page.getByTestId('sync-phase')).toHaveText('Synced', { timeout: 15_000 });

  await writeBrokenContact(page);
  // The next change, made through the screens after the broken one.
  await page.goto('/#/contacts');
  await page.getByTestId('contact-add').click();
  await page.getByTestId('contact-email').fill('pia@example.org');
  await page.getByTestId('contact-firstName').fill('Pia');
  await page.getByTestId('contact-save').click();
  await expect(page.getByTestId('contact-row')).toHaveCount(2);

  await page.goto('/#/settings');
  await page.getByTestId('sync-now').click();
  const problems = page.getByTestId('sync-problems');
  await expect(problems).toBeVisible({ timeout: 15_000 });
  await expect(problems.getByRole('heading')).toHaveText('Changes the server refused 1');
  const problem = problems.getByTestId('sync-problem');
  await expect(problem.getByTestId('sync-problem-what')).toHaveText('New contact: olga@example.org');
  await expect(problem.getByTestId('sync-problem-why')).toHaveText(
    'Company: holds a NUL character (\\u0000) at character 5 of "Acme\\u0000 Ltd"; remove it',
  );
  await expect(problem.getByRole('button', { name: 'Try again' })).toBeVisible();
  await expect(problem.getByRole('button', { name: 'Discard' })).toBeVisible();
  await expect(page.getByTestId('sync-phase')).toHaveText('Synced');
  await expect(page.getByTestId('sync-pending')).toHaveText('0');
  await page.getByTestId('sync-problems').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/sync-problems.png` });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.getByTestId('sync-problems').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/sync-problems-1024.png` });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Pia, created after the refused change, reached the server; Olga did not.
  const stored = await server.db.query<{ email: string }>(
    "select value->>'email' as email from rows where tbl = 'contacts' order by seq",
  );
  expect(stored.map((row) => row.email)).toEqual(['pia@example.org']);

  // Try again unchanged: refused again, listed again (as a new problem: the list shown
  // right after the click may still be the old one). Discard: gone.
  const firstId = await problem.getAttribute('data-problem-id');
  await problem.getByRole('button', { name: 'Try again' }).click();
  await expect(problems.getByTestId('sync-problem')).toHaveCount(1, { timeout: 15_000 });
  await expect(problems.getByTestId('sync-problem')).not.toHaveAttribute('data-problem-id', firstId!, {
    timeout: 15_000,
  });
  await expect(problems.getByTestId('sync-problem-why')).toContainText('Company: holds a NUL character');
  await problems.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByTestId('sync-problems')).toHaveCount(0);
  await expect(page.getByTestId('sync-pending')).toHaveText('0');
});

test('the contact form refuses a NUL character, naming the field', async ({ page }) => {
  await page.goto('/#/contacts');
  await page.getByTestId('contact-add').click();
  await page.getByTestId('contact-email').fill('quinn@example.org');
  await page.getByTestId('contact-company').fill('Acme\u0000');
  await page.getByTestId('contact-save').click();
  await expect(page.getByTestId('contact-company-error')).toContainText('holds a NUL character');
  await page.screenshot({ path: `${SHOTS}/contact-nul.png` });
});
