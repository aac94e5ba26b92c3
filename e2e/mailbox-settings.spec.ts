import { expect, test } from '@playwright/test';
import { SettingsPage } from './pages/settings';

const SHOTS = 'e2e/screenshots';

/** The first mailbox's window and calendar as IndexedDB holds them (SPEC §10's shape). */
const STORED = `new Promise((resolve) => {
const open = indexedDB.open('campaign-desk');
open.onsuccess = () => {
  const request = open.result.transaction('mailboxes').objectStore('mailboxes').getAll();
  request.onsuccess = () => {
    const [m] = request.result;
    resolve({ sendingWindow: m.sendingWindow, holidays: m.holidays });
    open.result.close();
  };
};
  })`;

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

const GRID_SHOTS = '/work/notes/shots';

test('R12: a new mailbox starts with weekdays 08:00–18:00, and its hours are typed and shown in 24-hour time', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await page.getByTestId('mailbox-add').click();
  const form = page.getByRole('dialog', { name: 'Add a mailbox' });
  // SPEC R12's default, not "Any time".
  await expect(form.getByTestId('mailbox-window')).toHaveValue('weekdays-8-18');
  await expect(form.getByTestId('mailbox-window').locator('option:checked')).toHaveText('Weekdays 08:00–18:00');
  await form.getByTestId('mailbox-window').selectOption('custom');
  const grid = form.getByTestId('window-grid');
  const monday = grid.getByTestId('window-day-mon');
  await expect(monday.getByTestId('window-start')).toHaveValue('08:00');
  await expect(monday.getByTestId('window-end')).toHaveValue('18:00');
  // Typed the short way, read as 24-hour; ↑ is 15 minutes later, Shift+↓ an hour earlier.
  await monday.getByTestId('window-end').fill('1730');
  await expect(monday.getByTestId('window-end')).toHaveValue('17:30');
  await monday.getByTestId('window-end').press('ArrowUp');
  await expect(monday.getByTestId('window-end')).toHaveValue('17:45');
  await monday.getByTestId('window-start').fill('9');
  await monday.getByTestId('window-start').press('Tab');
  await expect(monday.getByTestId('window-start')).toHaveValue('09:00');
  await monday.getByTestId('window-start').press('Shift+ArrowDown');
  await expect(monday.getByTestId('window-start')).toHaveValue('08:00');
  await monday.getByTestId('window-start').fill('25:00');
  await form.getByTestId('mailbox-name').fill('Rep One');
  await form.getByTestId('mailbox-email').fill('rep@example.com');
  await form.getByTestId('mailbox-zone').fill('America/New_York');
  await form.getByTestId('mailbox-host').fill('smtp.example.com');
  await form.getByTestId('mailbox-user').fill('rep');
  await form.getByTestId('mailbox-password').fill('s3cret');
  await form.getByTestId('mailbox-save').click();
  await expect(grid.getByTestId('window-error')).toHaveText(
    'Monday, hours 1: the start "25:00" is not a time of day (HH:mm, 00:00–23:59)',
  );
  await grid.getByTestId('window-error').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${GRID_SHOTS}/window-grid-24h.png` });
  await monday.getByTestId('window-start').fill('08:00');
  await form.getByTestId('mailbox-save').click();
  await expect(form).toHaveCount(0);
  const stored = (await page.evaluate(STORED)) as { sendingWindow: Record<string, unknown> };
  expect(stored.sendingWindow).toEqual({
    mon: [['08:00', '17:45']],
    tue: [['08:00', '18:00']],
    wed: [['08:00', '18:00']],
    thu: [['08:00', '18:00']],
    fri: [['08:00', '18:00']],
  });
});

test('R12/R13: custom sending hours are edited in a weekly grid by keyboard; a bad block is named and nothing is saved; own days off and working days are kept', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const row = page.getByTestId('mailbox-row').filter({ hasText: 'rep@example.com' });
  await row.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('dialog', { name: 'Edit rep@example.com' });
  await form.getByTestId('mailbox-window').selectOption('weekdays-9-17');
  await form.getByTestId('mailbox-window').selectOption('custom');
  const grid = form.getByTestId('window-grid');
  // The grid starts from the hours picked before: weekdays 09:00–17:00, nothing at the weekend.
  await expect(grid.getByTestId('window-day-mon').getByTestId('window-start')).toHaveValue('09:00');
  await expect(grid.getByTestId('window-day-fri').getByTestId('window-end')).toHaveValue('17:00');
  await expect(grid.getByTestId('window-day-sat')).toContainText('No sending');

  // Keyboard only: from Monday's "+ Hours", ↓ goes to Tuesday's; Enter adds a block after 17:00 and focuses it.
  await grid.getByTestId('window-day-mon').getByTestId('window-add').focus();
  await page.keyboard.press('ArrowDown');
  await expect(grid.getByTestId('window-day-tue').getByTestId('window-add')).toBeFocused();
  await page.keyboard.press('Enter');
  const tuesday = grid.getByTestId('window-day-tue').getByTestId('window-block');
  await expect(tuesday).toHaveCount(2);
  await expect(tuesday.nth(1).getByTestId('window-start')).toBeFocused();
  await expect(tuesday.nth(1).getByTestId('window-start')).toHaveValue('18:00');
  await expect(tuesday.nth(1).getByTestId('window-end')).toHaveValue('19:00');
  // Typed over with the keyboard into hours that overlap 09:00–17:00: refused at Save, naming the day and the value.
  await page.keyboard.type('1200');
  await expect(tuesday.nth(1).getByTestId('window-start')).toHaveValue('12:00');
  await page.screenshot({ path: `${GRID_SHOTS}/window-grid-1280.png` });
  await form.getByTestId('mailbox-save').click();
  await expect(grid.getByTestId('window-error')).toHaveText(
    'Tuesday, hours 2: 12:00–19:00 overlaps 09:00–17:00; let one end before the other starts',
  );
  await expect(tuesday.nth(1).getByTestId('window-start')).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: `${GRID_SHOTS}/window-grid-refused.png` });
  await form.getByRole('button', { name: 'Cancel' }).click();
  await row.getByRole('button', { name: 'Edit' }).click();
  // Nothing was stored: the mailbox still sends at any time.
  await expect(form.getByTestId('mailbox-window')).toHaveValue('any');

  // Again, well this time: Saturday 10:00–12:00 besides weekdays 08:00–18:00, and a block ending at midnight on Friday.
  await form.getByTestId('mailbox-window').selectOption('weekdays-8-18');
  await form.getByTestId('mailbox-window').selectOption('custom');
  await grid.getByTestId('window-day-sat').getByTestId('window-add').click();
  const saturday = grid.getByTestId('window-day-sat').getByTestId('window-block');
  await saturday.getByTestId('window-start').fill('10:00');
  await saturday.getByTestId('window-end').fill('12:00');
  await grid.getByTestId('window-day-fri').getByTestId('window-add').click();
  const friday = grid.getByTestId('window-day-fri').getByTestId('window-block');
  await friday.nth(1).getByTestId('window-start').fill('20:00');
  await friday.nth(1).getByTestId('window-end').fill('00:00');
  // A block that ends before it starts is named too.
  await grid.getByTestId('window-day-sun').getByTestId('window-add').click();
  const sunday = grid.getByTestId('window-day-sun').getByTestId('window-block');
  await sunday.getByTestId('window-start').fill('15:00');
  await sunday.getByTestId('window-end').fill('14:00');
  await form.getByTestId('mailbox-save').click();
  await expect(grid.getByTestId('window-error')).toHaveText(
    'Sunday, hours 1: 15:00–14:00 ends before it starts; end after 15:00',
  );
  await sunday.getByRole('button', { name: 'Remove Sunday 15:00–14:00' }).click();
  await expect(grid.getByTestId('window-day-sun')).toContainText('No sending');
  await expect(grid.getByTestId('window-error')).toHaveCount(0);

  // The mailbox's own days: 24 Dec off, Sat 28 Nov worked; a date listed twice is refused where it is typed.
  await form.getByTestId('mailbox-holiday-country').selectOption('US');
  await form.getByTestId('mailbox-days-off-date').fill('2026-12-24');
  await form.getByTestId('mailbox-days-off-add').click();
  await form.getByTestId('mailbox-days-off-date').fill('2026-12-24');
  await form.getByTestId('mailbox-days-off-add').click();
  await expect(form.getByTestId('mailbox-days-off-error')).toHaveText('Days off: Thu 24 Dec 2026 is already listed');
  await expect(form.getByTestId('mailbox-days-off-chip')).toHaveText(['Thu 24 Dec 2026 ×']);
  await form.getByTestId('mailbox-workdays-date').fill('2026-11-28');
  await form.getByTestId('mailbox-workdays-add').click();
  await page.setViewportSize({ width: 1024, height: 700 });
  await grid.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${GRID_SHOTS}/window-grid-1024.png` });
  await page.setViewportSize({ width: 1280, height: 800 });
  await form.getByTestId('mailbox-save').click();
  await expect(form).toHaveCount(0);

  await page.reload();
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(form.getByTestId('mailbox-window')).toHaveValue('custom');
  await expect(grid.getByTestId('window-day-sat').getByTestId('window-start')).toHaveValue('10:00');
  await expect(grid.getByTestId('window-day-fri').getByTestId('window-block')).toHaveCount(2);
  // Midnight as an end reads 24:00 (it was typed as 00:00).
  await expect(grid.getByTestId('window-day-fri').getByTestId('window-end').nth(1)).toHaveValue('24:00');
  await expect(grid.getByTestId('window-day-sun')).toContainText('No sending');
  await expect(form.getByTestId('mailbox-days-off-chip')).toHaveText(['Thu 24 Dec 2026 ×']);
  await expect(form.getByTestId('mailbox-workdays-chip')).toHaveText(['Sat 28 Nov 2026 ×']);
  // What was stored, in SPEC §10's shape.
  const stored = await page.evaluate(STORED);
  expect(stored).toEqual({
    sendingWindow: {
      mon: [['08:00', '18:00']],
      tue: [['08:00', '18:00']],
      wed: [['08:00', '18:00']],
      thu: [['08:00', '18:00']],
      fri: [
        ['08:00', '18:00'],
        ['20:00', '24:00'],
      ],
      sat: [['10:00', '12:00']],
    },
    holidays: { country: 'US', extra: ['2026-12-24'], workdays: ['2026-11-28'] },
  });

  // No holiday calendar, but the mailbox's own days off stay (R13's extra dates need no country).
  await form.getByTestId('mailbox-holiday-country').selectOption('');
  await expect(form.getByTestId('mailbox-days-off-chip')).toHaveText(['Thu 24 Dec 2026 ×']);
  await form.getByTestId('mailbox-days-off-chip').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/mailbox-days-off-no-country.png` });
  await form.getByTestId('mailbox-save').click();
  await expect(form).toHaveCount(0);
  await page.reload();
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(form.getByTestId('mailbox-holiday-country')).toHaveValue('');
  await expect(form.getByTestId('mailbox-days-off-chip')).toHaveText(['Thu 24 Dec 2026 ×']);
  expect(((await page.evaluate(STORED)) as { holidays: unknown }).holidays).toEqual({
    extra: ['2026-12-24'],
    workdays: ['2026-11-28'],
  });
});
