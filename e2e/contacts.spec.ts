import { expect, test } from '@playwright/test';
import { ContactsPage, fixture } from './pages/contacts';

const SHOTS = 'e2e/screenshots';

test('imports the sample CSV: quoted comma, accented name, two-line note and zones land in the right fields', async ({
  page,
}) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await page.screenshot({ path: `${SHOTS}/contacts-empty.png` });
  await contacts.chooseCsv('contacts-sample.csv');
  const dialog = contacts.importDialog;
  // Every column mapped automatically; the summary counts the rows.
  await expect(dialog.getByTestId('map-Email')).toHaveValue('email');
  await expect(dialog.getByTestId('map-Time Zone')).toHaveValue('timeZone');
  await expect(dialog.getByTestId('map-Notes')).toHaveValue('notes');
  await expect(dialog.getByTestId('import-summary')).toHaveText(/5 ready to import/);
  await page.screenshot({ path: `${SHOTS}/contacts-import-mapping.png` });
  await dialog.getByTestId('import-confirm').click();
  await expect(dialog.getByTestId('import-result')).toHaveText(/Imported 5 new contacts/);
  await dialog.getByRole('button', { name: 'Done' }).click();

  await expect(contacts.rows).toHaveCount(5);
  await expect(contacts.row('grace.oneil@example.com')).toContainText('Umbrella, Inc.');
  await expect(contacts.row('luis.perez@example.org')).toContainText('Luis Pérez');
  await expect(contacts.row('kenji.mori@example.net')).toContainText('Asia/Tokyo');
  await page.screenshot({ path: `${SHOTS}/contacts-list.png` });

  const priya = await contacts.open('Priya Nair');
  await expect(priya.locator('textarea[name="notes"]')).toHaveValue('Two-line note:\nsecond line');
  await expect(priya.getByTestId('contact-timeZone')).toHaveValue('Asia/Kolkata');
  await expect(priya.getByTestId('contact-phone')).toHaveValue('+91 22 5550 0104');

  // Everything is still there after a reload (real IndexedDB).
  await page.reload();
  await expect(contacts.rows).toHaveCount(5);
  await expect(contacts.row('ana.lima@example.org')).toContainText('Globex');
});

test('imports Outlook-style headers (BOM, CRLF, "E-mail Address") and semicolon-separated files', async ({ page }) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.chooseCsv('contacts-outlook.csv');
  await expect(contacts.importDialog.getByTestId('map-E-mail Address')).toHaveValue('email');
  await expect(contacts.importDialog.getByTestId('map-E-mail 2 Address')).toHaveValue('custom');
  await expect(contacts.importDialog.getByTestId('map-Job Title')).toHaveValue('title');
  await contacts.importDialog.getByTestId('import-confirm').click();
  await contacts.importDialog.getByRole('button', { name: 'Done' }).click();
  expect(await contacts.importCsv('contacts-semicolon.csv')).toBe('Imported 1 new contact.');

  await expect(contacts.rows).toHaveCount(3);
  await expect(contacts.row('zoe.schaefer@example.de')).toContainText('Zoë Schäfer');
  await expect(contacts.row('zoe.schaefer@example.de')).toContainText('Müller & Söhne GmbH');
  await expect(contacts.row('tom@example.co.uk')).toContainText('Baker, Baker & Co');
  await expect(contacts.row('jonas@example.de')).toContainText('Weber; Partner');
  await expect(contacts.row('jonas@example.de')).toContainText('Europe/Berlin');
  const tom = await contacts.open('Tom Baker');
  await expect(tom.getByText('tom.alt@example.co.uk')).toBeVisible();
});

test('a broken CSV and a binary file are refused with a clear message and nothing is written', async ({ page }) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.chooseCsv('broken.csv');
  await expect(contacts.importDialog.getByTestId('import-error')).toHaveText(
    '"broken.csv" is not a valid CSV file: row 2 opens a quoted field that is never closed.',
  );
  await expect(contacts.importDialog.getByTestId('import-confirm')).toBeDisabled();
  await contacts.importDialog.getByTestId('import-file').setInputFiles(fixture('not-a-csv.png'));
  await expect(contacts.importDialog.getByTestId('import-error')).toHaveText(
    /^"not-a-csv\.png" is not a CSV file: it holds binary data\./,
  );
  await page.screenshot({ path: `${SHOTS}/contacts-import-error.png` });
  await contacts.importDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('No contacts yet')).toBeVisible();
});

test('rows with a bad address or zone are listed with the reason, left out, and can be downloaded', async ({
  page,
}) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.chooseCsv('bad-rows.csv');
  const problems = contacts.importDialog.getByTestId('import-problems');
  await expect(contacts.importDialog.getByTestId('import-summary')).toHaveText(/1 ready to import · 3 problems/);
  await expect(problems).toContainText('bob.example.org');
  await expect(problems).toContainText('"bob.example.org" is not an email address (it has no "@")');
  await expect(problems).toContainText('"EST" is not an IANA time-zone name; did you mean "America/New_York"?');
  await expect(problems).toContainText(
    '"America/New_Yrok" is not an IANA time-zone name; did you mean "America/New_York"?',
  );
  await page.screenshot({ path: `${SHOTS}/contacts-import-problems.png` });
  const [report] = await Promise.all([page.waitForEvent('download'), problems.getByTestId('download-report').click()]);
  expect(report.suggestedFilename()).toBe('bad-rows-problems.csv');
  const text = await (await report.createReadStream()).toArray();
  expect(Buffer.concat(text).toString('utf8')).toContain(
    '3,Email,bob.example.org,"""bob.example.org"" is not an email address (it has no ""@"")"',
  );
  await contacts.importDialog.getByTestId('import-confirm').click();
  await contacts.importDialog.getByRole('button', { name: 'Done' }).click();
  await expect(contacts.rows).toHaveCount(1);
});

test('editing a contact with a bad zone or address shows the error under the field and saves nothing', async ({
  page,
}) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');
  const ana = await contacts.open('Ana Lima');
  await ana.getByTestId('contact-timeZone').fill('GMT-5');
  await ana.getByTestId('contact-email').fill('ana.lima.example.org');
  await ana.getByTestId('contact-save').click();
  await expect(ana.getByTestId('contact-timeZone-error')).toHaveText(
    '"GMT-5" is not an IANA time-zone name; did you mean "Etc/GMT+5"?',
  );
  await expect(ana.getByTestId('contact-email-error')).toHaveText(
    '"ana.lima.example.org" is not an email address (it has no "@")',
  );
  await page.screenshot({ path: `${SHOTS}/contacts-edit-error.png` });
  await ana.getByRole('button', { name: 'Cancel' }).click();
  await page.reload();
  await expect(contacts.row('ana.lima@example.org')).toContainText('Europe/Berlin');
});

test('delete offers undo', async ({ page }) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.importCsv('contacts-sample.csv');
  await contacts.row('kenji.mori@example.net').getByRole('checkbox').check();
  await page.getByTestId('contact-delete').click();
  await expect(contacts.rows).toHaveCount(4);
  await page.getByTestId('toast').getByRole('button', { name: 'Undo' }).click();
  await expect(contacts.rows).toHaveCount(5);
  await expect(contacts.row('kenji.mori@example.net')).toContainText('Initech');
});

test('a 50,000-row file imports in one go', async ({ page }) => {
  test.setTimeout(120_000);
  const contacts = new ContactsPage(page);
  await contacts.goto();
  const lines = ['Email;First Name;Last Name;Company;Time Zone'];
  for (let i = 0; i < 50_000; i++)
    lines.push(`person${i}@example.org;First${i};Last${i};"Company; ${i % 300}";Europe/Berlin`);
  await page.getByTestId('import-open').first().click();
  await contacts.importDialog.getByTestId('import-file').setInputFiles({
    name: 'big.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8'),
  });
  await expect(contacts.importDialog.getByTestId('import-summary')).toHaveText(/50,000 ready to import/, {
    timeout: 30_000,
  });
  await contacts.importDialog.getByTestId('import-confirm').click();
  await expect(contacts.importDialog.getByTestId('import-result')).toHaveText(/Imported 50,000 new contacts/, {
    timeout: 60_000,
  });
  await contacts.importDialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('heading', { level: 1 }).locator('..')).toContainText('50,000 people');
  await page.getByTestId('contact-search').fill('person49999@');
  await expect(contacts.rows).toHaveCount(1);
  await expect(contacts.row('person49999@example.org')).toContainText('Company; 199');
});

test('a semicolon file whose values hold commas (`Email;Name;Street, City, Zip`): the guess and the picked delimiter read it right', async ({
  page,
}) => {
  const contacts = new ContactsPage(page);
  await contacts.goto();
  await contacts.chooseCsv('contacts-semicolon-commas.csv');
  const dialog = contacts.importDialog;
  const picker = dialog.getByTestId('import-delimiter');
  await expect(dialog.getByTestId('import-delimiter-guess')).toHaveText('Guessed from the file: Semicolon ( ; )');
  await expect(picker.locator('option:checked')).toHaveText('Semicolon ( ; ) (guessed)');

  // Read by commas, the file has no Email column and nothing can be imported.
  await picker.selectOption(',');
  await expect(dialog.getByTestId('map-Email;Name;Street')).toBeVisible();
  await expect(dialog.getByTestId('import-error')).toContainText('no column is mapped to Email');
  await expect(dialog.getByTestId('import-confirm')).toBeDisabled();

  // Picking the semicolon again re-reads the file: three columns, the address whole.
  await picker.selectOption(';');
  await expect(dialog.getByTestId('map-Email')).toHaveValue('email');
  await expect(dialog.locator('.mapping tbody tr').nth(2)).toContainText('Street, City, Zip');
  await expect(dialog.locator('.mapping tbody tr').nth(2)).toContainText('Calle Mayor 5, Madrid, 28013');
  await dialog.getByTestId('map-Name').selectOption('firstName');
  await expect(dialog.getByTestId('import-summary')).toHaveText(/3 ready to import/);
  await page.screenshot({ path: `${SHOTS}/contacts-import-delimiter.png` });
  await dialog.getByTestId('import-confirm').click();
  await expect(dialog.getByTestId('import-result')).toHaveText(/Imported 3 new contacts/);
  await dialog.getByRole('button', { name: 'Done' }).click();

  await expect(contacts.rows).toHaveCount(3);
  await expect(contacts.row('ana.lima@example.org')).toContainText('Ana Lima');
  await expect(contacts.row('ben.okafor@example.com')).toContainText('Ben Okafor');
  await expect(contacts.row('cara.diaz@example.net')).toContainText('Cara Díaz');
  const ben = await contacts.open('Ben Okafor');
  await expect(ben.getByText('10 Downing Street, London, SW1A 2AA')).toBeVisible();
});
