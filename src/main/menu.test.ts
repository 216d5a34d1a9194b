import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { DEVELOPER_ROLES, packagedMenuTemplate, setupMenu } from './menu';

/** Every role in a template, submenus included. */
function roles(items: readonly MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [...(item.role ? [item.role] : []), ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])]);
}

const fakeMenu = () => ({ buildFromTemplate: vi.fn((template: MenuItemConstructorOptions[]) => ({ template })), setApplicationMenu: vi.fn() });

describe('the application menu', () => {
  it('a packaged build replaces the default menu with one without Reload or DevTools', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const menu = fakeMenu();
      setupMenu(menu, { isPackaged: true, platform, appName: 'Denoise Studio' });
      expect(menu.buildFromTemplate).toHaveBeenCalledOnce();
      const template = menu.buildFromTemplate.mock.calls[0]![0];
      expect(menu.setApplicationMenu).toHaveBeenCalledWith({ template });
      const used = roles(template);
      for (const role of DEVELOPER_ROLES) expect(used, `${platform}: ${role}`).not.toContain(role);
      expect(used).toEqual(expect.arrayContaining(['editMenu', 'zoomIn', 'togglefullscreen']));
    }
  });

  it("keeps the app menu (About, Hide, Quit) on macOS and a File menu's Quit elsewhere", () => {
    expect(roles(packagedMenuTemplate('darwin', 'Denoise Studio'))[0]).toBe('appMenu');
    expect(roles(packagedMenuTemplate('linux', 'Denoise Studio'))).not.toContain('appMenu');
    expect(roles(packagedMenuTemplate('win32', 'Denoise Studio'))[0]).toBe('fileMenu');
  });

  it("leaves Electron's default (Reload, DevTools) alone in development", () => {
    const menu = fakeMenu();
    setupMenu(menu, { isPackaged: false, platform: 'linux', appName: 'Denoise Studio' });
    expect(menu.buildFromTemplate).not.toHaveBeenCalled();
    expect(menu.setApplicationMenu).not.toHaveBeenCalled();
  });
});
