import { expect, test, type Page } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { setClock } from './support/host';
import { startSmtp } from './support/smtp';

const SHOTS = 'e2e/screenshots';
const ANA = 'ana.lima@example.org';
const GRACE = 'grace.oneil@example.com';
// The mailbox is in New York (EDT from 8 March): 09:30 there on Monday 9 March is 13:30Z.
const DUE = '2026-03-09T13:30:00.000Z';

/**
 * Adds a mailbox on the test's SMTP server, imports the sample contacts, and launches a
 * campaign for Ana and Grace, planned in the mailbox's zone (so both fall due at once).
 * `first` is the day-1 email: sent at 09:30, or an email task; a call follows on day 2.
 */
async function launchForTwo(
  page: Page,
  port: number,
  options: { name: string; first: 'email' | 'task'; dailyLimit?: number },
): Promise<void> {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox('rep@example.com', 'America/New_York', {
    host: '127.0.0.1',
    port,
    gapSeconds: 0,
    dailyLimit: options.dailyLimit,
  });
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');
  const editor = new CampaignPage(page);
  await editor.create(options.name);
  const first = await editor.add('email');
  if (options.first === 'task') await first.getByTestId('timing-task').check();
  else await first.getByTestId('step-time').fill('09:30');
  await first.getByTestId('step-subject').fill('Intro for {{ first_name }}');
  await first.getByTestId('step-body').click();
  await page.keyboard.type('Hello there.');
  const call = await editor.add('call');
  await editor.setDay(call, 2);
  await editor.card(1).getByTestId('step-title').fill('Call {{ first_name }}');
  await editor.waitSaved();
  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: `Launch ${options.name}` });
  await dialog.getByTestId(`launch-pick-${ANA}`).check();
  await dialog.getByTestId(`launch-pick-${GRACE}`).check();
  await dialog.getByTestId('launch-preview').click();
  await dialog.getByTestId('launch-confirm').click();
  await expect(page.getByTestId('toast').first()).toContainText(`Launched ${options.name} for 2 people`);
}

const to = (mail: { to?: unknown }) => JSON.stringify(mail.to ?? '');

test('a 451 reply is retried with the same Message-ID and then goes; a 550 fails with the server’s words and pauses the person', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  let anaTries = 0;
  const smtp = await startSmtp({
    reply: (mail) => {
      if (to(mail).includes(GRACE)) return { code: 550, message: '5.1.1 <grace.oneil@example.com>: User unknown' };
      if (to(mail).includes(ANA) && ++anaTries === 1)
        return { code: 451, message: '4.7.1 Greylisted, try again later' };
      return undefined;
    },
  });
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchForTwo(page, smtp.port, { name: 'Refusals', first: 'email' });
    await setClock(baseURL!, DUE);
    await expect.poll(() => smtp.attempts.length, { timeout: 15_000 }).toBe(2);
    expect(smtp.received).toHaveLength(0);

    // Grace: refused for good. Her email is in Failed with the server's text; she is paused.
    await page.goto('/#/command-center');
    await page.getByTestId('folder-failed').click();
    const failed = page.getByTestId('failed-row');
    await expect(failed).toHaveCount(1, { timeout: 15_000 });
    await expect(failed).toContainText('Grace');
    await expect(failed).toContainText('5.1.1 <grace.oneil@example.com>: User unknown');
    await expect(failed).toContainText('paused');
    await page.screenshot({ path: `${SHOTS}/command-center-failed.png` });

    // Ana: greylisted. Nothing more happens before the first retry, one minute later (SPEC §5).
    await setClock(baseURL!, '2026-03-09T13:30:50Z');
    await page.waitForTimeout(1500);
    expect(smtp.attempts).toHaveLength(2);
    await setClock(baseURL!, '2026-03-09T13:31:01Z');
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    const [refused, accepted] = smtp.attempts.filter((mail) => to(mail).includes(ANA));
    expect(accepted!.subject).toBe('Intro for Ana');
    expect(accepted!.messageId).toBe(refused!.messageId);
    expect(smtp.attempts.filter((mail) => to(mail).includes(GRACE))).toHaveLength(1);

    await page.getByTestId('nav-live-feed').click();
    await expect(page.getByTestId('feed-row').filter({ hasText: 'Will retry "Intro for Ana"' })).toContainText(
      '4.7.1 Greylisted, try again later',
    );
    // The newest send row (the mailbox's inbox has no password here, so a "Not in Sent" row follows it).
    await expect(page.locator('[data-testid="feed-row"][data-kind="email.sent"]').first()).toContainText(
      'Sent "Intro for Ana" to Ana Lima',
    );
    // The campaign's people list says why Grace waits.
    await page.getByTestId('feed-campaign-link').first().click();
    await expect(page.getByTestId('person-row').filter({ hasText: 'Grace' })).toContainText('Paused (refused)');
  } finally {
    await smtp.close();
  }
});

test('the daily limit holds the extra send until the mailbox’s next day, then it goes', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchForTwo(page, smtp.port, { name: 'Limited', first: 'email', dailyLimit: 1 });
    await setClock(baseURL!, DUE);
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    await page.goto('/#/live-feed');
    await expect(page.getByTestId('feed-row').filter({ hasText: "the mailbox's daily limit is reached" })).toHaveCount(
      1,
      { timeout: 15_000 },
    );
    // Later the same day: still one.
    await setClock(baseURL!, '2026-03-10T03:59:00Z');
    await page.waitForTimeout(1500);
    expect(smtp.received).toHaveLength(1);
    // Midnight in New York (04:00Z): the held email goes.
    await setClock(baseURL!, '2026-03-10T04:00:00Z');
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(2);
    expect(smtp.received[1]!.date!.toISOString()).toBe('2026-03-10T04:00:00.000Z');
    expect(new Set(smtp.received.map((mail) => mail.subject))).toEqual(new Set(['Intro for Ana', 'Intro for Grace']));
  } finally {
    await smtp.close();
  }
});

test('the compose window: Escape closes it at once when nothing was edited, and asks "Discard your changes?" when the subject or message was', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchForTwo(page, smtp.port, { name: 'Keep it', first: 'task' });
    await setClock(baseURL!, '2026-03-09T13:00:00Z');
    await page.goto('/#/command-center');
    await expect(page.getByTestId('task-row')).toHaveCount(2, { timeout: 15_000 });
    const open = () => page.getByTestId('task-row').filter({ hasText: 'Ana' }).getByTestId('task-open').click();
    const compose = page.getByRole('dialog', { name: 'Email Ana Lima' });
    const ask = page.getByRole('alertdialog', { name: 'Discard your changes?' });

    // Unchanged: Escape closes at once.
    await open();
    await expect(compose.getByTestId('compose-subject')).toHaveValue('Intro for Ana');
    await page.keyboard.press('Escape');
    await expect(compose).toHaveCount(0);
    await expect(ask).toHaveCount(0);

    // The message edited: Escape asks; Keep editing keeps every word.
    await open();
    await compose.locator('.rte-content').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' A line I wrote.');
    await page.keyboard.press('Escape');
    await expect(ask).toBeVisible();
    await expect(ask).toContainText('Discard your changes?');
    await page.screenshot({ path: `${SHOTS}/compose-discard-ask.png` });
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    await expect(ask).toHaveCount(0);
    await expect(compose.locator('.rte-content')).toHaveText('Hello there. A line I wrote.');

    // Escape twice: the second answers the question with Keep editing, never discards.
    await compose.locator('.rte-content').click();
    await page.keyboard.press('Escape');
    await expect(ask).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(ask).toHaveCount(0);
    await expect(compose.locator('.rte-content')).toHaveText('Hello there. A line I wrote.');

    // The subject edited, then the close button: asked again; Discard closes and forgets.
    await compose.getByTestId('compose-subject').fill('Intro for Ana, rewritten');
    await compose.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(ask).toBeVisible();
    await ask.getByRole('button', { name: 'Discard' }).click();
    await expect(compose).toHaveCount(0);
    await open();
    await expect(compose.getByTestId('compose-subject')).toHaveValue('Intro for Ana');
    await expect(compose.locator('.rte-content')).toHaveText('Hello there.');
    await page.keyboard.press('Escape');
    await expect(compose).toHaveCount(0);
    await expect(page.getByTestId('task-row')).toHaveCount(2);
    expect(smtp.received).toHaveLength(0);
  } finally {
    await smtp.close();
  }
});

test('an email task: the compose window sends what was edited, "Mark as sent" moves the campaign on, and people can be paused or removed', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchForTwo(page, smtp.port, { name: 'By hand', first: 'task' });
    // Tasks fall due at the campaign's task time (09:00 in New York = 13:00Z).
    await setClock(baseURL!, '2026-03-09T13:00:00Z');
    await page.goto('/#/command-center');
    await expect(page.getByTestId('task-row')).toHaveCount(2, { timeout: 15_000 });

    await page.getByTestId('task-row').filter({ hasText: 'Ana' }).getByTestId('task-open').click();
    const compose = page.getByRole('dialog', { name: 'Email Ana Lima' });
    await expect(compose.getByTestId('compose-to')).toHaveText(`Ana Lima <${ANA}>`);
    await expect(compose.getByTestId('compose-subject')).toHaveValue('Intro for Ana');
    await expect(compose.getByTestId('compose-mailto')).toHaveAttribute(
      'href',
      `mailto:${ANA}?subject=Intro%20for%20Ana&body=Hello%20there.`,
    );
    await compose.getByTestId('compose-subject').fill('Intro for Ana (by hand)');
    await compose.locator('.rte-content').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' I wrote this line myself.');
    await page.screenshot({ path: `${SHOTS}/compose-email-task.png` });
    await compose.getByTestId('compose-send').click();
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    expect(smtp.received[0]!.subject).toBe('Intro for Ana (by hand)');
    expect(smtp.received[0]!.text).toContain('Hello there. I wrote this line myself.');
    expect(to(smtp.received[0]!)).toContain(ANA);

    // Grace's task is snoozed for an hour: it leaves "Due today" and waits under "Snoozed".
    await page.getByTestId('task-row').filter({ hasText: 'Grace' }).getByTestId('task-snooze').selectOption('1h');
    await expect(page.getByTestId('task-row').filter({ hasText: 'Grace' })).toContainText('snoozed until');
    // Grace: sent outside the app. The campaign moves on to her day-2 call.
    await page.getByTestId('task-row').filter({ hasText: 'Grace' }).getByTestId('task-open').click();
    await page.getByRole('dialog', { name: "Email Grace O'Neil" }).getByTestId('compose-mark-sent').click();
    await expect(page.getByTestId('task-row')).toHaveCount(0, { timeout: 15_000 });
    await page.getByTestId('folder-scheduled').click();
    await expect(page.getByTestId('scheduled-row').filter({ hasText: 'Grace' })).toContainText('Call: Call');
    await page.getByTestId('folder-sent').click();
    await expect(page.getByTestId('sent-row')).toHaveCount(2, { timeout: 15_000 });
    await expect(page.getByTestId('sent-row').filter({ hasText: 'outside the app' })).toHaveCount(1);
    expect(smtp.received).toHaveLength(1);

    // Pause Ana, remove Grace: her call is cancelled and the Feed says so.
    await page.goto('/#/campaigns');
    await page.getByRole('link', { name: 'By hand' }).click();
    const people = page.getByTestId('person-row');
    await expect(people).toHaveCount(2);
    await people.filter({ hasText: 'Ana' }).getByTestId('person-pause').click();
    await expect(people.filter({ hasText: 'Ana' })).toContainText('Paused');
    await people.filter({ hasText: 'Grace' }).getByTestId('person-remove').click();
    await page.getByTestId('remove-confirm').click();
    await expect(people.filter({ hasText: 'Grace' })).toContainText('Removed; nothing more is sent');
    await expect(page.getByTestId('toast')).toHaveCount(0, { timeout: 15_000 });
    await page.screenshot({ path: `${SHOTS}/campaign-people.png`, fullPage: true });
    await page.goto('/#/live-feed');
    await expect(page.getByTestId('feed-row').first()).toContainText(
      "Removed Grace O'Neil from the campaign; 1 pending step cancelled",
    );
    await page.getByTestId('feed-filter').selectOption('sent');
    await expect(page.getByTestId('feed-row')).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}/live-feed-filtered.png` });
    // Nothing falls due for either of them any more: the next day passes in silence.
    await setClock(baseURL!, '2026-03-10T15:00:00Z');
    await page.goto('/#/command-center');
    await page.waitForTimeout(1500);
    await expect(page.getByTestId('task-row')).toHaveCount(0);
  } finally {
    await smtp.close();
  }
});

/**
 * A mailbox on the test's SMTP server, the sample contacts (plus `extraCsv`, if given), and a
 * one-email campaign (09:30 on day 1, "Intro for {{ first_name }}") launched for every contact.
 */
async function launchForEveryone(page: Page, port: number, name: string, extraCsv?: string): Promise<void> {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox('rep@example.com', 'America/New_York', { host: '127.0.0.1', port, gapSeconds: 0 });
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');
  if (extraCsv) await contacts.importCsv(extraCsv);
  const editor = new CampaignPage(page);
  await editor.create(name);
  const first = await editor.add('email');
  await first.getByTestId('step-time').fill('09:30');
  await first.getByTestId('step-subject').fill('Intro for {{ first_name }}');
  await first.getByTestId('step-body').click();
  await page.keyboard.type('Hello there.');
  await editor.waitSaved();
  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: `Launch ${name}` });
  await dialog.getByTestId('launch-select-all').click();
  await dialog.getByTestId('launch-preview').click();
  await dialog.getByTestId('launch-confirm').click();
  await expect(page.getByTestId('toast').first()).toContainText(`Launched ${name}`);
}

test('Failed: "Select all (5)" ticks every refused email (indeterminate while some are) and Try again sends them all', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  let refuse = true;
  const smtp = await startSmtp({
    reply: () => (refuse ? { code: 550, message: '5.7.1 Relaying denied for now' } : undefined),
  });
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchForEveryone(page, smtp.port, 'Refused five');
    await setClock(baseURL!, DUE);
    await expect.poll(() => smtp.attempts.length, { timeout: 30_000 }).toBe(5);
    await page.goto('/#/command-center');
    await page.getByTestId('folder-failed').click();
    const rows = page.getByTestId('failed-row');
    await expect(rows).toHaveCount(5, { timeout: 15_000 });
    const all = page.getByTestId('select-all');
    await expect(page.getByTestId('bulk-bar')).toContainText('Select all (5)');
    await expect(all).not.toBeChecked();

    // One ticked by hand: the box is neither ticked nor empty.
    await page.getByTestId('failed-pick').first().check();
    await expect(page.getByTestId('bulk-count')).toHaveText('1 selected');
    await expect(all).toHaveJSProperty('indeterminate', true);
    // Select all: every row, then the bulk action covers them all.
    await all.click();
    await expect(all).toBeChecked();
    await expect(all).toHaveJSProperty('indeterminate', false);
    await expect(page.getByTestId('bulk-count')).toHaveText('5 selected');
    for (const box of await page.getByTestId('failed-pick').all()) await expect(box).toBeChecked();
    await page.screenshot({ path: `${SHOTS}/command-center-failed-select-all.png` });

    refuse = false;
    await page.getByTestId('bulk-retry').click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Trying 5 emails again now' })).toBeVisible();
    await expect.poll(() => smtp.received.length, { timeout: 30_000 }).toBe(5);
    expect(new Set(smtp.received.map((mail) => mail.subject))).toEqual(
      new Set(['Intro for Ana', 'Intro for Kenji', 'Intro for Grace', 'Intro for Luis', 'Intro for Priya']),
    );
    await expect(rows).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByTestId('folder-failed')).toContainText('0');
  } finally {
    await smtp.close();
  }
});

test('Needs attention: "Select all (2)" ticks every blocked email and Skip applies to both', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    // Ben and Cara have no first name ("Name" is a custom column; Ana's row merges into the
    // sample's Ana): "Intro for {{ first_name }}" is blocked for each.
    await launchForEveryone(page, smtp.port, 'Some blocked', 'contacts-semicolon-commas.csv');
    await setClock(baseURL!, DUE);
    await expect.poll(() => smtp.received.length, { timeout: 30_000 }).toBe(5);
    await page.goto('/#/command-center');
    await page.getByTestId('folder-attention').click();
    const rows = page.getByTestId('attention-row');
    await expect(rows).toHaveCount(2, { timeout: 15_000 });
    await expect(page.getByTestId('bulk-bar')).toContainText('Select all (2)');
    await page.getByTestId('select-all').click();
    await expect(page.getByTestId('bulk-count')).toHaveText('2 selected');
    for (const box of await page.getByTestId('attention-pick').all()) await expect(box).toBeChecked();
    await page.screenshot({ path: `${SHOTS}/command-center-attention-select-all.png` });
    await page.getByTestId('bulk-skip-send').click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Skipped 2 emails' })).toBeVisible();
    await expect(rows).toHaveCount(0, { timeout: 15_000 });
    await page.waitForTimeout(1000);
    expect(smtp.received).toHaveLength(5);
  } finally {
    await smtp.close();
  }
});

test.describe('on a computer in Tokyo', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });

  test("a New York mailbox's sends show in New York time, zone named, with the person's own time beside", async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(120_000);
    const smtp = await startSmtp();
    try {
      await setClock(baseURL!, '2026-03-09T06:00:00Z');
      await launchForTwo(page, smtp.port, { name: 'Two zones', first: 'email' });
      const both = 'Mon 9 Mar, 09:30 EDT (22:30 GMT+9 here)';
      await page.goto('/#/command-center');
      await page.getByTestId('folder-scheduled').click();
      await expect(page.getByTestId('scheduled-row')).toHaveCount(2, { timeout: 15_000 });
      for (const row of await page.getByTestId('scheduled-row').all()) await expect(row).toContainText(both);
      await page.goto('/#/campaigns');
      await page.getByRole('link', { name: 'Two zones' }).click();
      await expect(page.getByTestId('person-row').filter({ hasText: 'Ana' })).toContainText(both);

      await setClock(baseURL!, DUE);
      await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(2);
      await page.goto('/#/command-center');
      await page.getByTestId('folder-sent').click();
      await expect(page.getByTestId('sent-row')).toHaveCount(2, { timeout: 15_000 });
      for (const row of await page.getByTestId('sent-row').all()) await expect(row).toContainText(both);
      await page.goto('/#/live-feed');
      await expect(page.getByTestId('feed-row').filter({ hasText: 'Sent "Intro for Ana"' })).toContainText(
        'Mon 9 Mar, 09:30 EDT',
      );
    } finally {
      await smtp.close();
    }
  });
});

test('Scheduled → "Send now (early)" asks first, naming who and the planned time: Cancel and Escape send nothing, Send now sends', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchForTwo(page, smtp.port, { name: 'Early', first: 'email' });
    await page.goto('/#/command-center');
    await page.getByTestId('folder-scheduled').click();
    const ana = page.getByTestId('scheduled-row').filter({ hasText: 'Ana' });
    await ana.getByTestId('scheduled-pick').check();
    await page.getByTestId('bulk-send-now').click();
    const dialog = page.getByRole('dialog', { name: 'Send 1 step now, ahead of plan?' });
    await expect(dialog.getByTestId('early-send-list')).toHaveText(
      'Ana Lima: planned for Mon 9 Mar, 09:30 EDT (America/New_York)',
    );
    await page.screenshot({ path: `${SHOTS}/early-send-confirm.png` });
    await dialog.getByTestId('early-send-cancel').click();
    await expect(dialog).toHaveCount(0);
    await page.getByTestId('bulk-send-now').click();
    await expect(dialog).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    // Enter on the question answers Cancel (it has the focus), not Send now.
    await page.getByTestId('bulk-send-now').click();
    await expect(dialog.getByTestId('early-send-cancel')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    // Nothing went: Ana is still scheduled, the server has nothing.
    await page.waitForTimeout(1000);
    expect(smtp.received).toHaveLength(0);
    await expect(ana).toHaveCount(1);

    await page.getByTestId('bulk-send-now').click();
    await dialog.getByTestId('early-send-confirm').click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Sending 1 step now' })).toBeVisible();
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    expect(smtp.received[0]!.subject).toBe('Intro for Ana');
    // It went when confirmed (the host's test clock runs on from 06:00Z), hours before 09:30 EDT.
    expect(smtp.received[0]!.date!.getTime()).toBeLessThan(Date.parse('2026-03-09T06:10:00Z'));
  } finally {
    await smtp.close();
  }
});
