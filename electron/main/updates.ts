import electronUpdater from 'electron-updater';
import type log from 'electron-log/main';

/**
 * Auto-update with electron-updater from a generic feed (the folder electron-builder's
 * `latest*.yml` and installers are uploaded to). Off unless a feed is configured
 * (`resolveUpdateFeed` in settings.ts), and never in development.
 */
export function startAutoUpdates(feedUrl: string | null, isPackaged: boolean, logger: typeof log): void {
  if (!feedUrl || !isPackaged) {
    logger.info(`auto-update off (${isPackaged ? 'no feed configured' : 'not a packaged app'})`);
    return;
  }
  const { autoUpdater } = electronUpdater;
  autoUpdater.logger = logger;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.setFeedURL({ provider: 'generic', url: feedUrl });
  const check = (): void => {
    autoUpdater.checkForUpdatesAndNotify().catch((error: unknown) => logger.warn('update check failed', error));
  };
  check();
  setInterval(check, 6 * 60 * 60 * 1000).unref();
}
