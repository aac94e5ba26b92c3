/**
 * Which URLs the window may load, and which open in the system browser instead.
 * Pure functions, unit-tested in Node; `security.ts` applies them.
 */

/**
 * Whether `url` is one of the app's own pages: the packaged `index.html` (file://, same file
 * as `appPage`, any hash route), or in development the Vite dev server's origin.
 * @param appPage the URL the window was first loaded with (file:// or http://localhost:port/)
 */
export function isAppPage(url: string, appPage: string): boolean {
  let target: URL;
  let home: URL;
  try {
    target = new URL(url);
    home = new URL(appPage);
  } catch {
    return false;
  }
  if (home.protocol === 'file:') return target.protocol === 'file:' && target.pathname === home.pathname;
  return target.origin === home.origin;
}

/**
 * Whether a link may be handed to the system (browser, mail or phone app): http, https, mailto
 * and tel only — the links an email shown in the app keeps (renderer/src/sanitize.ts) — never
 * file:, javascript:, custom schemes or anything malformed.
 */
export function isExternalLink(url: string): boolean {
  try {
    return ['http:', 'https:', 'mailto:', 'tel:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}
