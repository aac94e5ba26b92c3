import { expect, test } from '@playwright/test';
import { checkTestConnectionWords, closedPort } from './support/host-words';
import { startSmtp } from './support/smtp';

const SHOTS = 'e2e/screenshots';

test('SPEC §11: the mailbox form fills IMAP in from SMTP, and Test connection checks each server before saving', async ({
  page,
}) => {
  const smtp = await startSmtp();
  try {
    await page.goto('/#/settings');
    await page.getByTestId('mailbox-add').click();
    const form = page.getByRole('dialog', { name: 'Add a mailbox' });
    await form.getByTestId('mailbox-name').fill('Rep One');
    await form.getByTestId('mailbox-email').fill('rep@acme-test.com');
    await form.getByTestId('mailbox-zone').fill('America/New_York');
    await form.getByTestId('mailbox-host').fill('smtp.acme-test.com');
    await form.getByTestId('mailbox-user').fill('rep@acme-test.com');

    // "Same as SMTP": the IMAP server is guessed from the SMTP one, on the usual TLS port.
    await expect(form.getByTestId('imap-on')).toBeChecked();
    await expect(form.getByTestId('imap-host')).toHaveValue('imap.acme-test.com');
    await expect(form.getByTestId('imap-port')).toHaveValue('993');
    await expect(form.getByTestId('imap-security')).toHaveValue('tls');
    await expect(form.getByTestId('imap-user')).toHaveValue('rep@acme-test.com');
    await expect(form.getByTestId('imap-poll')).toHaveValue('2');
    await expect(form.getByTestId('imap-same-as-smtp')).toHaveText(
      "Filled in from the SMTP server; change it if your provider's differs.",
    );
    await form.getByTestId('imap-user').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/inbox-host-form-prefilled-1280.png` });

    // SMTP: a server that is not running, then a password the host refuses (issue 13: the host's
    // answers and refusals reach the screen in its own words, the same in the desktop app).
    await checkTestConnectionWords(form);
    await form.getByTestId('smtp-test').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/smtp-test-refused-1280.png` });

    // SMTP: the test's own server on loopback (no TLS, no login).
    await form.getByTestId('mailbox-host').fill('127.0.0.1');
    await form.getByTestId('mailbox-port').fill(String(smtp.port));
    await form.getByTestId('mailbox-security').selectOption('none');
    await form.getByTestId('mailbox-user').fill('');
    await expect(form.getByTestId('imap-host')).toHaveValue('127.0.0.1');
    await expect(form.getByTestId('imap-user')).toHaveValue('rep@acme-test.com');
    await form.getByRole('button', { name: 'Test SMTP connection' }).click();
    await expect(form.getByTestId('smtp-test-result')).toHaveText(
      'Connected: the SMTP server accepted the login. Nothing was sent.',
    );
    expect(smtp.attempts).toHaveLength(0);

    // IMAP: a server that is not running.
    const port = await closedPort();
    await form.getByTestId('imap-security').selectOption('none');
    await expect(form.getByTestId('imap-port')).toHaveValue('143');
    await form.getByTestId('imap-port').fill(String(port));
    await expect(form.getByTestId('imap-same-as-smtp')).toHaveCount(0);
    await form.getByTestId('imap-password').fill('s3cret');
    await form.getByRole('button', { name: 'Test IMAP connection' }).click();
    await expect(form.getByTestId('imap-test-result')).toHaveText(
      `Cannot reach 127.0.0.1 on port ${port} (nothing answers on that port). Check the server and port in Settings and your connection.`,
    );
    await form.getByTestId('imap-test').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/inbox-host-form-tested-1280.png` });
    await page.setViewportSize({ width: 1024, height: 700 });
    await form.getByTestId('imap-test').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/inbox-host-form-tested-1024.png` });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Nothing was saved by the tests; saving stores the IMAP settings with the mailbox.
    await expect(page.getByTestId('mailbox-empty')).toBeAttached();
    await form.getByTestId('mailbox-save').click();
    await expect(form).toHaveCount(0);
    const row = page.getByTestId('mailbox-row').filter({ hasText: 'rep@acme-test.com' });
    // The app now watches that inbox: nothing answers IMAP on the closed port, and the row says so.
    await expect(row.getByTestId('mailbox-inbox')).toContainText(`Replies read from 127.0.0.1:${port}`);
    await expect(row.getByTestId('mailbox-inbox')).toContainText(
      `Cannot reach 127.0.0.1 on port ${port} (nothing answers on that port).`,
    );
    await page.screenshot({ path: `${SHOTS}/settings-inbox-unreachable.png` });
    await page.reload();
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit rep@acme-test.com' });
    await expect(edit.getByTestId('imap-port')).toHaveValue(String(port));
    await expect(edit.getByTestId('imap-security')).toHaveValue('none');
    await expect(edit.getByTestId('imap-password')).toHaveValue('');
    await expect(edit.getByText('IMAP password (stored; leave empty to keep it)')).toBeVisible();
    await edit.getByTestId('imap-on').uncheck();
    await edit.getByTestId('mailbox-save').click();
    await expect(row.getByTestId('mailbox-inbox')).toHaveText(
      "Replies are not read: Edit to watch this mailbox's inbox (IMAP)",
    );
    await page.screenshot({ path: `${SHOTS}/inbox-host-settings-row-1280.png` });
  } finally {
    await smtp.close();
  }
});

test('a "required" said about the IMAP server goes once it fills itself in from the SMTP server', async ({ page }) => {
  await page.goto('/#/settings');
  await page.getByTestId('mailbox-add').click();
  const form = page.getByRole('dialog', { name: 'Add a mailbox' });
  await form.getByTestId('mailbox-save').click();
  const imapHost = form.getByTestId('imap-host');
  await expect(imapHost).toHaveAttribute('aria-invalid', 'true');
  await form.getByTestId('mailbox-host').fill('smtp.acme-test.com');
  await form.getByTestId('mailbox-user').fill('rep@acme-test.com');
  await expect(imapHost).toHaveValue('imap.acme-test.com');
  await expect(imapHost).toHaveAttribute('aria-invalid', 'false');
  await expect(form.getByTestId('imap-user')).toHaveAttribute('aria-invalid', 'false');
});
