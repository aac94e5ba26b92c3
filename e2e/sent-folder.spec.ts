import { expect, test } from '@playwright/test';

const SHOTS = '/work/notes/shots';

test('issue 11: "Save a copy in Sent" is off for Gmail (which keeps its own), on for other servers, and the mailbox row says which', async ({
  page,
}) => {
  await page.goto('/#/settings');
  await page.getByTestId('mailbox-add').click();
  const form = page.getByRole('dialog', { name: 'Add a mailbox' });
  await form.getByTestId('mailbox-name').fill('Rep One');
  await form.getByTestId('mailbox-email').fill('rep@acme-test.com');
  await form.getByTestId('mailbox-zone').fill('America/New_York');
  await form.getByTestId('mailbox-host').fill('smtp.gmail.com');
  await form.getByTestId('mailbox-user').fill('rep@acme-test.com');

  const box = form.getByTestId('mailbox-save-sent');
  const hint = form.getByTestId('mailbox-save-sent-hint');
  await expect(box).not.toBeChecked();
  await expect(hint).toHaveText('Off for Gmail: Gmail already puts every email it sends in your Sent folder.');
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/sent-folder-form-gmail-1280.png` });

  await form.getByTestId('mailbox-host').fill('smtp.acme-test.com');
  await expect(box).toBeChecked();
  await expect(hint).toHaveText(
    "Each email Campaign Desk sends is put in this mailbox's Sent folder, so your mail program shows it. Turn it off if your server already keeps a copy (Gmail does).",
  );
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/sent-folder-form-other-1280.png` });
  await page.setViewportSize({ width: 1024, height: 700 });
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/sent-folder-form-other-1024.png` });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Turned off by hand, saved: the row says no copy is kept.
  await box.uncheck();
  await form.getByTestId('mailbox-save').click();
  await expect(form).toHaveCount(0);
  const row = page.getByTestId('mailbox-row').filter({ hasText: 'rep@acme-test.com' });
  await expect(row.getByTestId('mailbox-sent-copy')).toHaveText('No copy saved in Sent');

  // On again: kept as the person set it.
  await row.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit rep@acme-test.com' });
  await expect(edit.getByTestId('mailbox-save-sent')).not.toBeChecked();
  await edit.getByTestId('mailbox-save-sent').check();
  await edit.getByTestId('mailbox-save').click();
  await expect(edit).toHaveCount(0);
  await expect(row.getByTestId('mailbox-sent-copy')).toHaveText('A copy of each sent email is saved in Sent');
  await page.screenshot({ path: `${SHOTS}/sent-folder-settings-row-1280.png` });
});
