import { Menu, nativeImage, Tray, type NativeImage } from 'electron';
import { machineZone } from '../../core/zones';
import type { AppStatus } from '../host/services';
import { iconPng } from './icon';
import { statusLines, trayTooltip } from './status';

/**
 * The tray (menu-bar) icon: its menu shows the next due send and the open tasks count,
 * with Show and Quit. Clicking the icon shows the window (Windows, Linux).
 */
export interface AppTray {
  /** The tooltip shown now (the app name and the status lines). */
  tooltip(): string;
  /** Redraws the menu and tooltip for a new status. */
  update(status: AppStatus | null): void;
  destroy(): void;
}

function trayImage(platform: NodeJS.Platform): NativeImage {
  if (platform === 'darwin') {
    // A template image: macOS tints it for light and dark menu bars.
    const image = nativeImage.createFromBuffer(iconPng(16, 'template'), { scaleFactor: 1 });
    image.addRepresentation({ scaleFactor: 2, buffer: iconPng(32, 'template') });
    image.setTemplateImage(true);
    return image;
  }
  return nativeImage.createFromBuffer(iconPng(32));
}

/** Creates the tray icon; `show` brings the window back, `quit` really quits. */
export function createTray(options: { appName: string; show(): void; quit(): void }): AppTray {
  const tray = new Tray(trayImage(process.platform));
  // As reported, even `Etc/Unknown`: the status lines fall back to UTC and say so (never throw).
  const zone = machineZone().reported;
  let last: AppStatus | null = null;
  let tooltip = options.appName;
  const render = (): void => {
    const now = Date.now();
    tooltip = trayTooltip(options.appName, last, now, zone);
    const lines = statusLines(last, now, zone);
    tray.setToolTip(tooltip);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        ...lines.map((label) => ({ label, enabled: false })),
        { type: 'separator' },
        { label: `Show ${options.appName}`, click: () => options.show() },
        { label: 'Quit', click: () => options.quit() },
      ]),
    );
  };
  tray.on('click', () => options.show());
  render();
  // "today 14:05" becomes "overdue" or changes day without a new status: redraw each minute.
  const ticker = setInterval(render, 60_000);
  ticker.unref();
  return {
    tooltip: () => tooltip,
    update(status) {
      last = status;
      render();
    },
    destroy() {
      clearInterval(ticker);
      tray.destroy();
    },
  };
}
