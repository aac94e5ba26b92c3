import { expect, test } from '@playwright/test';
import { DateTime } from 'luxon';
import { plan } from '../core/plan';
import { CampaignPage } from './pages/campaign';
import { ContactsPage } from './pages/contacts';
import { SettingsPage } from './pages/settings';

const SHOTS = 'e2e/screenshots';

test('builds a four-step campaign with every send option; the editor offers exactly SPEC §3’s choices at each position', async ({
  page,
}) => {
  await new SettingsPage(page).goto();
  await new SettingsPage(page).addMailbox();
  const editor = new CampaignPage(page);
  await editor.create('Q2 outreach');

  // Step 1: the first email offers choose-at-launch, a fixed time or a task, and no threading.
  const first = await editor.add('email');
  expect(await editor.offered(first)).toEqual({ timings: ['choose_at_launch', 'at_time', 'task'], followUp: false });
  await first.getByTestId('timing-choose_at_launch').check();
  await first.getByTestId('step-subject').fill('Quick question, {{ first_name }}');
  await first.getByTestId('step-body').click();
  await page.keyboard.type('Hi ');
  await first.getByTestId('merge-field').selectOption('first_name');
  await page.keyboard.type(', is your team planning anything for Q2?');

  // Step 2: a later email after an email offers same-as-previous, a fixed time, a task, and threading (on by default).
  const second = await editor.add('email');
  expect(await editor.offered(second)).toEqual({ timings: ['same_as_previous', 'at_time', 'task'], followUp: true });
  await expect(second.getByTestId('follow-up')).toBeChecked();
  await expect(second.getByTestId('timing-same_as_previous')).toBeChecked();
  await expect(second.getByText('Re: Quick question, {{ first_name }}')).toBeVisible();
  await second.getByTestId('step-body').click();
  await page.keyboard.type('Bumping this up.');

  // Step 3: a fixed time, unthreaded, with its own subject.
  const third = await editor.add('email');
  await third.getByTestId('follow-up').uncheck();
  await third.getByTestId('timing-at_time').check();
  await third.getByTestId('step-time').fill('14:15');
  await third.getByTestId('step-subject').fill('An idea for {{ company | default: "your team" }}');
  await third.getByTestId('step-body').click();
  await page.keyboard.type('Here is the idea.');

  // Step 4: an email task.
  const fourth = await editor.add('email');
  await fourth.getByTestId('follow-up').uncheck();
  await fourth.getByTestId('timing-task').check();
  await fourth.getByTestId('step-subject').fill('Last note');
  await fourth.getByTestId('step-body').click();
  await page.keyboard.type('Closing the loop.');
  await editor.waitSaved();
  await expect(editor.cards).toHaveCount(4);
  await expect(page.getByRole('heading', { name: 'Day 1' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Day 7' })).toBeVisible();
  await expect(page.getByTestId('launch-open')).toBeEnabled();
  await page.screenshot({ path: `${SHOTS}/campaign-editor.png`, fullPage: true });

  // A call in between: the email after it offers no threading.
  await editor.add('call');
  const after = await editor.add('email');
  expect(await editor.offered(after)).toEqual({ timings: ['same_as_previous', 'at_time', 'task'], followUp: false });
  await editor.waitSaved();

  // Reload: everything is still there, in order.
  await page.reload();
  await expect(editor.cards).toHaveCount(6);
  await expect(editor.card(0)).toContainText('Quick question, {{ first_name }} · time chosen at launch');
  await expect(editor.card(1)).toContainText('Reply in thread · same time as the previous email');
  await expect(editor.card(2)).toContainText('An idea for {{ company | default: "your team" }} · at 14:15');
  await expect(editor.card(3)).toContainText('Last note · as a task for you');
});

test('invalid states show inline with the rule and block launch, not editing; delete has undo', async ({ page }) => {
  await new SettingsPage(page).goto();
  await new SettingsPage(page).addMailbox();
  const editor = new CampaignPage(page);
  await editor.create('Rules');
  await editor.add('call');
  const email = await editor.add('email');
  await editor.setDay(email, 3);
  // same_as_previous on day 3 with no email on an earlier day
  await email
    .getByRole('button', { name: /Email/ })
    .first()
    .click()
    .catch(() => undefined);
  await editor.card(1).locator('.step-toggle').click();
  await editor.card(1).getByTestId('timing-same_as_previous').check();
  await expect(editor.card(1).getByTestId('send-problem')).toHaveText(
    '"same_as_previous" needs an email on a day before day 3, and there is none; pick "at_time" or add an earlier email',
  );
  await editor.card(1).getByTestId('step-body').click();
  await page.keyboard.type('Hello there.');
  await editor.card(1).getByTestId('step-subject').fill('Hi {{ contact.firstname }}');
  await expect(
    editor.card(1).getByText('unknown merge field "contact.firstname"; did you mean "first_name"?'),
  ).toBeVisible();
  await expect(page.getByTestId('launch-open')).toBeDisabled();
  await expect(page.getByTestId('launch-blocker')).toHaveText('Fix 2 problems before launch');
  await page.screenshot({ path: `${SHOTS}/campaign-editor-problems.png`, fullPage: true });

  await editor.card(1).getByTestId('timing-at_time').check();
  await editor.card(1).getByTestId('step-subject').fill('Hi {{ first_name }}');
  await editor.waitSaved();
  await expect(page.getByTestId('launch-open')).toBeEnabled();

  await editor.card(0).getByTestId('step-delete').click();
  await expect(editor.cards).toHaveCount(1);
  await page.getByTestId('toast').getByRole('button', { name: 'Undo' }).click();
  await expect(editor.cards).toHaveCount(2);
  await expect(editor.card(0)).toContainText('Call');
});

test('a step day of 0, -1, 1.5 or 999999 is refused under the field, the saved day stays, and the step’s other problems stay in view (issue 10 item 8)', async ({
  page,
}) => {
  await new SettingsPage(page).goto();
  await new SettingsPage(page).addMailbox();
  const editor = new CampaignPage(page);
  await editor.create('Days');
  await editor.add('call');
  const email = await editor.add('email');
  await editor.setDay(email, 3);
  await editor.card(1).getByTestId('step-body').click();
  await page.keyboard.type('Hello there.');
  await editor.card(1).getByTestId('step-subject').fill('Hi {{ contact.firstname }}');
  const unknown = editor.card(1).getByText('unknown merge field "contact.firstname"; did you mean "first_name"?');
  await expect(unknown).toBeVisible();
  await editor.waitSaved();
  await expect(page.getByTestId('launch-blocker')).toHaveText('Fix 1 problem before launch');
  const refusals: [string, string][] = [
    ['0', 'day 0 is before the campaign starts; the first day is day 1'],
    ['-1', 'day -1 is before the campaign starts; the first day is day 1'],
    ['1.5', 'day 1.5 is not a whole day; use a whole number from 1 to 3650'],
    ['999999', 'day 999999 is past the longest campaign (3650 days)'],
  ];
  for (const [typed, message] of refusals) {
    await editor.card(1).getByTestId('step-day').fill(typed);
    await editor.card(1).getByTestId('step-day').press('Tab');
    await expect(editor.card(1).getByTestId('day-error')).toHaveText(message);
    await expect(editor.card(1).getByTestId('step-day')).toHaveValue(typed);
    await expect(editor.card(1).getByTestId('step-day')).toHaveAttribute('aria-invalid', 'true');
    // The refused day is not saved, and the subject's problem is still shown and counted.
    await expect(unknown).toBeVisible();
    await expect(page.getByTestId('launch-blocker')).toHaveText('Fix 1 problem before launch');
  }
  await page.screenshot({ path: `${SHOTS}/campaign-editor-day-refused.png` });
  await page.reload();
  await expect(editor.card(1).getByTestId('step-day')).toHaveValue('3');
  await expect(editor.card(1).getByTestId('day-error')).toHaveCount(0);

  // Escape puts the saved day back; a good day clears the message and is saved.
  await editor.card(1).getByTestId('step-day').fill('0');
  await editor.card(1).getByTestId('step-day').press('Tab');
  await expect(editor.card(1).getByTestId('day-error')).toBeVisible();
  await editor.card(1).getByTestId('step-day').press('Escape');
  await expect(editor.card(1).getByTestId('step-day')).toHaveValue('3');
  await expect(editor.card(1).getByTestId('day-error')).toHaveCount(0);
  await editor.setDay(editor.card(1), 4);
  await editor.waitSaved();
  await page.reload();
  await expect(editor.card(1).getByTestId('step-day')).toHaveValue('4');
});

test('launch: the preview shows the instants the plan command gives, and launching is all or nothing', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  await new ContactsPage(page).goto();
  await new ContactsPage(page).importCsv('contacts-sample.csv');

  const editor = new CampaignPage(page);
  await editor.create('Spring launch');
  await page.getByTestId('campaign-zone-mode').selectOption('recipient');
  const first = await editor.add('email');
  await first.getByTestId('timing-choose_at_launch').check();
  await first.getByTestId('step-subject').fill('Quick question, {{ first_name }}');
  await first.getByTestId('step-body').click();
  await page.keyboard.type('Hello');
  const second = await editor.add('email');
  await second.getByTestId('step-body').click();
  await page.keyboard.type('Bumping this up.');
  await editor.add('call');
  const fourth = await editor.add('email');
  await fourth.getByTestId('timing-at_time').check();
  await fourth.getByTestId('step-time').fill('08:15');
  await fourth.getByTestId('step-subject').fill('Closing the loop');
  await fourth.getByTestId('step-body').click();
  await page.keyboard.type('Closing the loop.');
  await editor.waitSaved();

  await page.getByTestId('launch-open').click();
  const dialog = page.getByRole('dialog', { name: 'Launch Spring launch' });
  await dialog.getByTestId('launch-select-all').click();
  await expect(dialog.getByTestId('launch-chosen')).toHaveText('5 chosen');
  // A send time in the past is refused with the reason.
  await dialog.getByTestId('launch-send-at').fill('2020-01-06T10:00');
  await dialog.getByTestId('launch-preview').click();
  await expect(dialog.getByTestId('launch-error')).toContainText('is before the launch instant');
  // The real one: Friday 2030-03-08 10:10 in the mailbox zone (America/New_York).
  await dialog.getByTestId('launch-send-at').fill('2030-03-08T10:10');
  await dialog.getByTestId('launch-preview').click();
  await expect(dialog.getByTestId('launch-summary')).toContainText('5 ready');
  await page.screenshot({ path: `${SHOTS}/launch-preview.png`, fullPage: true });

  // The same scenario through the plan command's logic.
  const steps = [
    {
      id: 'a',
      day: 1,
      type: 'email',
      subject: 'Quick question, {{ first_name }}',
      body: '<p>Hello</p>',
      send: { timing: 'choose_at_launch' },
    },
    {
      id: 'b',
      day: 3,
      type: 'email',
      body: '<p>Bumping this up.</p>',
      send: { timing: 'same_as_previous', followUp: true },
    },
    { id: 'c', day: 5, type: 'call', title: '' },
    {
      id: 'd',
      day: 7,
      type: 'email',
      subject: 'Closing the loop',
      body: '<p>Closing the loop.</p>',
      send: { timing: 'at_time', time: '08:15' },
    },
  ];
  const people = [
    { id: 'ana', email: 'ana.lima@example.org', firstName: 'Ana', timeZone: 'Europe/Berlin' },
    { id: 'kenji', email: 'kenji.mori@example.net', firstName: 'Kenji', timeZone: 'Asia/Tokyo' },
    { id: 'priya', email: 'priya.nair@example.in', firstName: 'Priya', timeZone: 'Asia/Kolkata' },
  ];
  const expected = plan({
    mailbox: { email: 'rep@example.com', name: 'Rep One', timeZone: 'America/New_York' },
    campaign: { timeZoneMode: 'recipient', steps },
    contacts: people,
    launch: { at: DateTime.now().toUTC().toISO(), firstSendAt: '2030-03-08T15:10:00Z' },
  });
  for (const [i, person] of people.entries()) {
    const enrollment = expected.enrollments[i]!;
    for (const [s, step] of enrollment.steps.entries()) {
      const shown = DateTime.fromISO(step.dueAt, { zone: enrollment.zone }).toFormat('ccc d LLL, HH:mm ZZZZ');
      await expect(dialog.getByTestId(`preview-${person.email}-${s}`).getByTestId('their-time')).toHaveText(shown);
    }
  }
  // Spot-check one by hand: Ana (Berlin) gets the day-3 follow-up on Sun 10 Mar at 16:10 CET.
  await expect(dialog.getByTestId('preview-ana.lima@example.org-1').getByTestId('their-time')).toHaveText(
    'Sun 10 Mar, 16:10 GMT+1',
  );

  await dialog.getByTestId('launch-confirm').click();
  await expect(page.getByTestId('toast').first()).toContainText('Launched Spring launch for 5 people');
  await page.goto('/#/campaigns');
  await expect(page.getByTestId('campaign-row').filter({ hasText: 'Spring launch' })).toContainText('Active');
  await expect(
    page.getByTestId('campaign-row').filter({ hasText: 'Spring launch' }).getByTestId('campaign-active'),
  ).toHaveText('5 active');
  await page.screenshot({ path: `${SHOTS}/campaigns-list.png` });
  // A row's actions are behind one button, so the list fits a 1024 px window.
  await page.getByLabel('Actions for Spring launch').click();
  await expect(page.getByRole('button', { name: 'Duplicate' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/campaigns-list-actions.png` });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Duplicate' })).toBeHidden();
  await page.reload();
  await expect(
    page.getByTestId('campaign-row').filter({ hasText: 'Spring launch' }).getByTestId('campaign-active'),
  ).toHaveText('5 active');
});

test('two windows editing one campaign: the later save is refused and the person chooses, nothing is lost silently', async ({
  context,
}) => {
  const first = await context.newPage();
  await new SettingsPage(first).goto();
  await new SettingsPage(first).addMailbox();
  const a = new CampaignPage(first);
  await a.create('Shared');
  const step = await a.add('email');
  await step.getByTestId('step-subject').fill('Hello');
  await a.waitSaved();
  const second = await context.newPage();
  await second.goto(first.url());
  const b = new CampaignPage(second);
  // The first step opens by itself. B types; before its save lands (400 ms later), another window stores a newer version.
  await b.card(0).getByTestId('step-subject').fill('Hello from B');
  await first.evaluate(`new Promise((resolve) => {
    const open = indexedDB.open('campaign-desk');
    open.onsuccess = () => {
      const store = open.result.transaction('campaigns', 'readwrite').objectStore('campaigns');
      const all = store.getAll();
      all.onsuccess = () => {
        const campaign = all.result[0];
        campaign.steps[0].subject = 'Hello from A';
        campaign.version += 1;
        store.put(campaign).onsuccess = () => { open.result.close(); resolve(); };
      };
    };
  })`);
  await expect(second.getByTestId('save-error')).toContainText('changed in another window');
  await second.screenshot({ path: `${SHOTS}/campaign-editor-conflict.png` });
  // Nothing was lost: B still holds what it typed; keeping it saves it over the newer copy.
  await expect(b.card(0).getByTestId('step-subject')).toHaveValue('Hello from B');
  await second.getByTestId('keep-mine').click();
  await b.waitSaved();
  await first.reload();
  await expect(a.card(0)).toContainText('Hello from B');
});

/** The first campaign's step send times and task time, as IndexedDB holds them. */
const STORED_TIMES = `new Promise((resolve) => {
  const open = indexedDB.open('campaign-desk');
  open.onsuccess = () => {
    const request = open.result.transaction('campaigns').objectStore('campaigns').getAll();
    request.onsuccess = () => {
      const [c] = request.result;
      resolve({ step: c.steps[0].send.time, task: c.taskTime });
      open.result.close();
    };
  };
})`;

test('times are typed 24-hour: a typo is named under the field and never saved, Escape puts the saved time back, Enter then typing again works, and a pasted "5:30 PM" is refused', async ({
  page,
}) => {
  const settings = new SettingsPage(page);
  await settings.goto();
  await settings.addMailbox();
  const editor = new CampaignPage(page);
  await editor.create('Times');
  const first = await editor.add('email');
  const time = first.getByTestId('step-time');
  await time.fill('1130');
  await expect(time).toHaveValue('11:30');
  await first.getByTestId('step-subject').fill('Hello');
  await editor.waitSaved();
  expect(await page.evaluate(STORED_TIMES)).toEqual({ step: '11:30', task: '09:00' });

  await time.fill('9:3');
  await time.press('Tab');
  await expect(first.getByTestId('time-problem')).toHaveText(
    '"9:3" is not a time of day; type it 24-hour, e.g. 09:30 or 17:45',
  );
  await expect(time).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: '/work/notes/shots/time-field-typo.png' });
  expect(await page.evaluate(STORED_TIMES)).toEqual({ step: '11:30', task: '09:00' });
  await time.focus();
  await time.press('Escape');
  await expect(time).toHaveValue('11:30');
  await expect(first.getByTestId('time-problem')).toHaveCount(0);

  // Enter keeps the field in hand: typing again over it is read as typed.
  await time.fill('10:00');
  await time.press('Enter');
  await time.press('Control+A');
  await page.keyboard.type('1745');
  await expect(time).toHaveValue('17:45');
  await time.press('Control+A');
  await page.keyboard.insertText('5:30 PM');
  await time.press('Tab');
  await expect(first.getByTestId('time-problem')).toHaveText(
    '"5:30 PM" is not a time of day; type it 24-hour, e.g. 09:30 or 17:45',
  );
  await editor.waitSaved();
  expect(await page.evaluate(STORED_TIMES)).toEqual({ step: '17:45', task: '09:00' });

  // The task time: cleared, it says so and keeps 09:00.
  const task = page.getByTestId('campaign-task-time');
  await task.fill('');
  await task.press('Tab');
  await expect(page.getByTestId('time-problem').first()).toHaveText('Type a time, e.g. 09:30');
  expect(await page.evaluate(STORED_TIMES)).toEqual({ step: '17:45', task: '09:00' });
});

test('two windows both typing into one campaign: the stale window is told, in words, and can take the other version', async ({
  context,
}) => {
  const first = await context.newPage();
  await new SettingsPage(first).goto();
  await new SettingsPage(first).addMailbox();
  const a = new CampaignPage(first);
  await a.create('Shared');
  await (await a.add('email')).getByTestId('step-subject').fill('Hello');
  await a.waitSaved();
  const second = await context.newPage();
  await second.goto(first.url());
  const b = new CampaignPage(second);
  // B's save is refused (a NUL character), so B holds its draft and takes no newer copy while A saves.
  await b.card(0).getByTestId('step-subject').fill('Hello from B\u0000');
  await expect(second.getByTestId('save-error')).toContainText('Not saved: steps[0].subject');
  await a.card(0).getByTestId('step-subject').fill('Hello from A');
  await a.waitSaved();
  // B corrects its text: that save is made on the copy A replaced, through the same repository: a conflict.
  await b.card(0).getByTestId('step-subject').fill('Hello from B');
  await expect(second.getByTestId('save-error')).toHaveText(
    /^\s*This campaign was changed in another window while you were editing it here\.\s*Keep my version\s*Use the other version\s*$/,
  );
  await expect(second.getByTestId('save-state')).toContainText('Not saved');
  await expect(b.card(0).getByTestId('step-subject')).toHaveValue('Hello from B');
  await second.getByTestId('take-theirs').click();
  await expect(second.getByTestId('save-error')).toHaveCount(0);
  await expect(b.card(0).getByTestId('step-subject')).toHaveValue('Hello from A');
  await b.waitSaved();
  await second.reload();
  await expect(b.card(0).getByTestId('step-subject')).toHaveValue('Hello from A');
});
