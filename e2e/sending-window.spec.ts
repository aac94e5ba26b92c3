import { expect, test, type Page } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { setClock } from './support/host';
import { startSmtp } from './support/smtp';

const SHOTS = '/work/notes/shots';

/** The one enrollment's next step and its instant, read straight from the app's IndexedDB. */
function nextStep(page: Page): Promise<{ index: number; dueAt: string; status: string }> {
  return page.evaluate(`new Promise((resolve) => {
    const open = indexedDB.open('campaign-desk');
    open.onsuccess = () => {
      const request = open.result.transaction('enrollments').objectStore('enrollments').getAll();
      request.onsuccess = () => {
        const [e] = request.result;
        resolve({ index: e.nextStepIndex, dueAt: new Date(e.nextDueAt).toISOString(), status: e.status });
        open.result.close();
      };
    };
  })`);
}

// Fri 20 Nov 2026, 16:30 in New York (EST, UTC−5 since 1 Nov): a Friday afternoon before Thanksgiving week.
const LAUNCH = '2026-11-20T21:30:00Z';

/*
 * The instants SPEC R8/R12/R13 give, worked by hand. Mailbox: New York, weekdays 08:00–18:00, US
 * holidays. The campaign overrides the window with its own, weekdays 09:00–17:00 (R12's
 * override), set in its weekly grid. Sender mode, so Z = America/New_York for everyone.
 *
 * Step 1, day 1 at 17:30: Fri 20 Nov 17:30 is after the campaign's window closes at 17:00 (the
 *   mailbox's would still be open until 18:00); nothing on Sat/Sun, so the next opening is
 *   Mon 23 Nov 09:00 EST = 14:00Z. moved: window.
 * Step 2, day 4, same time as the previous email (a follow-up): step 1 was done Mon 23 Nov,
 *   3 days after its day date Fri 20 Nov, so R8 shifts later days by 3: day 4 → 20 + 3 + 3 =
 *   Thu 26 Nov, at step 1's 09:00. Thu 26 Nov is Thanksgiving (US): R13 moves it to the next
 *   non-holiday date at the same local time, Fri 27 Nov 09:00 EST = 14:00Z, which is inside
 *   the window. moved: holiday.
 * Step 3, day 7 at 08:00: step 2 was done Fri 27 Nov, 1 day after its day date Thu 26 Nov:
 *   shift 4, day 7 → 20 + 6 + 4 = Mon 30 Nov, 08:00 — before the campaign's 09:00 opening
 *   (inside the mailbox's 08:00–18:00, which the campaign overrides): Mon 30 Nov 09:00 EST =
 *   14:00Z. moved: window.
 */
const EXPECTED = ['2026-11-23T14:00:00.000Z', '2026-11-27T14:00:00.000Z', '2026-11-30T14:00:00.000Z'];

test('launched on a Friday afternoon with a weekday window and US holidays, each email reaches the SMTP server at the instant R12/R13 give, and the preview and Scheduled folder say why it moved', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, LAUNCH);
    const settings = new SettingsPage(page);
    await settings.goto();
    await settings.addMailbox('rep@example.com', 'America/New_York', {
      host: '127.0.0.1',
      port: smtp.port,
      gapSeconds: 0,
    });
    const row = page.getByTestId('mailbox-row').filter({ hasText: 'rep@example.com' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('dialog', { name: 'Edit rep@example.com' });
    await form.getByTestId('mailbox-window').selectOption('weekdays-8-18');
    await form.getByTestId('mailbox-holiday-country').selectOption('US');
    await form.getByTestId('mailbox-save').click();
    await expect(form).toHaveCount(0);

    const contacts = new ContactsPage(page);
    await contacts.goto();
    await contacts.importCsv('contacts-sample.csv');

    const editor = new CampaignPage(page);
    await editor.create('Holiday week');
    const first = await editor.add('email');
    await first.getByTestId('step-time').fill('17:30');
    await first.getByTestId('step-subject').fill('Before the holiday, {{ first_name }}');
    await first.getByTestId('step-body').click();
    await page.keyboard.type('A quick note before the long weekend.');
    const second = await editor.add('email');
    await editor.setDay(second, 4);
    await editor.card(1).getByTestId('step-body').click();
    await page.keyboard.type('Following up.');
    const third = await editor.add('email');
    await editor.setDay(third, 7);
    await editor.card(2).getByTestId('timing-at_time').check();
    await editor.card(2).getByTestId('step-time').fill('08:00');
    await editor.card(2).getByTestId('step-body').click();
    await page.keyboard.type('Last one from me.');

    // R12's override: this campaign's own hours, set in its weekly grid (it starts from the mailbox's 08:00–18:00).
    const choice = page.getByTestId('campaign-window');
    await expect(choice.locator('option[value="mailbox"]')).toHaveText(
      "Use the mailbox's sending hours (weekdays 08:00–18:00)",
    );
    await choice.selectOption('custom');
    const grid = page.getByTestId('window-grid');
    const monday = grid.getByTestId('window-day-mon');
    await expect(monday.getByTestId('window-end')).toHaveValue('18:00');
    await monday.getByTestId('window-start').fill('09:00');
    await monday.getByTestId('window-end').fill('17:00');
    await grid.getByTestId('window-copy-monday').click();
    await expect(grid.getByTestId('window-day-fri').getByTestId('window-start')).toHaveValue('09:00');
    await editor.waitSaved();
    await grid.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/window-grid-campaign-override.png` });
    await page.reload();
    await expect(page.getByTestId('campaign-window')).toHaveValue('weekdays-9-17');

    await page.getByTestId('launch-open').click();
    const dialog = page.getByRole('dialog', { name: 'Launch Holiday week' });
    await dialog.getByTestId('launch-pick-grace.oneil@example.com').check();
    await dialog.getByTestId('launch-preview').click();
    const preview = (i: number) => dialog.getByTestId(`preview-grace.oneil@example.com-${i}`);
    await expect(preview(0).getByTestId('moved-note')).toHaveText('Moved to Mon 09:00 — outside sending hours');
    await expect(preview(0).getByTestId('their-time')).toHaveText('Mon 23 Nov, 09:00 EST');
    await expect(preview(1).getByTestId('moved-note')).toHaveText('Moved — 26 Nov is a holiday (Thanksgiving Day)');
    await expect(preview(1).getByTestId('their-time')).toHaveText('Fri 27 Nov, 09:00 EST');
    await expect(preview(2).getByTestId('moved-note')).toHaveText('Moved to Mon 09:00 — outside sending hours');
    await expect(preview(2).getByTestId('their-time')).toHaveText('Mon 30 Nov, 09:00 EST');
    await page.screenshot({ path: `${SHOTS}/window-grid-launch-preview.png` });
    await dialog.getByTestId('launch-confirm').click();
    await expect(page.getByTestId('toast').first()).toContainText('Launched Holiday week for 1 person');

    await page.getByTestId('nav-command-center').click();
    await page.getByTestId('folder-scheduled').click();
    const scheduled = page.getByTestId('scheduled-row');
    await expect(scheduled).toHaveCount(1);
    await expect(scheduled.getByTestId('moved-note')).toHaveText('Moved to Mon 09:00 — outside sending hours');

    for (const [i, at] of EXPECTED.entries()) {
      // The engine planned this step for exactly this instant before the clock gets there.
      await expect.poll(() => nextStep(page), { timeout: 15_000 }).toEqual({ index: i, dueAt: at, status: 'active' });
      expect(smtp.received).toHaveLength(i);
      if (i === 1) {
        await expect(scheduled.getByTestId('moved-note')).toHaveText('Moved — 26 Nov is a holiday (Thanksgiving Day)');
        await expect(scheduled).toContainText('Fri 27 Nov, 09:00 EST');
        await page.screenshot({ path: `${SHOTS}/window-grid-scheduled.png` });
      }
      await setClock(baseURL!, at);
      await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(i + 1);
      const mail = smtp.received[i]!;
      // Sent at its instant, to the second (the Date header the app wrote).
      expect(mail.date!.toISOString().slice(0, 19)).toBe(at.slice(0, 19));
      expect(mail.to && 'text' in mail.to ? mail.to.text : '').toContain('grace.oneil@example.com');
    }
    expect(smtp.received.map((m) => m.subject)).toEqual([
      'Before the holiday, Grace',
      'Re: Before the holiday, Grace',
      'Re: Before the holiday, Grace',
    ]);
    await expect.poll(() => nextStep(page).then((s) => s.status), { timeout: 15_000 }).toBe('finished');
  } finally {
    await smtp.close();
  }
});
