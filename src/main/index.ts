// The Electron shell: a short ordered list of setup steps (electron/fiddle's shape). The engine
// runs in a utilityProcess; this process never loads tfjs or sharp.
import type { BrowserWindow} from 'electron';
import { app, dialog, session } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createAppHost, type AppHost } from '../host/app-host';
import { defaultDataHome } from '../host/settings-store';
import { spawnUtilityEngine } from './engine-process';
import { broadcast, setupIpc } from './ipc';
import { mediaUrl } from './protocols/media-url';
import { refuseFileProtocol, registerAppProtocol, registerMediaProtocol, registerPrivilegedSchemes } from './protocols/register';
import { guardNavigation, handleWindowOpen } from './security/navigation';
import { setupDevelopmentCsp, setupPermissions } from './session';
import { createMainWindow } from './window';

const APP_ORIGIN = 'app://bundle';
const devServer = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const appOrigins = devServer ? [APP_ORIGIN, new URL(devServer).origin] : [APP_ORIGIN];

let mainWindow: BrowserWindow | null = null;
let host: AppHost | null = null;

function setupEveryWebContents(): void {
  // Every webContents, not only our window's: a future iframe or devtools page gets the same rules.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => handleWindowOpen(url, () => undefined));
    contents.on('will-navigate', (event, url) => guardNavigation(event, url, appOrigins));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

async function openDialog(what: 'folder' | 'images'): Promise<string[]> {
  const options: Electron.OpenDialogOptions =
    what === 'folder'
      ? { properties: ['openDirectory', 'multiSelections'] }
      : { properties: ['openFile', 'multiSelections'], filters: [{ name: 'Images', extensions: ['png', 'jpg', 'jpeg', 'webp', 'avif', 'tif', 'tiff'] }] };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

async function start(): Promise<void> {
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
    spawnEngine: spawnUtilityEngine,
    mediaUrl,
    emit: (event, payload) => broadcast(event, payload),
    openDialog,
    grantOnScan: true,
  });
  registerMediaProtocol(ses, host.media);
  setupIpc(host, appOrigins);
  mainWindow = createMainWindow(appOrigins, devServer ?? `${APP_ORIGIN}/index.html`, devServer !== undefined);
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
  setupEveryWebContents();
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => host?.dispose());
  void app.whenReady().then(start);
}
