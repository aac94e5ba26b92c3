import { expect, test, type Page } from '@playwright/test';
import type { ParsedMail } from 'mailparser';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { hostCall, setClock } from './support/host';
import { startSmtp } from './support/smtp';

const SHOTS = process.env.REPLIES_SHOTS ?? 'e2e/screenshots/replies-ui-';
/** How many step runs the app has recorded as sent (read straight from its IndexedDB). */
const SENT_COUNT = `new Promise((resolve) => {
  const open = indexedDB.open('campaign-desk');
  open.onsuccess = () => {
    const request = open.result.transaction('stepRuns').objectStore('stepRuns').index('state').count('sent');
    request.onsuccess = () => { resolve(request.result); open.result.close(); };
  };
})`;
const LAUNCH = '2026-03-09T13:00:00Z'; // Mon 09:00 EDT
const FIRST = '2026-03-09T13:30:00Z'; // day 1, 09:30 EDT
const READ = '2026-03-10T15:00:00Z'; // Tue 11:00 EDT: the answers have come in
const SECOND = '2026-03-11T13:30:00Z'; // day 3 at the first email's time, Wed 09:30 EDT

const PEOPLE = [
  'ana.lima@example.org',
  'kenji.mori@example.net',
  'grace.oneil@example.com',
  'luis.perez@example.org',
  'priya.nair@example.in',
];

/** RFC 5322 text with CRLF line ends. */
const crlf = (lines: string[]) => lines.join('\r\n');

/**
 * What came back to the five first emails, as an INBOX would hold it: Ana answers from her
 * mail client, Kenji's server answers that he is away until 16 March, Grace's address does
 * not exist (an RFC 3464 report naming the email), Luis asks to be taken off the list, and
 * Priya's provider forwards her spam report (RFC 5965).
 */
function inbox(sent: Map<string, ParsedMail>): { uid: number; raw: string }[] {
  const id = (email: string) => sent.get(email)!.messageId!;
  return [
    {
      uid: 1,
      raw: crlf([
        'From: Ana Lima <ana.lima@example.org>',
        'To: Rep One <rep@example.com>',
        'Subject: Re: Quick question, Ana',
        'Date: Tue, 10 Mar 2026 10:12:00 -0400',
        'Message-ID: <CAA.ana.1@mail.example.org>',
        `In-Reply-To: ${id('ana.lima@example.org')}`,
        `References: ${id('ana.lima@example.org')}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hi,',
        '',
        'Thursday at 2pm works for me. Can you send an invite?',
        '',
        'Best,',
        'Ana',
        '',
        'On Mon, Mar 9, 2026 at 9:30 AM Rep One <rep@example.com> wrote:',
        '> Do you have ten minutes this week?',
      ]),
    },
    {
      uid: 2,
      raw: crlf([
        'From: Kenji Mori <kenji.mori@example.net>',
        'To: rep@example.com',
        'Subject: Out of office: Quick question, Kenji',
        'Date: Mon, 9 Mar 2026 09:31:10 -0400',
        'Message-ID: <ooo.kenji.1@example.net>',
        `In-Reply-To: ${id('kenji.mori@example.net')}`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Thank you for your email. I am out of the office and will return on 16 March.',
      ]),
    },
    {
      uid: 3,
      raw: crlf([
        'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
        'To: rep@example.com',
        'Subject: Undelivered Mail Returned to Sender',
        'Date: Mon, 9 Mar 2026 09:30:40 -0400',
        'Message-ID: <bounce.grace.1@mx.example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B0"',
        '',
        '--B0',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'This is the mail system at host mx.example.com. Your message could not be delivered.',
        '',
        '--B0',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.com',
        '',
        'Final-Recipient: rfc822; grace.oneil@example.com',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <grace.oneil@example.com>: Recipient address rejected: User unknown',
        '',
        '--B0',
        'Content-Type: text/rfc822-headers',
        '',
        'From: Rep One <rep@example.com>',
        'To: grace.oneil@example.com',
        'Subject: Quick question, Grace',
        `Message-ID: ${id('grace.oneil@example.com')}`,
        '',
        '--B0--',
      ]),
    },
    {
      uid: 4,
      raw: crlf([
        'From: Luis Pérez <luis.perez@example.org>',
        'To: rep@example.com',
        'Subject: Re: Quick question, Luis',
        'Date: Mon, 9 Mar 2026 12:05:00 -0400',
        'Message-ID: <luis.1@example.org>',
        `In-Reply-To: ${id('luis.perez@example.org')}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Please remove me from your list.',
      ]),
    },
    {
      uid: 5,
      raw: crlf([
        'From: <staff@feedback.example.in>',
        'To: abuse@example.com',
        'Subject: complaint about message from 192.0.2.11',
        'Date: Mon, 9 Mar 2026 18:00:00 +0000',
        'Message-ID: <arf.priya.1@feedback.example.in>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=feedback-report; boundary="B1"',
        '',
        '--B1',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'This is an email abuse report.',
        '',
        '--B1',
        'Content-Type: message/feedback-report',
        '',
        'Feedback-Type: abuse',
        'User-Agent: SomeGenerator/1.0',
        'Version: 1',
        'Original-Mail-From: <rep@example.com>',
        'Original-Rcpt-To: <priya.nair@example.in>',
        '',
        '--B1',
        'Content-Type: message/rfc822',
        '',
        'From: Rep One <rep@example.com>',
        'To: priya.nair@example.in',
        'Subject: Quick question, Priya',
        `Message-ID: ${id('priya.nair@example.in')}`,
        '',
        'Do you have ten minutes this week?',
        '',
        '--B1--',
      ]),
    },
  ];
}

// The salesperson's computer is on UTC: times show in the mailbox's zone with theirs beside.
test.use({ timezoneId: 'UTC' });

async function openFolder(page: Page, folder: string): Promise<void> {
  await page.getByTestId('nav-command-center').click();
  await page.getByTestId(`folder-${folder}`).click();
  await expect(page.getByTestId(`folder-${folder}`)).toHaveAttribute('aria-selected', 'true');
}

test('SPEC §11 screens: a reply shows in Replies with its words, campaign and step; Resume releases the next email at its instant; the conversation, the People badges and the Live Feed say what came back', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const smtp = await startSmtp();
  try {
    await setClock(baseURL!, LAUNCH);
    const settings = new SettingsPage(page);
    await settings.goto();
    // Its inbox is watched (IMAP on by default, same server as SMTP): there is no IMAP server
    // here, so the test host delivers the messages as the watcher would (test/inbox-deliver).
    await settings.addMailbox('rep@example.com', 'America/New_York', {
      host: '127.0.0.1',
      port: smtp.port,
      gapSeconds: 0,
    });
    const contacts = new ContactsPage(page);
    await contacts.goto();
    await contacts.importCsv('contacts-sample.csv');

    // Empty Replies, in words.
    await openFolder(page, 'replies');
    await expect(page.getByTestId('empty-state')).toContainText('No replies yet');
    await expect(page.getByTestId('empty-state')).toContainText(
      'When someone answers a campaign email, their reply shows here with what they wrote, and their campaign stops so nothing more goes to them.',
    );
    await page.screenshot({ path: `${SHOTS}replies-empty.png` });

    const editor = new CampaignPage(page);
    await editor.create('Spring launch');
    const first = await editor.add('email');
    await first.getByTestId('timing-at_time').check();
    await first.getByTestId('step-time').fill('09:30');
    await first.getByTestId('step-subject').fill('Quick question, {{ first_name }}');
    await first.getByTestId('step-body').click();
    await page.keyboard.type('Do you have ten minutes this week?');
    const second = await editor.add('email');
    await editor.setDay(second, 3);
    await editor.card(1).getByTestId('step-body').click();
    await page.keyboard.type('Bumping this up.');
    await editor.waitSaved();
    const campaignUrl = page.url();

    await page.getByTestId('launch-open').click();
    const dialog = page.getByRole('dialog', { name: 'Launch Spring launch' });
    for (const email of PEOPLE) await dialog.getByTestId(`launch-pick-${email}`).check();
    await dialog.getByTestId('launch-preview').click();
    await dialog.getByTestId('launch-confirm').click();
    await expect(page.getByTestId('toast').first()).toContainText('Launched Spring launch for 5 people');

    await setClock(baseURL!, FIRST);
    await expect.poll(() => smtp.received.length, { timeout: 20_000 }).toBe(5);
    await expect.poll(() => page.evaluate(SENT_COUNT), { timeout: 15_000 }).toBe(5);
    const sent = new Map(
      PEOPLE.map((email) => [email, smtp.received.find((m) => JSON.stringify(m.to).includes(email))!]),
    );

    // The answers arrive (one INBOX batch, as the watcher sends it).
    await setClock(baseURL!, READ);
    const mailboxId = await page.evaluate(`new Promise((resolve) => {
      const open = indexedDB.open('campaign-desk');
      open.onsuccess = () => {
        const request = open.result.transaction('mailboxes').objectStore('mailboxes').getAll();
        request.onsuccess = () => { resolve(request.result[0].id); open.result.close(); };
      };
    })`);
    await hostCall(baseURL!, 'test/inbox-deliver', {
      mailboxId,
      uidValidity: 1,
      lastUid: 5,
      messages: inbox(sent),
    });

    // The notification, inside the window (the web host shows no system notification).
    await expect(page.getByTestId('reply-alert-text')).toHaveText(
      'Ana Lima replied to Spring launch: "Hi, Thursday at 2pm works for me. Can you send an invite?"; Spring launch is stopped for them',
      { timeout: 15_000 },
    );
    await expect(page.getByTestId('reply-alert')).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}notification.png` });
    // Open: her conversation; the notice has done its job and goes.
    await page.getByTestId('reply-alert-open').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Conversation with Ana Lima');
    await expect(page.getByTestId('reply-alert')).toHaveCount(0);

    // Replies: who, what they wrote, which campaign and step, when.
    await openFolder(page, 'replies');
    await expect(page.getByTestId('folder-replies')).toContainText('1');
    const row = page.getByTestId('reply-row');
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('reply-who')).toHaveText('Ana Lima');
    await expect(row.getByTestId('reply-text')).toHaveText(
      'Hi,\n\nThursday at 2pm works for me. Can you send an invite?',
    );
    await expect(row.getByTestId('reply-where')).toHaveText(
      '· replied to Spring launch, step 1, “Quick question, Ana” · Tue 10 Mar, 10:12 EDT (14:12 UTC here)',
    );
    await expect(row.getByTestId('reply-standing')).toHaveText('Their campaign stopped: nothing more is sent to them');
    await page.screenshot({ path: `${SHOTS}replies.png` });
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.screenshot({ path: `${SHOTS}replies-1024.png` });
    await page.setViewportSize({ width: 1280, height: 800 });

    // The campaign's People: each person's badge says what came back.
    await page.goto(campaignUrl);
    const people = page.getByTestId('person-row');
    const badges = (name: string) => people.filter({ hasText: name }).getByTestId('contact-badge');
    await expect(badges('Ana')).toHaveText(['Replied']);
    await expect(badges('Kenji')).toHaveText(['Away until 16 Mar']);
    await expect(badges('Grace')).toHaveText(['Bounced']);
    await expect(badges('Luis')).toHaveText(['Unsubscribed']);
    await expect(badges('Priya')).toHaveText(['Spam report']);
    await page.getByTestId('campaign-people').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}people-badges.png` });

    // The Live Feed, in a salesperson's words, one row per kind.
    await page.getByTestId('nav-live-feed').click();
    const feed = (kind: string) => page.locator(`[data-testid="feed-row"][data-kind="${kind}"]`);
    await expect(feed('inbox.replied').getByTestId('feed-kind')).toHaveText('Reply');
    await expect(feed('inbox.replied')).toContainText(
      'Ana Lima replied to Spring launch: "Hi, Thursday at 2pm works for me. Can you send an invite?"; Spring launch is stopped for them',
    );
    await expect(feed('inbox.auto_reply').getByTestId('feed-kind')).toHaveText('Out of office');
    await expect(feed('inbox.auto_reply')).toContainText(
      'Kenji Mori is out of the office until Mon 16 Mar 2026: Spring launch pauses and resumes by itself on Tue 17 Mar 2026',
    );
    await expect(feed('inbox.bounced').getByTestId('feed-kind')).toHaveText('Bounced');
    await expect(feed('inbox.bounced')).toContainText(
      "grace.oneil@example.com bounced: The address does not exist (5.1.1). Grace O'Neil is marked bounced and will not be emailed again; stopped Spring launch",
    );
    await expect(feed('inbox.unsubscribed').getByTestId('feed-kind')).toHaveText('Unsubscribed');
    await expect(feed('inbox.unsubscribed')).toContainText(
      'Luis Pérez unsubscribed: luis.perez@example.org will not be emailed again; stopped Spring launch',
    );
    await expect(feed('inbox.complaint').getByTestId('feed-kind')).toHaveText('Spam report');
    await expect(feed('inbox.complaint')).toContainText(
      'Priya Nair marked your email as spam: priya.nair@example.in will not be emailed again; stopped Spring launch',
    );
    await page.getByTestId('feed-filter').selectOption('inbox');
    await expect(page.getByTestId('feed-row')).toHaveCount(5);
    await page.screenshot({ path: `${SHOTS}live-feed.png` });

    // Resume: Ana is active again and her day-3 email waits in Scheduled at its own instant.
    await openFolder(page, 'replies');
    await page.getByTestId('reply-resume').click();
    await expect(page.getByTestId('toast').last()).toContainText(
      'Resumed Ana Lima: the next step is scheduled for Wed 11 Mar, 09:30 EDT',
    );
    await expect(page.getByTestId('reply-standing')).toHaveText('Still in the campaign: the next step goes as planned');
    await expect(page.getByTestId('reply-resume')).toHaveCount(0);
    await openFolder(page, 'scheduled');
    // Kenji's waits until the day after his return; the other three are stopped.
    await expect(page.getByTestId('scheduled-row')).toHaveCount(2);
    await expect(page.getByTestId('scheduled-row').nth(0)).toContainText('Wed 11 Mar, 09:30 EDT');
    await expect(page.getByTestId('scheduled-row').nth(0)).toContainText('Ana Lima');
    await expect(page.getByTestId('scheduled-row').nth(0)).toContainText('Email: Re: Quick question, Ana');
    await expect(page.getByTestId('scheduled-row').nth(1)).toContainText('Tue 17 Mar, 09:30 EDT');
    await expect(page.getByTestId('scheduled-row').nth(1)).toContainText('Kenji Mori');
    await page.goto(campaignUrl);
    await expect(people.filter({ hasText: 'Ana' })).toContainText('Active');

    // At its instant it goes, and only hers.
    await setClock(baseURL!, SECOND);
    await expect.poll(() => smtp.received.length, { timeout: 20_000 }).toBe(6);
    await expect.poll(() => page.evaluate(SENT_COUNT), { timeout: 15_000 }).toBe(6);
    expect(smtp.received[5]!.subject).toBe('Re: Quick question, Ana');
    expect(smtp.received[5]!.date!.toISOString().slice(0, 19)).toBe(SECOND.slice(0, 19));

    // The conversation, from the person in People: sent, received, sent, in time order.
    await people.filter({ hasText: 'Ana' }).getByTestId('person-conversation').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Conversation with Ana Lima');
    const items = page.getByTestId('conversation-item');
    await expect(items).toHaveCount(3);
    await expect(items.getByTestId('conversation-kind')).toHaveText(['You sent', 'They replied', 'You sent']);
    await expect(items.getByTestId('conversation-subject')).toHaveText([
      'Quick question, Ana',
      'Re: Quick question, Ana',
      'Re: Quick question, Ana',
    ]);
    await expect(items.getByTestId('conversation-when')).toHaveText([
      'Mon 9 Mar, 09:30 EDT (13:30 UTC here)',
      'Tue 10 Mar, 10:12 EDT (14:12 UTC here)',
      'Wed 11 Mar, 09:30 EDT (13:30 UTC here)',
    ]);
    await expect(items.nth(0).getByTestId('conversation-body')).toContainText('Do you have ten minutes this week?');
    await expect(items.nth(1).getByTestId('conversation-text')).toHaveText(
      'Hi,\n\nThursday at 2pm works for me. Can you send an invite?',
    );
    await expect(items.nth(2).getByTestId('conversation-body')).toContainText('Bumping this up.');
    await page.screenshot({ path: `${SHOTS}conversation.png`, fullPage: true });

    // From Contacts, Kenji's: what was sent, and the automatic reply with its return date.
    await contacts.goto();
    await contacts.row('kenji.mori@example.net').getByTestId('contact-conversation').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Conversation with Kenji Mori');
    await expect(page.getByTestId('conversation-item').getByTestId('conversation-kind')).toHaveText([
      'You sent',
      'Automatic reply',
    ]);
    await expect(page.getByTestId('conversation-note')).toHaveText('Out of the office until Mon 16 Mar 2026');
  } finally {
    await smtp.close();
  }
});
