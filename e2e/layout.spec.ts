import { expect, test, type Page } from '@playwright/test';
import { CampaignPage } from './pages/campaign';
import { ContactsPage, fixture } from './pages/contacts';
import { SettingsPage } from './pages/settings';
import { setClock } from './support/host';
import { startSmtp } from './support/smtp';

/** Where the screenshots go: `LAYOUT_SHOTS=/some/dir/prefix-` to keep them elsewhere. */
const SHOTS = process.env.LAYOUT_SHOTS ?? 'e2e/screenshots/layout-';
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
] as const;

/** The little of the DOM the check below reads (the e2e code is compiled without the DOM library). */
interface Box {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface Node {
  tagName: string;
  className: string;
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  parentElement: Node | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  contains(other: Node): boolean;
}
interface Window {
  document: { documentElement: Node; querySelectorAll(selector: string): Iterable<Node> };
  getComputedStyle(node: Node): { visibility: string; overflowX: string };
}

/**
 * Every visible button, select, text field and tab that the person cannot see whole: sticking
 * out of the window or out of a box that hides or scrolls its overflow, or (buttons) whose label
 * is wider than the button; and a page wider than the window. Each is described by its label and
 * where it lies (CSS px).
 */
function clippedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const win = globalThis as unknown as Window;
    const root = win.document.documentElement;
    const width = root.clientWidth;
    const problems: string[] = [];
    if (root.scrollWidth > width + 1) problems.push(`the page is ${root.scrollWidth} px wide in a ${width} px window`);
    // Behind an open modal nothing is for the person to reach: only the topmost one is checked.
    const modal = [...win.document.querySelectorAll('dialog[open]')].pop();
    const controls = win.document.querySelectorAll(
      'button, select, input:not([type="checkbox"]):not([type="radio"]):not([type="file"]), [role="tab"]',
    );
    for (const control of controls) {
      const box = control.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || win.getComputedStyle(control).visibility === 'hidden') continue;
      if (modal && !modal.contains(control)) continue;
      const name = (
        control.getAttribute('aria-label') ||
        control.textContent?.trim().replace(/\s+/g, ' ') ||
        control.getAttribute('data-testid') ||
        control.tagName
      ).slice(0, 50);
      const where = `${Math.round(box.left)}–${Math.round(box.right)} px`;
      if (box.left < -0.5 || box.right > width + 0.5) {
        problems.push(`"${name}" at ${where} sticks out of the ${width} px window`);
        continue;
      }
      if (control.tagName === 'BUTTON' && control.scrollWidth > control.clientWidth + 1) {
        problems.push(`"${name}": its label needs ${control.scrollWidth} px, the button is ${control.clientWidth} px`);
        continue;
      }
      for (let parent = control.parentElement; parent; parent = parent.parentElement) {
        if (win.getComputedStyle(parent).overflowX === 'visible') continue;
        const frame = parent.getBoundingClientRect();
        if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5) {
          problems.push(
            `"${name}" at ${where} is cut off by ${parent.className || parent.tagName} (${Math.round(frame.left)}–${Math.round(frame.right)} px)`,
          );
          break;
        }
      }
    }
    return problems;
  });
}

test('at 1280×800 and 1024×700 no control of a main screen is cut off (screenshots of each)', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const smtp = await startSmtp({
    reply: (mail) =>
      JSON.stringify(mail.to ?? '').includes('grace.oneil@example.com')
        ? { code: 550, message: '5.1.1 <grace.oneil@example.com>: User unknown' }
        : undefined,
  });
  try {
    // A working day's data: sent, failed, blocked (no first name), tasks due, scheduled.
    await setClock(baseURL!, '2026-03-09T06:00:00Z');
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
    await contacts.importCsv('contacts-semicolon-commas.csv');
    const editor = new CampaignPage(page);
    const campaign = async (name: string, launch: boolean) => {
      await editor.create(name);
      const first = await editor.add('email');
      await first.getByTestId('step-time').fill('09:30');
      await first.getByTestId('step-subject').fill('Intro for {{ first_name }}');
      await first.getByTestId('step-body').click();
      await page.keyboard.type('Hello there.');
      const call = await editor.add('call');
      await editor.setDay(call, 2);
      await editor.card(1).getByTestId('step-title').fill('Call {{ first_name }}');
      await editor.waitSaved();
      if (!launch) return;
      await page.getByTestId('launch-open').click();
      const dialog = page.getByRole('dialog', { name: `Launch ${name}` });
      await dialog.getByTestId('launch-select-all').click();
      await dialog.getByTestId('launch-preview').click();
      await dialog.getByTestId('launch-confirm').click();
      await expect(page.getByTestId('toast').first()).toContainText(`Launched ${name}`);
    };
    await campaign('Spring outreach to operations leads', true);
    await setClock(baseURL!, '2026-03-09T13:30:00Z');
    await expect.poll(() => smtp.attempts.length, { timeout: 30_000 }).toBe(5);
    await setClock(baseURL!, '2026-03-10T13:05:00Z');
    await page.goto('/#/command-center');
    await expect(page.getByTestId('task-row').first()).toBeVisible({ timeout: 15_000 });
    await campaign('Summer follow-ups', true);
    await campaign('Autumn check-in', false);
    const editorUrl = page.url();

    const screens: { name: string; open: () => Promise<void>; close?: () => Promise<void> }[] = [
      {
        name: 'campaigns',
        open: async () => {
          await page.goto('/#/campaigns');
          await expect(page.getByRole('link', { name: 'Autumn check-in' })).toBeVisible();
        },
      },
      {
        name: 'campaign-editor',
        open: async () => {
          await page.goto(editorUrl);
          await expect(page.getByTestId('step-card')).toHaveCount(2);
        },
      },
      {
        name: 'launch-dialog',
        open: async () => {
          await page.goto(editorUrl);
          await page.getByTestId('launch-open').click();
          const dialog = page.getByRole('dialog', { name: 'Launch Autumn check-in' });
          await dialog.getByTestId('launch-select-all').click();
          await dialog.getByTestId('launch-preview').click();
          await expect(dialog.getByTestId('launch-summary')).toBeVisible();
        },
        close: () => page.keyboard.press('Escape'),
      },
      ...(['tasks', 'overdue', 'scheduled', 'sent', 'failed', 'attention'] as const).map((folder) => ({
        name: `command-center-${folder}`,
        open: async () => {
          await page.goto('/#/command-center');
          await page.getByTestId(`folder-${folder}`).click();
          await expect(page.getByTestId(`folder-${folder}`)).toHaveAttribute('aria-selected', 'true');
          // With rows ticked the bulk bar shows every action of the folder.
          if ((await page.getByTestId('select-all').count()) > 0) await page.getByTestId('select-all').click();
        },
      })),
      {
        name: 'contacts',
        open: async () => {
          await contacts.goto();
          await expect(contacts.rows.first()).toBeVisible();
        },
      },
      {
        name: 'import-dialog',
        open: async () => {
          await contacts.goto();
          await page.getByTestId('import-open').first().click();
          await contacts.importDialog.getByTestId('import-file').setInputFiles(fixture('contacts-outlook.csv'));
          await expect(contacts.importDialog.getByTestId('import-summary')).toBeVisible();
        },
        close: () => page.keyboard.press('Escape'),
      },
      {
        name: 'live-feed',
        open: async () => {
          await page.goto('/#/live-feed');
          await expect(page.getByTestId('feed-row').first()).toBeVisible();
        },
      },
      {
        name: 'settings',
        open: async () => {
          await settings.goto();
          await expect(page.getByTestId('mailbox-row')).toHaveCount(1);
        },
      },
    ];

    const found: string[] = [];
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      for (const screen of screens) {
        await screen.open();
        await page.screenshot({ path: `${SHOTS}${screen.name}-${viewport.width}x${viewport.height}.png` });
        for (const problem of await clippedControls(page))
          found.push(`${screen.name} at ${viewport.width}×${viewport.height}: ${problem}`);
        await screen.close?.();
      }
    }
    expect(found).toEqual([]);
  } finally {
    await smtp.close();
  }
});
