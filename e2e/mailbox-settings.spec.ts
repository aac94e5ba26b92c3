import { expect, test } from '@playwright/test';
import { SettingsPage } from './pages/settings';

const SHOTS = 'e2e/screenshots';

test('R9: how late an email may still go is the mailbox’s setting; a bad value is named and nothing is saved', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const row = page.getByTestId('mailbox-row').filter({ hasText: 'rep@example.com' });
  await expect(row).toContainText('late emails go for up to 2 h');
  await row.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('dialog', { name: 'Edit rep@example.com' });
  await expect(form.getByTestId('mailbox-grace')).toHaveValue('2');
  await form.getByTestId('mailbox-grace').fill('-1');
  await form.getByTestId('mailbox-save').click();
  await expect(form.getByText('-1 hours is not a grace period; use 0 or more')).toBeVisible();
  await expect(form.getByTestId('mailbox-grace')).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: `${SHOTS}/settings-mailbox-grace-refused.png` });
  await form.getByTestId('mailbox-grace').fill('0.5');
  await form.getByTestId('mailbox-save').click();
  await expect(form).toHaveCount(0);
  await expect(row).toContainText('late emails go for up to 0.5 h');
  await page.reload();
  await expect(row).toContainText('late emails go for up to 0.5 h');
});

test('R12/R13: a mailbox’s sending hours and holiday calendar are picked in its form and kept', async ({ page }) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const row = page.getByTestId('mailbox-row').filter({ hasText: 'rep@example.com' });
  await row.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('dialog', { name: 'Edit rep@example.com' });
  await expect(form.getByTestId('mailbox-window')).toHaveValue('any');
  await form.getByTestId('mailbox-window').selectOption('weekdays-8-18');
  await form.getByTestId('mailbox-holiday-country').selectOption('DE');
  await form.getByTestId('mailbox-holiday-region').selectOption('BY');
  await page.screenshot({ path: `${SHOTS}/settings-mailbox-window-holidays.png` });
  await form.getByTestId('mailbox-save').click();
  await expect(form).toHaveCount(0);
  await page.reload();
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(form.getByTestId('mailbox-window')).toHaveValue('weekdays-8-18');
  await expect(form.getByTestId('mailbox-holiday-country')).toHaveValue('DE');
  await expect(form.getByTestId('mailbox-holiday-region')).toHaveValue('BY');
});
