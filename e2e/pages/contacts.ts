import { expect, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';

export const fixture = (name: string): string => join(import.meta.dirname, '..', 'fixtures', name);

/** The Contacts screen: the table, the contact form and the CSV import dialog. */
export class ContactsPage {
  readonly rows: Locator;
  readonly importDialog: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('contact-row');
    this.importDialog = page.getByRole('dialog', { name: 'Import contacts from CSV' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/#/contacts');
    await expect(this.page.getByRole('heading', { level: 1 })).toHaveText('Contacts');
  }

  /** Opens the import dialog and chooses `file` (a name under e2e/fixtures). */
  async chooseCsv(file: string): Promise<void> {
    await this.page.getByTestId('import-open').first().click();
    await this.importDialog.getByTestId('import-file').setInputFiles(fixture(file));
  }

  /** Imports `file` with the guessed mapping; returns the result line. */
  async importCsv(file: string): Promise<string> {
    await this.chooseCsv(file);
    await this.importDialog.getByTestId('import-confirm').click();
    const result = (await this.importDialog.getByTestId('import-result').textContent()) ?? '';
    await this.importDialog.getByRole('button', { name: 'Done' }).click();
    return result.replace(/\s+/g, ' ').trim();
  }

  row(text: string): Locator {
    return this.rows.filter({ hasText: text });
  }

  /** Opens a contact's form by the name shown in the table. */
  async open(name: string): Promise<Locator> {
    await this.page.getByRole('button', { name, exact: true }).click();
    return this.page.getByRole('dialog', { name: 'Edit contact' });
  }
}
