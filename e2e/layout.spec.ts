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
  top: number;
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
  children: Iterable<Node>;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  contains(other: Node): boolean;
}
interface Window {
  document: { documentElement: Node; body: Node; querySelectorAll(selector: string): Iterable<Node> };
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

/**
 * Every visible element (not only controls) whose right edge lies past the window's, unless a
 * box that clips or scrolls its overflow, itself inside the window, holds it (a table that
 * scrolls sideways); only the outermost such element is named, with its text and where it ends.
 */
function offRightEdge(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const win = globalThis as unknown as Window;
    const width = win.document.documentElement.clientWidth;
    const problems: string[] = [];
    const visit = (node: Node): void => {
      const box = node.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && box.right > width + 0.5) {
        let held = false;
        for (let parent = node.parentElement; parent && !held; parent = parent.parentElement)
          held =
            win.getComputedStyle(parent).overflowX !== 'visible' && parent.getBoundingClientRect().right <= width + 0.5;
        if (!held) {
          const text = (node.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50);
          problems.push(
            `${node.tagName.toLowerCase()} "${text}" ends at ${Math.round(box.right)} px, past the ${width} px window`,
          );
          return;
        }
      }
      for (const child of node.children) visit(child);
    };
    visit(win.document.body);
    return problems;
  });
}

/**
 * The children of `selector` (the folder tabs, the Live Feed's filters) that are not on the
 * first one's row, or not whole inside the window; empty when `selector` is not on the screen.
 */
function offTheRow(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const win = globalThis as unknown as Window;
    const width = win.document.documentElement.clientWidth;
    const problems: string[] = [];
    for (const row of win.document.querySelectorAll(selector)) {
      const items = [...row.children].filter((item) => item.getBoundingClientRect().width > 0);
      // On one row: each item's height overlaps the first's (a link is shorter than a select).
      const first = items[0]?.getBoundingClientRect();
      for (const item of items) {
        const box = item.getBoundingClientRect();
        const name = (item.getAttribute('aria-label') || item.textContent || '').trim().replace(/\s+/g, ' ');
        if (first && (box.top >= first.top + first.height - 1 || box.top + box.height <= first.top + 1))
          problems.push(`"${name}" of ${selector} is on another row`);
        if (box.left < -0.5 || box.right > width + 0.5)
          problems.push(
            `"${name}" of ${selector} at ${Math.round(box.left)}–${Math.round(box.right)} px is not inside the ${width} px window`,
          );
      }
    }
    return problems;
  }, selector);
}

test('at 1280×800 and 1024×700 no control of a main screen is cut off, nothing is past the right edge, the folder tabs and feed filters keep one row (screenshots of each)', async ({
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
      ...(['tasks', 'overdue', 'scheduled', 'sent', 'failed', 'attention', 'replies'] as const).map((folder) => ({
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
        // Filtered by the longest campaign name and a kind: "Show all" joins the row.
        name: 'live-feed-filtered',
        open: async () => {
          await page.goto('/#/live-feed');
          await page.getByTestId('feed-filter').selectOption({ label: 'Replies, bounces, unsubscribes' });
          await page.getByTestId('feed-campaign').selectOption({ label: 'Spring outreach to operations leads' });
          await expect(page.getByTestId('feed-clear')).toBeVisible();
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
        const problems = [
          ...(await clippedControls(page)),
          ...(await offRightEdge(page)),
          // The folder tabs and the Live Feed's filters each on one row (they used to wrap at 1024 px).
          ...(await offTheRow(page, '[role="tablist"][aria-label="Folders"]')),
          ...(await offTheRow(page, '.feed-filters')),
        ];
        for (const problem of problems)
          found.push(`${screen.name} at ${viewport.width}×${viewport.height}: ${problem}`);
        await screen.close?.();
      }
    }
    expect(found).toEqual([]);
  } finally {
    await smtp.close();
  }
});
