import { join } from 'node:path';

/**
 * The app's fixed names. `APP_ID` is electron-builder's `appId` (electron-builder.yml) and
 * the notifications' `appUserModelId` on Windows: the two must match, or Windows shows no
 * notification for the installed app (a unit test compares them).
 */
export const APP_ID = 'app.campaigndesk.desktop';
export const PRODUCT_NAME = 'Campaign Desk';

/**
 * The user-data folder (IndexedDB, secrets, logs, window state), fixed by name rather than
 * derived from the product name, so a renamed product still finds the same database.
 * @param appData Electron's `app.getPath('appData')`
 */
export function userDataFolder(appData: string): string {
  return join(appData, 'Campaign Desk');
}
