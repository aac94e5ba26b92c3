import { expect, test } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { SettingsPage } from './pages/settings';
import { setClock } from './support/host';

/**
 * Writes 600 scheduled people and 150 sent emails straight into the app's IndexedDB (launched
 * on another computer, so this one's engine never sends them): more than the Command Center
 * ever read before (Scheduled stopped at 500; Sent showed the newest 200 after sorting them all).
 */
const SEED = (campaignId: string) => `new Promise((resolve, reject) => {
  const open = indexedDB.open('campaign-desk');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['enrollments', 'stepRuns'], 'readwrite');
    const start = Date.parse('2026-03-10T13:00:00Z');
    for (let i = 0; i < 600; i++) {
      tx.objectStore('enrollments').put({
        id: 'seed-' + String(i).padStart(3, '0'),
        campaignId: ${JSON.stringify(campaignId)},
        contactId: 'nobody-' + i,
        mailboxId: 'elsewhere',
        zone: 'America/New_York',
        status: 'active',
        launchedAt: start,
        firstSendAt: null,
        deviceId: 'another-computer',
        nextStepIndex: 0,
        nextDueAt: start + i * 60000,
        nextAction: 'send_email',
        shiftDays: 0,
        createdAt: start,
        updatedAt: start,
      });
    }
    for (let i = 0; i < 150; i++) {
      tx.objectStore('stepRuns').put({
        id: 'seed-' + String(i).padStart(3, '0') + ':s0',
        enrollmentId: 'seed-' + String(i).padStart(3, '0'),
        stepId: 's0',
        state: 'sent',
        dueAt: start - 86400000 + i * 60000,
        messageId: '<seed.' + i + '@example.com>',
        references: [],
        subject: 'Seeded email ' + i,
        html: '',
        text: '',
        sentAt: start - 86400000 + i * 60000,
        manual: false,
        smtpReply: '250 ok',
        updatedAt: start,
      });
    }
    tx.oncomplete = () => { db.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
})`;

// The seeded people's mailbox is on another computer: their times show in this one's zone, UTC.
test.use({ timezoneId: 'UTC' });

test('Command Center folders page through every row: Scheduled past 500 with Show more, Sent newest first 100 at a time, counts from the indexes', async ({
  page,
  baseURL,
}) => {
  await setClock(baseURL!, '2026-03-09T14:00:00Z');
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const editor = new CampaignPage(page);
  await editor.create('Big list');
  const campaignId = page.url().split('/campaigns/')[1]!;
  await page.evaluate(SEED(campaignId));
  await page.goto('/#/command-center');
  await page.reload();

  await expect(page.getByTestId('folder-scheduled')).toContainText('600');
  await expect(page.getByTestId('folder-sent')).toContainText('150');
  await page.getByTestId('folder-scheduled').click();
  await expect(page.getByTestId('scheduled-row')).toHaveCount(100);
  await expect(page.getByTestId('scheduled-row').first()).toContainText('Tue 10 Mar, 13:00 UTC');
  await expect(page.getByText('Showing 100 of 600')).toBeVisible();
  for (let shown = 200; shown <= 600; shown += 100) {
    await page.getByTestId('scheduled-more').click();
    await expect(page.getByTestId('scheduled-row')).toHaveCount(shown);
  }
  await expect(page.getByTestId('scheduled-more')).toHaveCount(0);
  // The last person, due ten hours after the first (599 minutes later).
  await expect(page.getByTestId('scheduled-row').last()).toContainText('Tue 10 Mar, 22:59 UTC');
  // Select all covers all 600, shown or not.
  await expect(page.getByTestId('bulk-bar')).toContainText('Select all (600)');
  await page.getByTestId('select-all').click();
  await expect(page.getByTestId('bulk-count')).toHaveText('600 selected');

  await page.getByTestId('folder-sent').click();
  await expect(page.getByTestId('sent-row')).toHaveCount(100);
  await expect(page.getByTestId('sent-row').first()).toContainText('Seeded email 149');
  await page.getByTestId('sent-more').click();
  await expect(page.getByTestId('sent-row')).toHaveCount(150);
  await expect(page.getByTestId('sent-row').last()).toContainText('Seeded email 0');
});
