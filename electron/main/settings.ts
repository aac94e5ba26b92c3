import { readFileSync } from 'node:fs';

/**
 * Desktop-only settings that are not in IndexedDB: where updates come from. Read from
 * `desktop-settings.json` in the user-data folder, or the environment.
 */

/** The environment variable that turns auto-update on with a feed URL (a generic electron-updater feed). */
export const UPDATE_FEED_ENV = 'CAMPAIGN_DESK_UPDATE_URL';

/**
 * The update feed to use, if any: the environment variable wins over the settings file.
 * @param env the process environment
 * @param settings the parsed `desktop-settings.json` (anything; `updateFeedUrl` is read)
 * @returns an https URL (http only for localhost, for testing a feed), or `null`:
 *   auto-update stays off when no valid feed is configured.
 */
export function resolveUpdateFeed(env: Record<string, string | undefined>, settings: unknown): string | null {
  const fromSettings =
    typeof settings === 'object' && settings !== null
      ? (settings as { updateFeedUrl?: unknown }).updateFeedUrl
      : undefined;
  const candidate = env[UPDATE_FEED_ENV] ?? (typeof fromSettings === 'string' ? fromSettings : undefined);
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    if (url.protocol === 'https:' || (url.protocol === 'http:' && local)) return url.toString();
  } catch {
    // not a URL: auto-update stays off
  }
  return null;
}

/** Reads `desktop-settings.json`; `{}` when it is missing or unreadable (never throws). */
export function readDesktopSettings(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return {};
  }
}
