import { expect, test, type Page } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { setClock } from './support/host';

const SHOTS = 'e2e/screenshots';

/**
 * Writes what the inbox would have stored (SPEC §11, R15) straight into the app's IndexedDB:
 * Ana replied (in an earlier campaign), Kenji's address bounced, Grace is on the suppression
 * list only (her contact was imported again after she unsubscribed), Luis sent an
 * out-of-office reply. The repository tests drive applyInboxBatch itself; here the screens
 * are what is checked.
 */
async function seedInbox(page: Page): Promise<void> {
  await page.evaluate(SEED);
}

/** Runs in the page (plain JavaScript: the test's own TypeScript has no DOM types). */
const SEED = `new Promise((resolve, reject) => {
  const open = indexedDB.open('campaign-desk');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['contacts', 'enrollments', 'suppressions'], 'readwrite');
    const contacts = tx.objectStore('contacts');
    const all = contacts.getAll();
    all.onsuccess = () => {
      const by = new Map(all.result.map((c) => [c.emailKey, c]));
      contacts.put({ ...by.get('kenji.mori@example.net'), bounced: true });
      const enrollment = (email, patch) => ({
        id: 'seed-' + email,
        campaignId: 'winter-outreach',
        contactId: by.get(email).id,
        mailboxId: 'elsewhere',
        zone: 'America/New_York',
        launchedAt: Date.parse('2026-02-02T14:00:00Z'),
        firstSendAt: null,
        deviceId: 'another-computer',
        nextStepIndex: 1,
        nextDueAt: Date.parse('2026-03-17T14:30:00Z'),
        nextAction: 'send_email',
        shiftDays: 0,
        createdAt: Date.parse('2026-02-02T14:00:00Z'),
        updatedAt: Date.parse('2026-03-05T15:00:00Z'),
        ...patch,
      });
      const enrollments = tx.objectStore('enrollments');
      enrollments.put(enrollment('ana.lima@example.org', { status: 'replied' }));
      enrollments.put(
        enrollment('luis.perez@example.org', {
          status: 'active',
          outOfOfficeUntil: Date.parse('2026-03-17T04:00:00Z'),
          returnsOn: '2026-03-16',
          resumesOn: '2026-03-17',
        }),
      );
      tx.objectStore('suppressions').put({
        id: 'grace.oneil@example.com',
        address: 'grace.oneil@example.com',
        reason: 'unsubscribed',
        at: Date.parse('2026-03-01T10:00:00Z'),
      });
    };
    tx.oncomplete = () => {
      db.close();
      resolve();
    };
    tx.onerror = () => reject(tx.error);
  };
})`;

test('contact badges: replied, bounced, unsubscribed and out of office until … in Contacts and the launch preview, which leaves out whom it must', async ({
  page,
  baseURL,
}) => {
  await setClock(baseURL!, '2026-03-06T14:00:00Z');
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');

  const editor = new CampaignPage(page);
  await editor.create('Spring launch');
  const first = await editor.add('email');
  await first.getByTestId('timing-at_time').check();
  await first.getByTestId('step-time').fill('09:30');
  await first.getByTestId('step-subject').fill('Quick question, {{ first_name }}');
  await first.getByTestId('step-body').click();
  await page.keyboard.type('Hello');
  await editor.waitSaved();
  const campaignUrl = page.url();

  await seedInbox(page);
  await contacts.goto();
  await page.reload();
  const badges = (name: string) => contacts.row(name).getByTestId('contact-badge');
  await expect(badges('Ana')).toHaveText(['Replied']);
  await expect(badges('Kenji')).toHaveText(['Bounced']);
  await expect(badges('Grace')).toHaveText(['Unsubscribed']);
  await expect(badges('Luis')).toHaveText(['Away until 16 Mar']);
  await expect(badges('Luis')).toHaveAttribute(
    'title',
    'Out of office until Mon 16 Mar 2026: an automatic reply said they are away. Their campaign resumes by itself on Tue 17 Mar 2026.',
  );
  await expect(badges('Priya')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/inbox-effects-contacts.png` });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.screenshot({ path: `${SHOTS}/inbox-effects-contacts-1024.png` });
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.goto(campaignUrl);
  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: 'Launch Spring launch' });
  await dialog.getByTestId('launch-select-all').click();
  await dialog.getByTestId('launch-preview').click();
  await expect(dialog.getByTestId('launch-summary')).toContainText('3 ready');
  await expect(dialog.getByTestId('launch-summary')).toContainText('2 left out');
  const warnings = dialog.getByTestId('launch-warning');
  await expect(warnings.filter({ hasText: 'kenji.mori@example.net' })).toHaveText(
    '⚠ kenji.mori@example.net bounced before (the address does not receive email); never emailed again — left out of this launch',
  );
  await expect(warnings.filter({ hasText: 'grace.oneil@example.com' })).toHaveText(
    '⚠ grace.oneil@example.com has unsubscribed; never emailed again — left out of this launch',
  );
  await expect(dialog.getByTestId('contact-badge')).toHaveText([
    'Replied',
    'Bounced',
    'Unsubscribed',
    'Out of office until Mon 16 Mar 2026',
  ]);
  await dialog.getByTestId('launch-preview-table').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/inbox-effects-launch-preview.png` });
});

test('campaign settings: stop on reply and stop the other campaigns are on by default, and turning one off is kept', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const editor = new CampaignPage(page);
  await editor.create('Spring launch');
  await expect(page.getByTestId('campaign-stop-on-reply')).toBeChecked();
  await expect(page.getByTestId('campaign-stop-others')).toBeChecked();
  await page.getByTestId('campaign-stop-others').uncheck();
  await editor.waitSaved();
  await page.reload();
  await expect(page.getByTestId('campaign-stop-on-reply')).toBeChecked();
  await expect(page.getByTestId('campaign-stop-others')).not.toBeChecked();
  await page.screenshot({ path: `${SHOTS}/inbox-effects-campaign-settings.png` });
});
