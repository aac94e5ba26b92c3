import { chromium, expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';

/**
 * A computer whose zone the browser's zone database does not know: Chromium then reports
 * `Etc/Unknown` (here provoked with TZ=Garbage/Zone on the browser process). The app shows
 * times in UTC and says so; it never offers `Etc/Unknown` as a mailbox's zone.
 */
test('an unknown computer zone: Settings says times are in UTC, and a new mailbox asks for a zone', async ({
  baseURL,
}) => {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    env: { ...process.env, TZ: 'Garbage/Zone' },
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('Etc/Unknown');
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseURL}#/settings`);
    await expect(page.getByTestId('computer-zone')).toHaveText(
      'Unknown to this browser ("Etc/Unknown"): times are shown in UTC',
    );
    await page.getByTestId('mailbox-add').click();
    const form = page.getByRole('dialog', { name: 'Add a mailbox' });
    await expect(form.getByTestId('mailbox-zone')).toHaveValue('');
    await expect(form.getByTestId('mailbox-zone-note')).toHaveText(
      'This computer\'s time zone "Etc/Unknown" is unknown; times are shown in UTC. Pick your zone here.',
    );
    await page.screenshot({ path: 'e2e/screenshots/host-guard-zone-unknown.png' });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
