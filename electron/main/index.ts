import { app, BrowserWindow, ipcMain, Menu, net, Notification, powerMonitor, session } from 'electron';
import { join, resolve } from 'node:path';
import { createHost, type Host } from '../host/services';
import { deepLinkFromArgv, parseDeepLink, PROTOCOL } from './deep-link';
import { APP_ID, PRODUCT_NAME, userDataFolder } from './identity';
import { registerHostCalls } from './ipc';
import { catchMainErrors, openLogs, reportCrash, setupLogging } from './logging';
import { buildMenuTemplate } from './menu';
import { showNotification } from './notify';
import { safeStorageSecretStore } from './secrets';
import { hardenContents, hardenSession } from './security';
import { readDesktopSettings, resolveUpdateFeed } from './settings';
import { createTray, type AppTray } from './tray';
import { startAutoUpdates } from './updates';
import { isAppPage } from './urls';
import { createMainWindow, preloadPath } from './window';

/**
 * Electron main: app lifecycle, the window, tray, menu, deep links, notifications, logs and
 * crash dialogs. The host services themselves live in `electron/host/` (plain Node) and are
 * registered here on IPC (`./ipc.ts`), with every argument validated against core's schemas by `dispatch`
 * and every answer, errors too, sent as data.
 */

// Fixed before anything reads it: renaming the product must never make IndexedDB look empty.
// CAMPAIGN_DESK_USER_DATA points a run elsewhere (the Electron smoke test's fresh folder).
app.setPath('userData', process.env.CAMPAIGN_DESK_USER_DATA || userDataFolder(app.getPath('appData')));
const log = setupLogging();
catchMainErrors();

let window: BrowserWindow | undefined;
let host: Host | undefined;
let tray: AppTray | undefined;
let quitting = false;
/** The renderer follows `app/navigate` once it has started (its first `app/set-status` says so). */
let rendererReady = false;
let pendingPath: string | null = null;
/** Shown notifications, kept referenced until closed so their click handlers survive garbage collection. */
const notifications = new Set<Notification>();

function appPage(): string {
  return process.env.ELECTRON_RENDERER_URL ?? `file://${join(import.meta.dirname, '../renderer/index.html')}`;
}

function showWindow(): void {
  if (!app.isReady()) return;
  if (!window || window.isDestroyed()) window = openWindow();
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Shows the window and asks the renderer to open `path` (queued until the renderer has started). */
function navigate(path: string): void {
  pendingPath = path;
  showWindow();
  flushNavigation();
}

function flushNavigation(): void {
  if (!rendererReady || !host || pendingPath === null) return;
  host.emit('app/navigate', { path: pendingPath });
  pendingPath = null;
}

function quit(): void {
  quitting = true;
  app.quit();
}

function openWindow(): BrowserWindow {
  const win = createMainWindow({
    stateFile: join(app.getPath('userData'), 'window-state.json'),
    preload: preloadPath(import.meta.dirname),
    isQuitting: () => quitting,
    log: (message) => log.warn(message),
  });
  // Windows logging off or shutting down: let the window close instead of hiding it.
  win.on('session-end', () => (quitting = true));
  win.webContents.on('did-start-loading', () => (rendererReady = false));
  win.webContents.on('render-process-gone', (_event, details) => {
    rendererReady = false;
    if (details.reason === 'clean-exit') return;
    void reportCrash('renderer-gone', details.reason, () => win.reload());
  });
  win.webContents.on('console-message', (details) => {
    if (details.level === 'error') log.error(`renderer: ${details.message}`);
  });
  void win.loadURL(appPage());
  return win;
}

function setMenu(): void {
  const openAtLogin = process.platform === 'linux' ? null : app.getLoginItemSettings().openAtLogin;
  const template = buildMenuTemplate({
    platform: process.platform,
    appName: PRODUCT_NAME,
    openAtLogin,
    isPackaged: app.isPackaged,
    navigate,
    openLogs,
    setOpenAtLogin: (openAtLogin) => {
      app.setLoginItemSettings({ openAtLogin });
      setMenu();
    },
    quit,
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function notify(title: string, body: string, taskId: string | undefined): boolean {
  if (!Notification.isSupported()) return false;
  const notification = new Notification({ title, body });
  notifications.add(notification);
  showNotification(
    notification,
    { title, body, taskId },
    {
      navigate,
      showWindow,
      failed: (payload) => {
        log.warn(`a notification was not shown: ${payload.error}`);
        host?.emit('notify/failed', payload);
      },
      forget: () => notifications.delete(notification),
    },
  );
  return true;
}

function registerProtocol(): void {
  // In development Electron runs as `electron .`: the link must relaunch it with the app's path.
  const ok =
    process.defaultApp && process.argv.length >= 2
      ? app.setAsDefaultProtocolClient(PROTOCOL, process.execPath, [resolve(process.argv[1]!)])
      : app.setAsDefaultProtocolClient(PROTOCOL);
  if (!ok) log.warn(`could not register ${PROTOCOL}:// links`);
}

function start(): void {
  registerProtocol();
  pendingPath = deepLinkFromArgv(process.argv);
  // macOS hands links over in open-url, possibly before ready.
  app.on('will-finish-launching', () => {
    app.on('open-url', (event, url) => {
      event.preventDefault();
      const path = parseDeepLink(url);
      if (path) navigate(path);
      else log.warn(`ignored a link: ${url}`);
    });
  });
  // Windows and Linux start a second instance with the link as an argument; it hands over and quits.
  app.on('second-instance', (_event, argv) => {
    const path = deepLinkFromArgv(argv);
    if (path) navigate(path);
    else showWindow();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, appPage, (m) => log.warn(m)));

  void app.whenReady().then(() => {
    log.info(`Campaign Desk ${app.getVersion()} starting; data in ${app.getPath('userData')}`);
    hardenSession(session.defaultSession, appPage);
    app.setAppUserModelId(APP_ID);
    host = createHost({
      host: 'electron',
      version: app.getVersion(),
      secrets: safeStorageSecretStore(),
      notify: (title, body, _tag, taskId) => notify(title, body, taskId),
      online: () => net.isOnline(),
      setStatus: (status) => {
        tray?.update(status);
        rendererReady = true;
        flushNavigation();
      },
    });
    host.emit = (event, payload) => {
      for (const win of BrowserWindow.getAllWindows()) win.webContents.send(`host:event:${event}`, payload);
    };
    // Timers stop while asleep; a wake or an unlock re-checks what fell due meanwhile.
    powerMonitor.on('resume', () => host?.check());
    powerMonitor.on('unlock-screen', () => host?.check());
    // macOS and Linux shutting down: quit for real (closing the window would only hide it).
    powerMonitor.on('shutdown', quit);
    // Only the app's own page may call the host (a frame from anywhere else is refused).
    registerHostCalls(ipcMain, host.handlers, (frameUrl) => isAppPage(frameUrl, appPage()));
    setMenu();
    window = openWindow();
    tray = createTray({ appName: PRODUCT_NAME, show: showWindow, quit });
    // The Electron smoke test (e2e/electron) reads the tray's text through this hook.
    if (process.env.CAMPAIGN_DESK_E2E === '1')
      Object.assign(globalThis, { campaignDeskE2E: { trayTooltip: () => tray?.tooltip() ?? null } });
    startAutoUpdates(
      resolveUpdateFeed(process.env, readDesktopSettings(join(app.getPath('userData'), 'desktop-settings.json'))),
      app.isPackaged,
      log,
    );
  });

  app.on('activate', showWindow);
  app.on('before-quit', () => {
    quitting = true;
    void host?.close();
    tray?.destroy();
    tray = undefined;
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' || quitting) app.quit();
  });
}

if (app.requestSingleInstanceLock()) start();
else app.quit();
