import { app, BrowserWindow, ipcMain, net, Notification, powerMonitor, session, shell } from 'electron';
import { join } from 'node:path';
import { createHost, dispatch } from '../host/services';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { safeStorageSecretStore } from './secrets';

/**
 * Electron main: app lifecycle and the window; the host services themselves live
 * in `electron/host/` (plain Node) and are registered here on IPC, with every
 * argument validated against core's schemas by `dispatch`.
 */

if (!app.requestSingleInstanceLock()) app.quit();

let window: BrowserWindow | undefined;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Campaign Desk',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      // Sends are timed in main, but the renderer must keep handling due work while hidden.
      backgroundThrottling: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  // Only the app's own pages load in the window; links open in the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^(https?|mailto):/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (url !== win.webContents.getURL()) event.preventDefault();
  });
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return win;
}

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  app.setAppUserModelId('app.campaigndesk.desktop');
  const host = createHost({
    host: 'electron',
    version: app.getVersion(),
    secrets: safeStorageSecretStore(),
    notify: (title, body) => {
      if (!Notification.isSupported()) return false;
      new Notification({ title, body }).show();
      return true;
    },
    online: () => net.isOnline(),
  });
  host.emit = (event, payload) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(`host:event:${event}`, payload);
  };
  // Timers stop while asleep; a wake or an unlock re-checks what fell due meanwhile.
  powerMonitor.on('resume', () => host.check());
  powerMonitor.on('unlock-screen', () => host.check());
  app.on('before-quit', () => host.close());
  const handlers = host.handlers;
  ipcMain.handle('host:call', (_event, name: unknown, input: unknown) => dispatch(handlers, String(name), input));
  window = createWindow();
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
