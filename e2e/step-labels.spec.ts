import { expect, test } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { setClock } from './support/host';
import { addCallStep, addEmailStep, mailboxAndContacts } from './support/setup';
import { startSmtp } from './support/smtp';

const SHOTS = 'e2e/screenshots';

// The launch preview and the campaign's people list name a step the same way (core/campaign.ts
// `stepLabel`): a new user read "Day 4 · Task Call Ana" in one and "Step 2 (call)" in the other.
test('the launch preview and the people list name a step alike: "Step 2 · Day 4 · Call"', async ({ page, baseURL }) => {
  const smtp = await startSmtp();
  try {
    // Mon 9 Mar 2026 06:00Z, 02:00 in New York: the first email waits for 09:30.
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await mailboxAndContacts(page, 'America/New_York', smtp.port);
    const editor = new CampaignPage(page);
    await editor.create('Spring outreach');
    await addEmailStep(editor, page, { time: '09:30', subject: 'Intro for {{ first_name }}', body: 'Hello there.' });
    await addCallStep(editor, 'Call {{ first_name }}', 4);
    await editor.waitSaved();

    await page.getByTestId('launch-open').click();
    const dialog = page.getByRole('dialog', { name: 'Launch Spring outreach' });
    await dialog.getByTestId('launch-select-all').click();
    await dialog.getByTestId('launch-preview').click();
    const ana = 'ana.lima@example.org';
    await expect(dialog.getByTestId(`preview-${ana}-0`).locator('td').nth(1)).toContainText('Step 1 · Day 1 · Email');
    await expect(dialog.getByTestId(`preview-${ana}-1`).locator('td').first()).toHaveText(
      /^\s*Step 2 · Day 4 · Call\s+Call Ana\s*$/,
    );
    await dialog.getByTestId(`preview-${ana}-1`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/step-labels-launch-preview.png` });
    await dialog.getByTestId('launch-confirm').click();
    await expect(page.getByTestId('toast').first()).toContainText('Launched Spring outreach');

    const row = page.getByTestId('person-row').filter({ hasText: 'Ana Lima' });
    await expect(row).toContainText('Step 1 · Day 1 · Email · Mon 9 Mar, 09:30 EDT');

    // 09:30 in New York: the emails go; each person's next step is the call on day 4, Thu 12 Mar.
    await setClock(baseURL!, '2026-03-09T13:30:00Z');
    await expect.poll(() => smtp.received.length, { timeout: 30_000 }).toBe(5);
    await expect(row).toContainText('Step 2 · Day 4 · Call · Thu 12 Mar, 09:00 EDT');
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/step-labels-people.png` });
  } finally {
    await smtp.close();
  }
});
