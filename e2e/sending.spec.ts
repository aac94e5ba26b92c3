import { expect, test, type Page } from '@playwright/test';
import { plan } from '../core/plan';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { hostCall, setClock } from './support/host';
import { startSmtp } from './support/smtp';

const SHOTS = 'e2e/screenshots';
/** How many step runs the app has recorded as sent (read straight from its IndexedDB). */
const SENT_COUNT = `new Promise((resolve) => {
  const open = indexedDB.open('campaign-desk');
  open.onsuccess = () => {
    const request = open.result.transaction('stepRuns').objectStore('stepRuns').index('state').count('sent');
    request.onsuccess = () => { resolve(request.result); open.result.close(); };
  };
})`;
const LAUNCH = '2026-03-08T23:00:00Z'; // Mon 08:00 in Tokyo, Mon 00:00 in Berlin, Sun 19:00 in New York

test('a launched campaign sends real mail at the SPEC instants, threads the follow-up, and raises the call task', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
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
    const contacts = new ContactsPage(page);
    await contacts.goto();
    await contacts.importCsv('contacts-sample.csv');

    const editor = new CampaignPage(page);
    await editor.create('Q2 outreach');
    await page.getByTestId('campaign-zone-mode').selectOption('recipient');
    const first = await editor.add('email');
    await first.getByTestId('step-time').fill('09:30');
    await first.getByTestId('step-subject').fill('Quick question, {{ first_name }}');
    await first.getByTestId('step-body').click();
    await page.keyboard.type('Is your team planning anything for Q2?');
    const second = await editor.add('email');
    await editor.setDay(second, 2);
    await editor.card(1).getByTestId('step-body').click();
    await page.keyboard.type('Bumping this up.');
    const call = await editor.add('call');
    await editor.setDay(call, 3);
    await editor.card(2).getByTestId('step-title').fill('Call {{ first_name }}');
    await editor.card(2).getByTestId('step-notes').fill('Ask about their Q2 plans.');
    await editor.waitSaved();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Day 3' })).toBeVisible();
    const days = await editor.cards
      .locator('[data-testid="step-day"]')
      .evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
    expect(days).toEqual(['1', '2', '3']);

    await page.getByTestId('launch-open').click();
    const dialog = page.getByRole('dialog', { name: 'Launch Q2 outreach' });
    for (const email of ['ana.lima@example.org', 'kenji.mori@example.net', 'grace.oneil@example.com']) {
      await dialog.getByTestId(`launch-pick-${email}`).check();
    }
    await dialog.getByTestId('launch-preview').click();
    await dialog.getByTestId('launch-confirm').click();
    await expect(page.getByTestId('toast').first()).toContainText('Launched Q2 outreach for 3 people');

    // What core's plan says for the same scenario: every email's instant.
    const expected = plan({
      mailbox: { email: 'rep@example.com', name: 'Rep One', timeZone: 'America/New_York' },
      campaign: {
        timeZoneMode: 'recipient',
        steps: [
          {
            id: 'a',
            day: 1,
            type: 'email',
            subject: 'Quick question, {{ first_name }}',
            body: 'x',
            send: { timing: 'at_time', time: '09:30' },
          },
          { id: 'b', day: 2, type: 'email', body: 'x', send: { followUp: true } },
          { id: 'c', day: 3, type: 'call', title: 'Call' },
        ],
      },
      contacts: [
        { id: 'ana', email: 'ana.lima@example.org', firstName: 'Ana', timeZone: 'Europe/Berlin' },
        { id: 'kenji', email: 'kenji.mori@example.net', firstName: 'Kenji', timeZone: 'Asia/Tokyo' },
        { id: 'grace', email: 'grace.oneil@example.com', firstName: 'Grace', timeZone: 'America/New_York' },
      ],
      launch: { at: LAUNCH, firstSendAt: null },
    });
    const sends = expected.enrollments
      .flatMap((e) =>
        e.steps.slice(0, 2).map((s) => ({ to: e.contactId, step: s.stepId, at: s.dueAt, subject: s.subject! })),
      )
      .sort((x, y) => x.at.localeCompare(y.at));
    // Grace (New York) is past 09:30 at launch: her first email goes at once, marked late in the plan.
    expect(sends[0]).toMatchObject({ to: 'grace', at: '2026-03-08T23:00:00.000Z' });

    for (const [i, send] of sends.entries()) {
      await setClock(baseURL!, send.at);
      await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(i + 1);
      // Time moves on only once the app has recorded the send (as it would in real life, where
      // nine hours do not pass in a millisecond): R8 dates later steps by when this one was done.
      await expect.poll(() => page.evaluate(SENT_COUNT), { timeout: 15_000 }).toBe(i + 1);
      const mail = smtp.received[i]!;
      expect(mail.subject).toBe(send.subject);
      if (i === 0) {
        // Due at the launch instant itself (R5, late): the clock had run on a few seconds by then.
        expect(mail.date!.getTime()).toBeGreaterThanOrEqual(Date.parse(LAUNCH));
        expect(mail.date!.getTime()).toBeLessThan(Date.parse(LAUNCH) + 60_000);
      } else {
        // Sent at its instant, to the second (the Date header the app wrote).
        expect(mail.date!.toISOString().slice(0, 19)).toBe(send.at.slice(0, 19));
      }
    }

    // Threading: each follow-up replies to that person's first message, as it was sent.
    for (const person of ['ana.lima@example.org', 'kenji.mori@example.net', 'grace.oneil@example.com']) {
      const [opener, reply] = smtp.received.filter((m) => m.to && 'text' in m.to && m.to.text.includes(person));
      expect(reply!.subject).toBe(`Re: ${opener!.subject}`);
      expect(reply!.inReplyTo).toBe(opener!.messageId);
      expect(reply!.references).toBe(opener!.messageId);
      expect(reply!.text).toContain('> Is your team planning anything for Q2?');
      expect(reply!.html).toContain('<blockquote');
    }

    // The call task appears at its instant in the Command Center.
    const callAt = expected.enrollments.map((e) => e.steps[2]!.dueAt).sort()[0]!;
    await setClock(baseURL!, callAt);
    await page.getByTestId('nav-command-center').click();
    await expect(page.getByTestId('task-row')).toHaveCount(1, { timeout: 15_000 });
    await expect(page.getByTestId('task-row')).toContainText('Call');
    await expect(page.getByTestId('task-row')).toContainText('Ask about their Q2 plans.');
    await page.screenshot({ path: `${SHOTS}/command-center-task.png` });
    await page.getByTestId('task-complete').click();
    await expect(page.getByTestId('task-row')).toHaveCount(0, { timeout: 15_000 });
    // Exactly one copy of each email reached the server.
    expect(smtp.received).toHaveLength(6);
    await page.getByTestId('folder-sent').click();
    await expect(page.getByTestId('sent-row')).toHaveCount(6, { timeout: 15_000 });
    await page.screenshot({ path: `${SHOTS}/command-center-sent.png` });
    // A sent follow-up opens exactly as it went: its Message-ID, the one it replies to, the quoted text.
    await page.getByTestId('sent-row').filter({ hasText: 'Re: Quick question, Ana' }).click();
    const sentView = page.getByRole('dialog', { name: 'Re: Quick question, Ana' });
    const [anaFirst, anaReply] = smtp.received.filter((m) => JSON.stringify(m.to).includes('ana.lima@example.org'));
    await expect(sentView.getByTestId('sent-headers')).toContainText(anaReply!.messageId!);
    await expect(sentView.getByTestId('sent-headers')).toContainText(`In reply to${anaFirst!.messageId!}`);
    await expect(sentView.getByTestId('sent-body')).toContainText('Is your team planning anything for Q2?');
    await page.screenshot({ path: `${SHOTS}/sent-email.png` });
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-live-feed').click();
    await expect(page.getByTestId('feed-row').first()).toContainText('Completed: Call');
    await page.screenshot({ path: `${SHOTS}/live-feed-sending.png` });
  } finally {
    await smtp.close();
  }
});

/** One mailbox on the test's SMTP server, the sample contacts, and a campaign of two emails launched for Ana (Berlin). */
async function launchTwoEmails(page: Page, port: number): Promise<void> {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox('rep@example.com', 'America/New_York', { host: '127.0.0.1', port, gapSeconds: 0 });
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');
  const editor = new CampaignPage(page);
  await editor.create('Two emails');
  await page.getByTestId('campaign-zone-mode').selectOption('recipient');
  const first = await editor.add('email');
  await first.getByTestId('step-time').fill('09:30');
  await first.getByTestId('step-subject').fill('Hello {{ first_name }}');
  await first.getByTestId('step-body').click();
  await page.keyboard.type('First.');
  await editor.add('email');
  await editor.card(1).getByTestId('step-body').click();
  await page.keyboard.type('Second.');
  await editor.waitSaved();
  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: 'Launch Two emails' });
  await dialog.getByTestId('launch-pick-ana.lima@example.org').check();
  await dialog.getByTestId('launch-preview').click();
  await dialog.getByTestId('launch-confirm').click();
  await expect(page.getByTestId('toast').first()).toContainText('Launched Two emails for 1 person');
}

// Ana (Berlin): day 1 at 09:30 CET = 08:30Z on Mon 9 March; day 3 follow-up at the same time on Wed 11 March.
const ANA_FIRST = '2026-03-09T08:30:00.000Z';

test('R9: offline across the due time sends nothing; back within the grace period it goes once; later it waits in Overdue until "Send now"', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchTwoEmails(page, smtp.port);

    // Offline across the due time: nothing leaves.
    await hostCall(baseURL!, 'test/set-offline', { offline: true });
    await setClock(baseURL!, ANA_FIRST);
    await page.waitForTimeout(1500);
    expect(smtp.received).toHaveLength(0);
    // Back online an hour later (within the two-hour grace): it goes, once.
    await setClock(baseURL!, '2026-03-09T09:30:00Z');
    await hostCall(baseURL!, 'test/set-offline', { offline: false });
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    expect(smtp.received[0]!.subject).toBe('Hello Ana');

    // The follow-up's time comes and goes while the app is "asleep": three hours late, it is not sent.
    await expect.poll(() => page.evaluate(SENT_COUNT), { timeout: 15_000 }).toBe(1);
    await setClock(baseURL!, '2026-03-11T11:30:00Z');
    await page.getByTestId('nav-command-center').click();
    await page.getByTestId('folder-overdue').click();
    await expect(page.getByTestId('overdue-row')).toHaveCount(1, { timeout: 15_000 });
    await expect(page.getByTestId('overdue-row')).toContainText('Ana Lima');
    await page.screenshot({ path: `${SHOTS}/command-center-overdue.png` });
    expect(smtp.received).toHaveLength(1);
    await page.getByTestId('overdue-send').click();
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(2);
    expect(smtp.received[1]!.subject).toBe('Re: Hello Ana');
    await page.waitForTimeout(1000);
    expect(smtp.received).toHaveLength(2);
  } finally {
    await hostCall(baseURL!, 'test/set-offline', { offline: false }).catch(() => undefined);
    await smtp.close();
  }
});

test('a crash between the claim and the server reply: after restart the email is "unknown" in Needs attention, never resent', async ({
  context,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const smtp = await startSmtp({ replyDelayMs: 4000 });
  try {
    let page = await context.newPage();
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
    await launchTwoEmails(page, smtp.port);
    await setClock(baseURL!, ANA_FIRST);
    // The server has the message but has not answered: the app's window dies now.
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    await page.close();
    page = await context.newPage();
    await page.goto('/#/command-center');
    await page.getByTestId('folder-attention').click();
    await expect(page.getByTestId('attention-row')).toHaveCount(1, { timeout: 15_000 });
    await expect(page.getByTestId('attention-row')).toContainText('may or may not have gone');
    await page.screenshot({ path: `${SHOTS}/command-center-unknown.png` });
    // Time moves on: nothing is resent by itself.
    await setClock(baseURL!, '2026-03-09T09:00:00Z');
    await page.waitForTimeout(5000);
    expect(smtp.received).toHaveLength(1);
  } finally {
    await smtp.close();
  }
});
