import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { loadWindowState, saveWindowState, validateWindowState, type Rect } from './bounds';
import { crashMessage } from './crash';
import { deepLinkFromArgv, parseDeepLink, taskPath } from './deep-link';
import { drawIcon, iconPng } from './icon';
import { APP_ID, userDataFolder } from './identity';
import { buildMenuTemplate, MENU_ROUTES, type MenuOptions } from './menu';
import { resolveUpdateFeed, UPDATE_FEED_ENV } from './settings';
import { nextSendLine, openTasksLine, statusLines, trayTooltip } from './status';
import { isAppPage, isExternalLink } from './urls';

describe('deep links', () => {
  it('opens a campaign or a task', () => {
    expect(parseDeepLink('campaign-desk://campaign/abc-123')).toBe('/campaigns/abc-123');
    expect(parseDeepLink('campaign-desk://campaign/abc-123/')).toBe('/campaigns/abc-123');
    expect(parseDeepLink('CAMPAIGN-DESK://Task/t_9')).toBe('/command-center?task=t_9');
    expect(taskPath('t 1')).toBe('/command-center?task=t%201');
  });

  it.each([
    'https://campaign/abc',
    'campaign-desk://contact/abc',
    'campaign-desk://campaign/',
    'campaign-desk://campaign/a/b',
    'campaign-desk://campaign/..%2Fsettings',
    'campaign-desk://campaign/%E0%A4%A',
    'campaign-desk://campaign/abc?x=1',
    `campaign-desk://campaign/${'a'.repeat(101)}`,
    'campaign-desk://task/<script>',
    '',
  ])('refuses %j', (url) => {
    expect(parseDeepLink(url)).toBeNull();
  });

  it('finds the link among a second launch’s arguments', () => {
    expect(deepLinkFromArgv(['/opt/Campaign Desk/campaign-desk', '--flag', 'campaign-desk://task/t1'])).toBe(
      '/command-center?task=t1',
    );
    expect(deepLinkFromArgv(['app', 'campaign-desk://bogus/1', 'campaign-desk://campaign/c1'])).toBe('/campaigns/c1');
    expect(deepLinkFromArgv(['app', '--inspect'])).toBeNull();
  });
});

describe('window state', () => {
  const screens: Rect[] = [
    { x: 0, y: 0, width: 1920, height: 1040 },
    { x: 1920, y: 0, width: 1280, height: 1024 },
  ];

  it('keeps a position that is on a display', () => {
    const state = { bounds: { x: 2000, y: 100, width: 1000, height: 700 }, maximized: true };
    expect(validateWindowState(state, screens)).toEqual(state);
  });

  it('raises a size below the minimum', () => {
    expect(validateWindowState({ bounds: { x: 10, y: 10, width: 100, height: 50 } }, screens)).toEqual({
      bounds: { x: 10, y: 10, width: 720, height: 480 },
      maximized: false,
    });
  });

  it('drops a position on a display that is gone, and fits the size to the largest display', () => {
    const state = validateWindowState({ bounds: { x: 4000, y: 200, width: 3000, height: 2000 } }, screens);
    expect(Number.isNaN(state?.bounds.x)).toBe(true);
    expect(state?.bounds).toMatchObject({ width: 1920, height: 1040 });
  });

  it('drops a position whose title bar is above the screen', () => {
    const state = validateWindowState({ bounds: { x: 100, y: -500, width: 800, height: 600 } }, screens);
    expect(Number.isNaN(state?.bounds.y)).toBe(true);
  });

  it.each([
    null,
    'x',
    [],
    {},
    { bounds: null },
    { bounds: { x: 1, y: 2, width: '800', height: 600 } },
    {
      bounds: { x: 1.5, y: 2, width: 800, height: 600 },
    },
    { bounds: { x: 1, y: 2, width: 800, height: 1e9 } },
  ])('refuses %j', (raw) => {
    expect(validateWindowState(raw, screens)).toBeNull();
  });

  it('round-trips through its file and survives a damaged one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cd-bounds-')), 'nested', 'window-state.json');
    expect(loadWindowState(file, screens)).toBeNull();
    const state = { bounds: { x: 50, y: 60, width: 900, height: 700 }, maximized: false };
    saveWindowState(file, state);
    expect(loadWindowState(file, screens)).toEqual(state);
    writeFileSync(file, '{"bounds": {"x": 1,');
    expect(loadWindowState(file, screens)).toBeNull();
  });
});

describe('application menu', () => {
  const options = (overrides: Partial<MenuOptions> = {}): MenuOptions => ({
    platform: 'linux',
    appName: 'Campaign Desk',
    openAtLogin: false,
    isPackaged: true,
    navigate: vi.fn(),
    openLogs: vi.fn(),
    setOpenAtLogin: vi.fn(),
    quit: vi.fn(),
    ...overrides,
  });
  const items = (template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
    template.flatMap((item) => [item, ...items(Array.isArray(item.submenu) ? item.submenu : [])]);
  const byId = (template: MenuItemConstructorOptions[], id: string) => items(template).find((item) => item.id === id);
  const click = (item: MenuItemConstructorOptions | undefined, checked = false): void =>
    (item?.click as unknown as (menuItem: { checked: boolean }) => void)({ checked });

  it('has the standard roles and the app’s own items on every platform', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const template = buildMenuTemplate(options({ platform }));
      const roles = items(template).map((item) => item.role);
      expect(roles).toEqual(expect.arrayContaining(['editMenu', 'windowMenu', 'help', 'togglefullscreen']));
      for (const id of ['new-campaign', 'import-contacts', 'preferences', 'open-logs', 'quit', 'open-at-login'])
        expect(byId(template, id), `${platform}: ${id}`).toBeDefined();
    }
    expect(buildMenuTemplate(options({ platform: 'darwin' }))[0]?.label).toBe('Campaign Desk');
  });

  it('runs the app’s actions', () => {
    const opts = options();
    const template = buildMenuTemplate(opts);
    click(byId(template, 'new-campaign'));
    click(byId(template, 'import-contacts'));
    click(byId(template, 'preferences'));
    click(byId(template, 'open-logs'));
    click(byId(template, 'open-at-login'), true);
    click(byId(template, 'quit'));
    expect(opts.navigate).toHaveBeenNthCalledWith(1, MENU_ROUTES.newCampaign);
    expect(opts.navigate).toHaveBeenNthCalledWith(2, MENU_ROUTES.importContacts);
    expect(opts.navigate).toHaveBeenNthCalledWith(3, '/settings');
    expect(opts.openLogs).toHaveBeenCalledOnce();
    expect(opts.setOpenAtLogin).toHaveBeenCalledWith(true);
    expect(opts.quit).toHaveBeenCalledOnce();
  });

  it('shows developer tools only in development, and hides Open at Login where it cannot work', () => {
    const roles = (packaged: boolean) => items(buildMenuTemplate(options({ isPackaged: packaged }))).map((i) => i.role);
    expect(roles(true)).not.toContain('toggleDevTools');
    expect(roles(false)).toContain('toggleDevTools');
    expect(byId(buildMenuTemplate(options({ openAtLogin: null })), 'open-at-login')).toBeUndefined();
    expect(byId(buildMenuTemplate(options({ openAtLogin: true })), 'open-at-login')?.checked).toBe(true);
  });
});

describe('tray status', () => {
  const now = Date.UTC(2026, 2, 3, 10, 0); // Tuesday 3 March 2026, 10:00 UTC
  it('says when the next send is due, in the one time format of the app (the zone named)', () => {
    expect(nextSendLine(null, now, 'UTC')).toBe('No sends scheduled');
    expect(nextSendLine(now + 4 * 3_600_000 + 5 * 60_000, now, 'UTC')).toBe('Next send: Tue 3 Mar, 14:05 UTC');
    expect(nextSendLine(now + 23 * 3_600_000, now, 'UTC')).toBe('Next send: Wed 4 Mar, 09:00 UTC');
    expect(nextSendLine(now + 6 * 86_400_000, now, 'UTC')).toBe('Next send: Mon 9 Mar, 10:00 UTC');
    expect(nextSendLine(now - 2 * 3_600_000, now, 'UTC')).toBe('Next send: overdue since Tue 3 Mar, 08:00 UTC');
    expect(nextSendLine(now, now, 'Asia/Tokyo')).toBe('Next send: Tue 3 Mar, 19:00 GMT+9');
  });
  it('counts open tasks', () => {
    expect(openTasksLine(0)).toBe('No open tasks');
    expect(openTasksLine(1)).toBe('1 open task');
    expect(openTasksLine(12)).toBe('12 open tasks');
    expect(trayTooltip('Campaign Desk', null, now, 'UTC')).toBe('Campaign Desk');
    expect(trayTooltip('Campaign Desk', { nextSendAt: null, openTasks: 2 }, now, 'UTC')).toBe(
      'Campaign Desk\nNo sends scheduled\n2 open tasks',
    );
  });
  it('counts the due tasks the system did not show, so the tray says to look in the app', () => {
    expect(trayTooltip('Campaign Desk', { nextSendAt: null, openTasks: 2, dueAlerts: 1 }, now, 'UTC')).toBe(
      'Campaign Desk\nNo sends scheduled\n2 open tasks\n1 task due: see the app',
    );
    expect(statusLines({ nextSendAt: null, openTasks: 3, dueAlerts: 3 }, now, 'UTC')).toEqual([
      'No sends scheduled',
      '3 open tasks',
      '3 tasks due: see the app',
    ]);
    expect(statusLines({ nextSendAt: null, openTasks: 3, dueAlerts: 0 }, now, 'UTC')).toHaveLength(2);
  });
  it('never throws on a machine zone the zone database does not know: UTC, named, and a note', () => {
    const status = { nextSendAt: now + 4 * 3_600_000 + 5 * 60_000, openTasks: 1 };
    const note = 'This computer\'s time zone "Etc/Unknown" is unknown; times are shown in UTC.';
    expect(trayTooltip('Campaign Desk', status, now, 'Etc/Unknown')).toBe(
      `Campaign Desk\nNext send: Tue 3 Mar, 14:05 UTC\n1 open task\n${note}`,
    );
    expect(nextSendLine(now - 2 * 3_600_000, now, 'Etc/Unknown')).toBe('Next send: overdue since Tue 3 Mar, 08:00 UTC');
    expect(statusLines(status, now, 'Not/AZone')).toEqual([
      'Next send: Tue 3 Mar, 14:05 UTC',
      '1 open task',
      'This computer\'s time zone "Not/AZone" is unknown; times are shown in UTC.',
    ]);
    expect(statusLines(status, now, undefined)[2]).toBe(
      "This computer's time zone is unknown; times are shown in UTC.",
    );
    expect(statusLines(status, now, '')[0]).toBe('Next send: Tue 3 Mar, 14:05 UTC');
  });
});

describe('URL rules', () => {
  const packaged = 'file:///opt/Campaign%20Desk/resources/app.asar/out/renderer/index.html';
  it('lets only the app’s own page load', () => {
    expect(isAppPage(`${packaged}#/campaigns/1`, packaged)).toBe(true);
    expect(isAppPage('file:///etc/passwd', packaged)).toBe(false);
    expect(isAppPage('https://example.com/', packaged)).toBe(false);
    expect(isAppPage('http://localhost:5173/#/settings', 'http://localhost:5173/')).toBe(true);
    expect(isAppPage('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppPage('not a url', packaged)).toBe(false);
  });
  it('hands only web and mail links to the system', () => {
    expect(isExternalLink('https://example.com/a')).toBe(true);
    expect(isExternalLink('mailto:a@example.com?subject=x')).toBe(true);
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'campaign-desk://task/1', '::'])
      expect(isExternalLink(url), url).toBe(false);
  });
});

describe('crash dialogs', () => {
  it('say the data is safe and what to do', () => {
    for (const kind of ['main-error', 'renderer-gone'] as const) {
      const text = crashMessage(kind, 'boom', '/logs/main.log');
      expect(text.detail).toMatch(/safe/);
      expect(text.detail).toMatch(/nothing was deleted/);
      expect(text.detail).toContain('/logs/main.log');
      expect(text.detail).toContain('boom');
    }
    expect(crashMessage('renderer-gone', 'oom', 'x').buttons[0]).toBe('Reload');
    expect(crashMessage('main-error', 'e', 'x').buttons[0]).toBe('Restart');
  });
});

describe('settings and identity', () => {
  it('turns auto-update on only for a valid feed', () => {
    expect(resolveUpdateFeed({}, {})).toBeNull();
    expect(resolveUpdateFeed({}, { updateFeedUrl: 'https://updates.example.com/desk/' })).toBe(
      'https://updates.example.com/desk/',
    );
    expect(
      resolveUpdateFeed({ [UPDATE_FEED_ENV]: 'https://a.example/' }, { updateFeedUrl: 'https://b.example/' }),
    ).toBe('https://a.example/');
    expect(resolveUpdateFeed({}, { updateFeedUrl: 'http://updates.example.com/' })).toBeNull();
    expect(resolveUpdateFeed({}, { updateFeedUrl: 'http://localhost:8080/' })).toBe('http://localhost:8080/');
    expect(resolveUpdateFeed({}, { updateFeedUrl: 42 })).toBeNull();
    expect(resolveUpdateFeed({ [UPDATE_FEED_ENV]: 'nonsense' }, null)).toBeNull();
  });

  it('keeps the data folder whatever the product is called', () => {
    expect(userDataFolder('/home/a/.config')).toBe(join('/home/a/.config', 'Campaign Desk'));
  });

  it('uses electron-builder’s appId as the notifications’ appUserModelId', () => {
    const config = readFileSync(join(import.meta.dirname, '../../electron-builder.yml'), 'utf8');
    expect(/^appId:\s*(\S+)\s*$/m.exec(config)?.[1]).toBe(APP_ID);
  });

  it('sends the same Content-Security-Policy in the page’s meta tag as in the header', () => {
    const html = readFileSync(join(import.meta.dirname, '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = (csp: string) => csp.split(';').map((d) => d.trim().replace(/\s+/g, ' '));
    // frame-ancestors has no effect in a meta tag, so only the header carries it.
    expect(directives(meta)).toEqual(
      directives(CONTENT_SECURITY_POLICY).filter((d) => !d.startsWith('frame-ancestors')),
    );
  });
});

describe('icon', () => {
  it('draws a blue square with a white envelope and transparent corners', () => {
    const size = 64;
    const pixels = drawIcon(size);
    const at = (x: number, y: number) => Array.from(pixels.subarray((y * size + x) * 4, (y * size + x) * 4 + 4));
    expect(at(0, 0)[3]).toBe(0);
    expect(at(32, 8)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), 255]);
    expect(at(32, 8)[2]).toBeGreaterThan(at(32, 8)[0]! + 100);
    expect(at(32, 19)).toEqual([255, 255, 255, 255]);
    expect(drawIcon(16, 'template').some((v, i) => i % 4 === 3 && v > 200)).toBe(true);
    expect(() => drawIcon(0)).toThrow(RangeError);
  });

  it('encodes a valid PNG', () => {
    const png = iconPng(16);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(16);
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('latin1')).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLength)).length).toBe((16 * 4 + 1) * 16);
  });
});
