import { createServer, type AddressInfo } from 'node:net';
import { expect, type Locator } from '@playwright/test';

/**
 * What the mailbox form's **Test SMTP connection** shows for two answers of the host, in the
 * browser build (e2e/inbox-settings.spec.ts) and in the desktop app (e2e/electron): the same
 * words, since the host's answers and errors cross both transports as data (issue 13).
 */

/** A port that was just free: a real server, stopped. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

/** The words for an SMTP server that is not running on 127.0.0.1:`port` (the host's `mail/verify` answer). */
export const closedSmtpWords = (port: number): string =>
  `Cannot reach 127.0.0.1 on port ${port} (nothing answers on that port). Check the server and port.`;

/** A password over the contract's 4,096 characters (`mail/verify`'s `password`): refused by the host itself. */
export const OVERSIZED_PASSWORD = 'p'.repeat(4097);
/** The host's refusal of {@link OVERSIZED_PASSWORD}: the field, and the value's length (a secret is never shown back). */
export const OVERSIZED_PASSWORD_WORDS =
  'input.password: is 4097 characters long; a password or token has at most 4096 (check what was pasted)';

/**
 * In an open mailbox form (`form`, the dialog): Test SMTP connection against a closed port,
 * then with an oversized password; checks each shown sentence, then clears the password.
 * Leaves host 127.0.0.1, security none and no user filled in.
 */
export async function checkTestConnectionWords(form: Locator): Promise<void> {
  const port = await closedPort();
  await form.getByTestId('mailbox-host').fill('127.0.0.1');
  await form.getByTestId('mailbox-port').fill(String(port));
  await form.getByTestId('mailbox-security').selectOption('none');
  await form.getByTestId('mailbox-user').fill('');
  const test = form.getByRole('button', { name: 'Test SMTP connection' });
  const result = form.getByTestId('smtp-test-result');
  await test.click();
  await expect(result).toHaveText(closedSmtpWords(port));
  await form.getByTestId('mailbox-password').fill(OVERSIZED_PASSWORD);
  await test.click();
  await expect(result).toHaveText(OVERSIZED_PASSWORD_WORDS);
  await form.getByTestId('mailbox-password').fill('');
}
