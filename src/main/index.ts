// The Electron shell: a short ordered list of setup steps (electron/fiddle's shape). The engine
// runs in a utilityProcess; this process never loads tfjs or sharp.
import type { BrowserWindow} from 'electron';
import { app, dialog, Menu, session, shell } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createAppHost, type AppHost } from '../host/app-host';
import { defaultDataHome } from '../host/settings-store';
import { IMAGE_EXTENSIONS } from '../shared/image-formats';
import { packagedEngineEnv, starterModelsDir } from './app-paths';
import { spawnUtilityEngine } from './engine-process';
import { broadcast, setupIpc } from './ipc';
import { mediaUrl } from './protocols/media-url';
import { refuseFileProtocol, registerAppProtocol, registerMediaProtocol, registerPrivilegedSchemes } from './protocols/register';
import { setupMenu } from './menu';
import { devServerUrl } from './security/dev-server';
import { setupWebContentsHardening } from './security/web-contents';
import { setupDevelopmentCsp, setupPermissions } from './session';
import { createMainWindow } from './window';

const APP_ORIGIN = 'app://bundle';
const devServer = devServerUrl(app.isPackaged, process.env);
const appOrigins = devServer ? [APP_ORIGIN, new URL(devServer).origin] : [APP_ORIGIN];

let mainWindow: BrowserWindow | null = null;
let host: AppHost | null = null;

async function openDialog(what: 'folder' | 'images'): Promise<string[]> {
  const options: Electron.OpenDialogOptions =
    what === 'folder'
      ? { properties: ['openDirectory', 'multiSelections'] }
      : { properties: ['openFile', 'multiSelections'], filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS.map((ext) => ext.slice(1)) }] };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

async function start(): Promise<void> {
  setupMenu(Menu, { isPackaged: app.isPackaged, platform: process.platform, appName: app.getName() });
  const ses = session.defaultSession;
  setupPermissions(ses);
  if (devServer) setupDevelopmentCsp(ses, devServer);
  registerAppProtocol(ses, join(__dirname, '../renderer'));
  refuseFileProtocol(ses);
  host = await createAppHost({
    mode: 'desktop',
    version: app.getVersion(),
    dataHome: defaultDataHome(),
    browseRoot: homedir(),
    spawnEngine: (env) => spawnUtilityEngine({ ...env, ...packagedEngineEnv() }),
    starterModelsDir: starterModelsDir(),
    mediaUrl,
    emit: (event, payload) => broadcast(event, payload),
    openDialog,
  });
  registerMediaProtocol(ses, host.media);
  setupIpc(host, appOrigins);
  mainWindow = createMainWindow(devServer ?? `${APP_ORIGIN}/index.html`, devServer !== undefined);
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

registerPrivilegedSchemes();
app.enableSandbox();
if (!app.requestSingleInstanceLock()) {
  // Two instances would write to the same run folders.
  app.quit();
} else {
  // Every webContents, the main window's included, gets the navigation rules as it is created.
  setupWebContentsHardening(app, appOrigins, (url) => void shell.openExternal(url));
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => host?.dispose());
  void app.whenReady().then(start);
}
