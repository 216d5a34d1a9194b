import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu. Unpackaged (development) keeps Electron's default, with Reload and
 * Toggle Developer Tools; a packaged build replaces it with one that has neither, so an
 * installed app offers no way to reload away its state or open the devtools (whose shortcuts
 * come from that default menu).
 */
export const DEVELOPER_ROLES: readonly string[] = ['reload', 'forceReload', 'toggleDevTools', 'viewMenu'];

export function packagedMenuTemplate(platform: NodeJS.Platform, appName: string): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
  };
  if (platform === 'darwin') {
    return [{ label: appName, role: 'appMenu' }, { role: 'fileMenu' }, { role: 'editMenu' }, view, { role: 'windowMenu' }];
  }
  return [{ role: 'fileMenu' }, { role: 'editMenu' }, view, { role: 'windowMenu' }];
}

export interface MenuApi<M> {
  buildFromTemplate(template: MenuItemConstructorOptions[]): M;
  setApplicationMenu(menu: M | null): void;
}

export function setupMenu<M>(menu: MenuApi<M>, options: { isPackaged: boolean; platform: NodeJS.Platform; appName: string }): void {
  if (!options.isPackaged) return;
  menu.setApplicationMenu(menu.buildFromTemplate(packagedMenuTemplate(options.platform, options.appName)));
}
