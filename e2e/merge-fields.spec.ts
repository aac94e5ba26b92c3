import { expect, test } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { setClock } from './support/host';
import { addEmailStep, mailboxAndContacts } from './support/setup';
import { startSmtp } from './support/smtp';

const SHOTS = 'e2e/screenshots';
// The mailbox is in New York (EDT from 8 March): 09:30 there on Monday 9 March is 13:30Z.
const DUE = '2026-03-09T13:30:00.000Z';

test('a body merge field empty for one person blocks only that email, and a contact value arrives as text, not a link (issue 10 items 6, 7)', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    // Mallory's company is markup from a CSV; Nora has no title.
    await mailboxAndContacts(page, 'America/New_York', smtp.port, 'contacts-markup.csv');
    const editor = new CampaignPage(page);
    await editor.create('Titles');
    await addEmailStep(editor, page, {
      time: '09:30',
      subject: 'A note for {{ first_name }}',
      body: 'As {{ title }} you lead {{ company }}.',
    });
    await editor.waitSaved();
    await page.getByTestId('launch-open').click();
    const dialog = page.getByRole('dialog', { name: 'Launch Titles' });
    await dialog.getByTestId('launch-select-all').click();
    await dialog.getByTestId('launch-preview').click();
    await expect(dialog.getByTestId('launch-warning')).toHaveText(
      '⚠ step 1 cannot be sent as written (body: missing title (empty, and no default given)): it will wait in Needs attention',
    );
    await page.screenshot({ path: `${SHOTS}/launch-preview-empty-merge-field.png` });
    await dialog.getByTestId('launch-confirm').click();
    await expect(page.getByTestId('toast').first()).toContainText('Launched Titles for 2 people');

    await setClock(baseURL!, DUE);
    await expect.poll(() => smtp.received.length, { timeout: 30_000 }).toBe(1);
    const mail = smtp.received[0]!;
    expect(JSON.stringify(mail.to)).toContain('mallory@example.org');
    // The company is shown as the characters the CSV held; no <a> from a contact value.
    expect(mail.html).toContain('As Buyer you lead &lt;a href=&quot;http://evil.example&quot;&gt;click&lt;/a&gt;.');
    expect(mail.html).not.toContain('<a href="http://evil.example"');
    expect(mail.text).toContain('As Buyer you lead <a href="http://evil.example">click</a>.');

    await page.goto('/#/command-center');
    await page.getByTestId('folder-attention').click();
    const rows = page.getByTestId('attention-row');
    await expect(rows).toHaveCount(1, { timeout: 15_000 });
    await expect(rows.first()).toContainText('Nora Quinn · Titles · Email: A note for Nora');
    await expect(rows.first()).toContainText('missing title (empty, and no default given)');
    await page.screenshot({ path: `${SHOTS}/command-center-attention-empty-title.png` });
    await page.waitForTimeout(1000);
    expect(smtp.received).toHaveLength(1);
  } finally {
    await smtp.close();
  }
});
