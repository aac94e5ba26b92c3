import { expect, test } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';

const SHOTS = 'e2e/screenshots';

test('a link in the email preview opens outside the app, and a tel: link is shown as it is sent (issue 10 item 10)', async ({
  page,
  context,
}) => {
  // No internet here: the outside page is answered locally, so the new tab shows something.
  await context.route('https://example.com/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<h1>Pricing</h1>' }),
  );
  await new SettingsPage(page).goto();
  await new SettingsPage(page).addMailbox();
  await new ContactsPage(page).goto();
  await new ContactsPage(page).importCsv('contacts-sample.csv');
  const editor = new CampaignPage(page);
  await editor.create('Links');
  const email = await editor.add('email');
  await email.getByTestId('step-subject').fill('Pricing for {{ company }}');
  await email.getByTestId('step-body').click();
  // Pasted as a salesperson would paste from a document: a web link and a phone link.
  // (A string, so this Node-side file needs no DOM types.)
  await page.evaluate(`(() => {
    const data = new DataTransfer();
    data.setData('text/html', ${JSON.stringify(
      '<p>See <a href="https://example.com/pricing">our pricing</a> or call <a href="tel:+12125550102">+1 212 555 0102</a>.</p>',
    )});
    document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
  })()`);
  await editor.waitSaved();
  const preview = email.locator('.preview-body');
  await expect(preview.getByRole('link', { name: 'our pricing' })).toHaveAttribute('target', '_blank');
  await expect(preview.getByRole('link', { name: 'our pricing' })).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(preview.getByRole('link', { name: '+1 212 555 0102' })).toHaveAttribute('href', 'tel:+12125550102');
  await page.screenshot({ path: `${SHOTS}/campaign-editor-preview-links.png` });

  const appUrl = page.url();
  const [outside] = await Promise.all([
    context.waitForEvent('page'),
    preview.getByRole('link', { name: 'our pricing' }).click(),
  ]);
  await outside.waitForLoadState();
  expect(outside.url()).toBe('https://example.com/pricing');
  await expect(outside.getByRole('heading', { name: 'Pricing' })).toBeVisible();
  // The app itself stayed where it was.
  expect(page.url()).toBe(appUrl);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Links');
  await outside.close();
});
