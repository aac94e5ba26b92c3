import { app, dialog, shell } from 'electron';
import log from 'electron-log/main';
import { dirname, join } from 'node:path';
import { crashMessage, type CrashKind } from './crash';

/**
 * Logging to a file in the user-data folder (`logs/main.log`, rotated by electron-log at
 * 5 MB), and the dialogs shown when something fails unexpectedly. Nothing here ever touches
 * the database: a crash costs at most the action in progress.
 */

/** Points electron-log at `<userData>/logs/main.log`; call after the user-data path is fixed. */
export function setupLogging(): typeof log {
  log.transports.file.resolvePathFn = () => logFile();
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.transports.console.level = app.isPackaged ? false : 'info';
  return log;
}

/** The main log file's path. */
export function logFile(): string {
  return join(app.getPath('userData'), 'logs', 'main.log');
}

/** Opens the logs folder in the file manager (Help → Open logs). */
export function openLogs(): void {
  void shell.openPath(dirname(logFile()));
}

let dialogOpen = false;

/**
 * Logs a crash and tells the person what to do, one dialog at a time (a burst of errors
 * shows one). For `main-error`, Restart relaunches the app; for `renderer-gone`, `onReload`
 * runs on Reload. Quitting never deletes anything.
 */
export async function reportCrash(kind: CrashKind, reason: string, onReload?: () => void): Promise<void> {
  log.error(`${kind}: ${reason}`);
  if (dialogOpen || !app.isReady()) return;
  dialogOpen = true;
  try {
    const text = crashMessage(kind, reason, logFile());
    const { response } = await dialog.showMessageBox({
      type: 'error',
      title: text.title,
      message: text.message,
      detail: text.detail,
      buttons: text.buttons,
      defaultId: 0,
      noLink: true,
    });
    if (kind === 'renderer-gone') {
      if (response === 0) onReload?.();
      else app.quit();
    } else if (response === 0) {
      app.relaunch();
      app.quit();
    }
  } finally {
    dialogOpen = false;
  }
}

/** Catches uncaught exceptions and unhandled rejections in main: logged, then the dialog. */
export function catchMainErrors(): void {
  process.on('uncaughtException', (error) => void reportCrash('main-error', error.stack ?? String(error)));
  process.on(
    'unhandledRejection',
    (reason) =>
      void reportCrash('main-error', reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)),
  );
}
