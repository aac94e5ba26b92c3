import { expect, type Page } from '@playwright/test';

/** Settings → Mailboxes. */
export class SettingsPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/#/settings');
    await expect(this.page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  }

  /** Adds a mailbox through the form; `zone` is its IANA zone. */
  async addMailbox(
    email = 'rep@example.com',
    zone = 'America/New_York',
    smtp: { host: string; port: number; gapSeconds: number; dailyLimit?: number } = {
      host: 'smtp.example.com',
      port: 587,
      gapSeconds: 20,
    },
    /** The sending hours picked (R12): a new mailbox's form starts at weekdays 08:00–18:00. */
    window: 'any' | 'weekdays-8-18' | 'weekdays-9-17' = 'any',
  ): Promise<void> {
    await this.page.getByTestId('mailbox-add').click();
    const form = this.page.getByRole('dialog', { name: 'Add a mailbox' });
    await form.getByTestId('mailbox-name').fill('Rep One');
    await form.getByTestId('mailbox-email').fill(email);
    await form.getByTestId('mailbox-zone').fill(zone);
    await form.getByTestId('mailbox-host').fill(smtp.host);
    await form.getByTestId('mailbox-port').fill(String(smtp.port));
    if (smtp.host === '127.0.0.1') {
      // The test's SMTP server on loopback: no TLS, no login.
      await form.getByTestId('mailbox-security').selectOption('none');
    }
    await form.getByTestId('mailbox-gap').fill(String(smtp.gapSeconds));
    await form.getByTestId('mailbox-window').selectOption(window);
    if (smtp.dailyLimit !== undefined) await form.getByTestId('mailbox-limit').fill(String(smtp.dailyLimit));
    if (smtp.host !== '127.0.0.1') {
      await form.getByTestId('mailbox-user').fill('rep');
      await form.getByTestId('mailbox-password').fill('s3cret');
    }
    await form.getByTestId('mailbox-save').click();
    await expect(this.page.getByTestId('mailbox-row').filter({ hasText: email })).toBeVisible();
  }
}
