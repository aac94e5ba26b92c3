import { shell, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { isAppPage, isExternalLink } from './urls';

/**
 * The window's security rules (Electron's checklist: docs/SECURITY.md says which item each
 * line answers). Applied to the default session once, and to every web contents created.
 */

/** Permissions the app's own page may have: writing text to the clipboard (the compose window's long mailto bodies). */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/**
 * Denies every permission request and check except {@link ALLOWED_PERMISSIONS} from the app's own
 * page, and adds the Content-Security-Policy header to every response (the page also carries it
 * in a meta tag, which is what applies to file:// loads).
 * @param appPage returns the URL the window loads (file:// in a packaged app, the dev server in development)
 */
export function hardenSession(session: Session, appPage: () => string): void {
  const allowed = (permission: string, origin: string | undefined): boolean =>
    ALLOWED_PERMISSIONS.has(permission) && origin !== undefined && isAppPage(origin, appPage());
  session.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(allowed(permission, details.requestingUrl ?? contents?.getURL())),
  );
  session.setPermissionCheckHandler((contents, permission, requestingOrigin) =>
    allowed(permission, contents?.getURL() ?? requestingOrigin),
  );
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

/**
 * Locks down one web contents: no navigation away from the app's pages, no new windows
 * (http, https, mailto and tel links open in the system browser, mail or phone app; anything else is
 * dropped), no <webview>, no redirects off the app.
 * @param log where refused attempts are written
 */
export function hardenContents(contents: WebContents, appPage: () => string, log: (message: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    else log(`refused to open ${url}`);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (isAppPage(url, appPage())) return;
    event.preventDefault();
    if (isExternalLink(url)) void shell.openExternal(url);
    else log(`refused to navigate to ${url}`);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('refused a <webview>');
  });
}
