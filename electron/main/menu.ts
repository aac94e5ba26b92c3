import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu as a pure function of its inputs, so its shape is unit-tested in
 * Node; `index.ts` hands the result to `Menu.buildFromTemplate`.
 */

/** Router paths the app's own menu items open (the renderer follows `app/navigate`). */
export const MENU_ROUTES = {
  newCampaign: '/campaigns?new=1',
  importContacts: '/contacts?import=1',
  preferences: '/settings',
} as const;

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Whether the app starts at login now (the checkbox's state); `null` hides the item (Linux, where Electron cannot set it). */
  openAtLogin: boolean | null;
  /** A packaged app hides the developer tools and reload items. */
  isPackaged: boolean;
  /** Shows the window and asks the renderer to open `path`. */
  navigate(path: string): void;
  /** Opens the folder that holds the log files. */
  openLogs(): void;
  /** Turns start-at-login on or off. */
  setOpenAtLogin(open: boolean): void;
  /** Quits for real (not just hiding the window). */
  quit(): void;
}

/**
 * Builds the menu template: standard roles (Edit, View, Window, the macOS app menu) plus the
 * app's own items: New campaign, Import contacts, Preferences, Open at login, Help → Open logs.
 * @returns a template for `Menu.buildFromTemplate`; never throws.
 */
export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const preferences: MenuItemConstructorOptions = {
    id: 'preferences',
    label: mac ? 'Settings…' : 'Preferences…',
    accelerator: 'CmdOrCtrl+,',
    click: () => options.navigate(MENU_ROUTES.preferences),
  };
  const openAtLogin: MenuItemConstructorOptions[] =
    options.openAtLogin === null
      ? []
      : [
          {
            id: 'open-at-login',
            label: 'Open at Login',
            type: 'checkbox',
            checked: options.openAtLogin,
            click: (item) => options.setOpenAtLogin(item.checked),
          },
        ];
  const quit: MenuItemConstructorOptions = {
    id: 'quit',
    label: mac ? `Quit ${options.appName}` : 'Quit',
    accelerator: mac ? 'Cmd+Q' : 'Ctrl+Q',
    click: () => options.quit(),
  };

  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        preferences,
        ...openAtLogin,
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        quit,
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      {
        id: 'new-campaign',
        label: 'New Campaign',
        accelerator: 'CmdOrCtrl+N',
        click: () => options.navigate(MENU_ROUTES.newCampaign),
      },
      {
        id: 'import-contacts',
        label: 'Import Contacts…',
        accelerator: 'CmdOrCtrl+I',
        click: () => options.navigate(MENU_ROUTES.importContacts),
      },
      { type: 'separator' },
      ...(mac ? [{ role: 'close' } as const] : [preferences, ...openAtLogin, { type: 'separator' } as const, quit]),
    ],
  });
  template.push({ role: 'editMenu' });
  template.push({
    label: 'View',
    submenu: [
      ...(options.isPackaged
        ? []
        : ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const)),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  template.push({ role: 'windowMenu' });
  template.push({
    role: 'help',
    submenu: [
      { id: 'open-logs', label: 'Open Logs', click: () => options.openLogs() },
      ...(mac ? [] : ([{ type: 'separator' }, { role: 'about' }] as const)),
    ],
  });
  return template;
}
