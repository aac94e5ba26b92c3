import { expect, type Locator, type Page } from '@playwright/test';

/** The campaign list and the campaign editor. */
export class CampaignPage {
  readonly cards: Locator;

  constructor(readonly page: Page) {
    this.cards = page.getByTestId('step-card');
  }

  async create(name: string): Promise<void> {
    await this.page.goto('/#/campaigns');
    await this.page.getByTestId('campaign-new').first().click();
    await this.page.getByTestId('name-input').fill(name);
    await this.page.getByTestId('name-save').click();
    await expect(this.page.getByRole('heading', { level: 1 })).toContainText(name);
  }

  card(index: number): Locator {
    return this.cards.nth(index);
  }

  /** Adds a step of `type` and returns its (open) card. */
  async add(type: 'email' | 'call' | 'linkedin' | 'custom'): Promise<Locator> {
    const count = await this.cards.count();
    await this.page.getByTestId(`add-${type}`).click();
    await expect(this.cards).toHaveCount(count + 1);
    return this.card(count);
  }

  /** The timings offered to a step's email, in order, and whether the follow-up box is offered. */
  async offered(card: Locator): Promise<{ timings: string[]; followUp: boolean }> {
    const radios = card.getByTestId('send-options').locator('input[type="radio"]');
    const timings = await radios.evaluateAll((inputs) =>
      inputs.map((input) => (input as unknown as { value: string }).value),
    );
    return { timings, followUp: (await card.getByTestId('follow-up').count()) > 0 };
  }

  async setDay(card: Locator, day: number): Promise<void> {
    await card.getByTestId('step-day').fill(String(day));
    await card.getByTestId('step-day').press('Tab');
  }

  async waitSaved(): Promise<void> {
    await expect(this.page.getByTestId('save-state')).toContainText('All changes saved');
  }
}
