import type { Locator, Page } from '@playwright/test';
import type { CampaignPage } from '../pages/campaign';
import { ContactsPage } from '../pages/contacts';
import { SettingsPage } from '../pages/settings';

/**
 * The usual start of a browser test, through the screens: a mailbox `rep@example.com` in
 * `zone` (on the test SMTP server at `smtpPort` with no minimum gap, or on a made-up server
 * when none is given: for tests that send nothing) and the contacts of `e2e/fixtures/<csv>`.
 */
export async function mailboxAndContacts(
  page: Page,
  zone: string,
  smtpPort?: number,
  csv = 'contacts-sample.csv',
): Promise<void> {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox(
    'rep@example.com',
    zone,
    ...(smtpPort === undefined ? [] : [{ host: '127.0.0.1', port: smtpPort, gapSeconds: 0 }]),
  );
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv(csv);
}

/** Adds an email step sending at `time` (`HH:mm`) with `subject` and `body` typed into the editor. @returns its card. */
export async function addEmailStep(
  editor: CampaignPage,
  page: Page,
  step: { time: string; subject: string; body: string },
): Promise<Locator> {
  const card = await editor.add('email');
  await card.getByTestId('step-time').fill(step.time);
  await card.getByTestId('step-subject').fill(step.subject);
  await card.getByTestId('step-body').click();
  await page.keyboard.type(step.body);
  return card;
}

/** Adds a call step titled `title` on `day` (default: the day the editor gives it). @returns its card. */
export async function addCallStep(editor: CampaignPage, title: string, day?: number): Promise<Locator> {
  const card = await editor.add('call');
  if (day !== undefined) await editor.setDay(card, day);
  await card.getByTestId('step-title').fill(title);
  return card;
}
