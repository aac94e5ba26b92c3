import { BrowserWindow, screen } from 'electron';
import { join } from 'node:path';
import { DEFAULT_SIZE, loadWindowState, MIN_SIZE, saveWindowState, type WindowState } from './bounds';

/**
 * The main window: hardened web preferences, remembered bounds, and hide-on-close (the app
 * keeps sending from the tray; Quit really quits).
 */
export interface MainWindowOptions {
  /** Where the window state is kept (`<userData>/window-state.json`). */
  stateFile: string;
  /** The preload script (out/preload/index.cjs). */
  preload: string;
  /** Whether the app is quitting: then close really closes. */
  isQuitting(): boolean;
  log(message: string): void;
}

/** Creates the main window at its remembered size and position (validated against the displays now attached). */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((display) => display.workArea);
  const state = loadWindowState(options.stateFile, workAreas);
  const bounds = state?.bounds;
  const win = new BrowserWindow({
    width: bounds?.width ?? DEFAULT_SIZE.width,
    height: bounds?.height ?? DEFAULT_SIZE.height,
    ...(bounds && Number.isFinite(bounds.x) ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Campaign Desk',
    show: false,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: undefined,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
      // Sends are timed in main, but the renderer must keep handling due work while hidden.
      backgroundThrottling: false,
    },
  });
  if (state?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  const save = (): void => {
    const current: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    try {
      saveWindowState(options.stateFile, current);
    } catch (error) {
      options.log(`could not save the window position: ${String(error)}`);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const saveSoon = (): void => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('maximize', saveSoon);
  win.on('unmaximize', saveSoon);

  // Closing the window hides it: scheduled sends keep going, the tray brings it back.
  win.on('close', (event) => {
    clearTimeout(timer);
    save();
    if (options.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  return win;
}

/** The preload script's path next to the built main (out/main → out/preload). */
export function preloadPath(mainDir: string): string {
  return join(mainDir, '../preload/index.cjs');
}
