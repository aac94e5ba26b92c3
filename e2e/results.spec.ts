import { expect, test, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { SALESFORCE_COLUMNS, HUBSPOT_COLUMNS } from '../core/activity-export';
import { setClock } from './support/host';
import { seedResultsScript, type ResultsSeed } from './support/results-seed';

const SHOTS = 'e2e/screenshots';
const NOTES = '/work/notes/shots';
const NOW = '2026-03-09T14:00:00Z'; // Monday 10:00 in New York (EDT since 8 March)

async function seed(page: Page, spec: Omit<ResultsSeed, 'now'>): Promise<void> {
  await page.goto('/#/settings');
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.evaluate(seedResultsScript({ ...spec, now: Date.parse(NOW) }));
}

/** Saves a full-page screenshot at both window sizes (and a copy for the notes, when that folder exists). */
async function shots(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1280, 800],
    [1024, 700],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(150); // Chart.js redraws on resize in the next frame
    const path = `${SHOTS}/results-${name}-${width}.png`;
    await page.screenshot({ path, fullPage: true });
    try {
      mkdirSync(NOTES, { recursive: true });
      copyFileSync(path, `${NOTES}/results-${name}-${width}.png`);
    } catch {
      // Outside the workplace there is no notes folder: the test's own copy is enough.
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * How far the page, the funnel's section and its scroll box scroll sideways, in CSS px (a page
 * script in plain JavaScript: the tests' TypeScript has no DOM types).
 */
function sideways(page: Page): Promise<unknown> {
  return page.evaluate(`(() => {
    const table = document.querySelector('[data-testid="funnel"]');
    const box = table.parentElement;
    const section = table.closest('section');
    const doc = document.scrollingElement;
    return {
      page: doc.scrollWidth - doc.clientWidth,
      section: section.scrollWidth - section.clientWidth,
      funnel: box.scrollWidth - box.clientWidth,
    };
  })()`);
}

test.beforeEach(async ({ baseURL }) => {
  await setClock(baseURL!, NOW);
});

test('results: 40 sent and 6 replied read 15 % on the Campaigns list and the funnel; each number opens its people; replies by hour; the next 14 days; CSV for Salesforce and HubSpot', async ({
  page,
}) => {
  await seed(page, { campaignId: 'spring', name: 'Spring launch', shape: 'exact', people: 50, sent: 40, replied: 6 });
  await page.goto('/#/campaigns');
  const row = page.getByTestId('campaign-row').filter({ hasText: 'Spring launch' });
  await expect(row.getByTestId('campaign-people')).toHaveText('50');
  await expect(row.getByTestId('campaign-reply-rate')).toHaveText('15 %');
  await expect(row.getByRole('img')).toHaveAttribute(
    'aria-label',
    // 20 emails on Tuesday 3 March and 20 on Wednesday 4 March, in the last 14 days up to Monday 9 March.
    'Emails sent per day, the last 14 days: 0, 0, 0, 0, 0, 0, 0, 20, 20, 0, 0, 0, 0, 0 (40 in all)',
  );
  await row.getByTestId('campaign-reply-rate').getByRole('link').click();

  await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible();
  await expect(page.getByTestId('results-summary')).toHaveText('50 people · 40 emailed · 6 replied (15 %)');
  const step = page.getByTestId('funnel-row').first();
  await expect(step.getByRole('rowheader')).toHaveText('Step 1 · Day 1 · Email');
  const read = async (key: string) => [
    await step.getByTestId(`funnel-${key}`).innerText(),
    await step.getByTestId(`rate-${key}`).innerText(),
  ];
  expect(await read('reached')).toEqual(['40', '80 %']);
  expect(await read('sent')).toEqual(['40', '100 %']);
  expect(await read('replied')).toEqual(['6', '15 %']);
  expect(await read('bounced')).toEqual(['1', '3 %']);
  expect(await read('ooo')).toEqual(['1', '3 %']);
  expect(await read('unsubscribed')).toEqual(['1', '3 %']);
  await expect(step.getByTestId('funnel-replied')).toHaveAccessibleName(
    'Step 1 · Day 1 · Email: 6 replied, 15 % of sent; show these people',
  );

  await step.getByTestId('funnel-replied').click();
  const behind = page.getByTestId('people-behind');
  await expect(behind.getByRole('heading')).toContainText('Step 1 · Day 1 · Email · Replied: 6 people');
  await expect(behind.getByTestId('person-behind')).toHaveCount(6);
  await expect(behind.getByTestId('person-behind').first()).toContainText('person00000@spring.example.org');
  await step.getByTestId('funnel-bounced').click();
  await expect(behind.getByTestId('person-behind')).toHaveText([/person00006@spring\.example\.org/]);

  // Even people got the email on Tuesday at 10:00 their time, odd ones on Wednesday at 14:00: 3 replies each.
  await expect(page.getByTestId('heat-caption')).toHaveText(
    'Best: Tuesday 10:00 (3 of 20 sent, 15 %); Wednesday 14:00 (3 of 20 sent, 15 %).',
  );
  await expect(page.getByTestId('chart-heat').getByRole('img')).toHaveAttribute(
    'aria-label',
    "Replies by weekday and hour the email went out, in each person's own time: most at Tuesday 10:00 (3 of 20 sent, 15 %); Wednesday 14:00 (3 of 20 sent, 15 %).",
  );
  await expect(page.getByTestId('chart-replies-by-step').getByRole('img')).toHaveAttribute(
    'aria-label',
    'Replies by step: email 1 (Step 1), 40 sent, 6 replied, 15 %.',
  );
  // The 10 people still waiting fall due one a day, from Wednesday 11 March (10:00 New York time).
  const calendar = page.getByTestId('chart-calendar').getByRole('img');
  await expect(calendar).toHaveAttribute(
    'aria-label',
    /^The next 14 days: The mailbox sends at most 30 a day\. Wed 11, 1 email, 0 tasks; Thu 12, 1 email, 0 tasks;/,
  );
  await expect(calendar).toHaveAttribute('aria-label', /Fri 20, 1 email, 0 tasks\.$/);
  // One a day against a limit of 30: the limit is said, not drawn (its line would flatten the bars).
  await expect(page.getByTestId('limit-off-scale')).toHaveText(
    "The mailbox's daily limit (30) is far above these days, so it is not drawn.",
  );
  await shots(page, 'one-step');

  const [salesforce] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-salesforce').click(),
  ]);
  expect(salesforce.suggestedFilename()).toBe('Spring-launch-salesforce-tasks.csv');
  const sf = readFileSync(await salesforce.path(), 'utf8').split('\r\n');
  expect(sf[0]).toBe(SALESFORCE_COLUMNS.join(','));
  expect(sf).toHaveLength(41);
  expect(sf[1]).toBe(
    'Email: Quick question,2026-03-03,Completed,Normal,Email,Email,"Campaign: Spring launch\n\nHello",person00000@spring.example.org',
  );
  const [hubspot] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-hubspot').click()]);
  const hs = readFileSync(await hubspot.path(), 'utf8').split('\r\n');
  expect(hs[0]).toBe(HUBSPOT_COLUMNS.join(','));
  expect(hs[1]).toBe(
    '2026-03-03T15:00:00.000Z,EMAIL,SENT,Quick question,Hello,person00000@spring.example.org,Person,00000',
  );
  expect(hs).toHaveLength(41);
});

test('results: a campaign nobody is in yet says so, and its charts say there is nothing yet', async ({ page }) => {
  await seed(page, { campaignId: 'empty', name: 'Not launched', shape: 'exact', people: 0, sent: 0, replied: 0 });
  await page.goto('/#/campaigns/empty/results');
  await expect(page.getByTestId('results-empty')).toBeVisible();
  await expect(page.getByTestId('results-summary')).toHaveText('0 people · 0 emailed · 0 replied (–)');
  await expect(page.getByTestId('funnel-row').first().getByTestId('rate-sent')).toHaveText('–');
  await expect(page.getByTestId('heat-caption')).toHaveText('No replies yet.');
  await expect(page.getByTestId('replies-by-step-caption')).toHaveText('No emails sent yet.');
  await expect(page.getByTestId('chart-calendar').getByRole('img')).toHaveAttribute(
    'aria-label',
    'The next 14 days: nothing goes out or falls due. The mailbox sends at most 30 a day.',
  );
  await shots(page, 'empty');
});

test('results: twelve steps and 10,000 people fit the window, and a day past the daily limit says so', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await seed(page, { campaignId: 'twelve', name: 'Twelve steps', shape: 'many', people: 300, steps: 12 });
  await page.goto('/#/campaigns/twelve/results');
  await expect(page.getByTestId('funnel-row')).toHaveCount(12);
  await expect(page.getByTestId('funnel-row').nth(2).getByRole('rowheader')).toHaveText('Step 3 · Day 5 · Call');
  await shots(page, 'twelve-steps');

  await seed(page, {
    campaignId: 'big',
    name: 'Ten thousand',
    shape: 'many',
    people: 10_000,
    steps: 8,
    dailyLimit: 250,
  });
  page.on('console', (m) => console.log('page:', m.text()));
  await page.goto('/#/campaigns/big/results');
  // The seed wrote around the app's database, so this first open counts the 80,000 rows once.
  await expect(page.getByTestId('results-summary')).toContainText('10,000 people', { timeout: 60_000 });
  await expect(page.getByTestId('over-limit')).toContainText('Over the limit on');
  await expect(page.getByTestId('limit-off-scale')).toHaveCount(0);
  // Five-digit counts still fit the funnel in a 1024 px window (once the charts have redrawn for it).
  await page.setViewportSize({ width: 1024, height: 700 });
  await expect.poll(() => sideways(page)).toEqual({ page: 0, section: 0, funnel: 0 });
  await page.setViewportSize({ width: 1280, height: 800 });
  await shots(page, 'ten-thousand');
  await page.goto('/#/campaigns');
  await expect(
    page.getByTestId('campaign-row').filter({ hasText: 'Ten thousand' }).getByTestId('campaign-people'),
  ).toHaveText('10,000');
  await shots(page, 'campaigns-list');
});

/** The tick labels Chart.js drew on one axis of a chart (ResultsChart writes them on its figure). */
async function ticks(page: Page, testid: string, axis: 'x' | 'y'): Promise<string[]> {
  const figure = page.getByTestId(testid);
  await expect(figure).toHaveAttribute(`data-ticks-${axis}`, /./);
  return ((await figure.getAttribute(`data-ticks-${axis}`)) ?? '').split('|');
}

test('results: the reply heat map names its weekdays Mon to Sun and its hours in whole 24-hour hours, and says its numbers in words', async ({
  page,
}) => {
  await seed(page, { campaignId: 'spring', name: 'Spring launch', shape: 'exact', people: 50, sent: 40, replied: 6 });
  await page.goto('/#/campaigns/spring/results');
  await expect(page.getByTestId('results-summary')).toHaveText('50 people · 40 emailed · 6 replied (15 %)');
  const caption = 'Tuesday 10:00 (3 of 20 sent, 15 %); Wednesday 14:00 (3 of 20 sent, 15 %).';
  await expect(page.getByTestId('heat-help')).toHaveText(
    "Each square is a weekday and hour an email went out, in each person's own time; the darker, the more replies (a grey square: emails went out then, no reply yet).",
  );
  await expect(page.getByTestId('heat-caption')).toContainText(caption);
  await expect(page.getByTestId('chart-heat').getByRole('img')).toHaveAttribute(
    'aria-label',
    new RegExp(caption.replace(/[().]/g, '\\$&') + '$'),
  );
  // Every third whole hour, 24-hour, from midnight at 1280; every sixth in the narrower chart at
  // 1024, so no two labels touch. Never the half hours the cells' edges fall on.
  for (const [width, height, hours] of [
    [1280, 800, ['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00']],
    [1024, 700, ['00:00', '06:00', '12:00', '18:00']],
  ] as const) {
    await page.setViewportSize({ width, height });
    await expect.poll(() => ticks(page, 'chart-heat', 'y')).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    await expect.poll(() => ticks(page, 'chart-heat', 'x')).toEqual(hours);
  }
});

test('results: at 1024 × 700 the funnel of twelve steps fits without scrolling sideways', async ({ page }) => {
  await seed(page, { campaignId: 'twelve', name: 'Twelve steps', shape: 'many', people: 300, steps: 12 });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto('/#/campaigns/twelve/results');
  await expect(page.getByTestId('funnel-row')).toHaveCount(12);
  await expect(page.getByTestId('funnel-row').last().getByRole('rowheader')).toContainText('Step 12');
  await expect.poll(() => sideways(page)).toEqual({ page: 0, section: 0, funnel: 0 });
  // Every column's heading is in view: the last one, Overdue, ends inside the section.
  const section = await page.getByTestId('funnel').locator('xpath=ancestor::section').boundingBox();
  const last = await page.getByRole('columnheader', { name: 'Overdue' }).boundingBox();
  expect(last!.x + last!.width).toBeLessThanOrEqual(section!.x + section!.width);
});
