import { BrowserWindow, shell } from 'electron';
import { join } from 'node:path';
import { guardNavigation, handleWindowOpen } from './security/navigation';

/**
 * The one app window. Security settings are explicit even where they are Electron's defaults,
 * so a reader (and the e2e security spec) sees them here.
 */
export function createMainWindow(appOrigins: readonly string[], startUrl: string, isDev: boolean): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Denoise Studio',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      devTools: isDev,
    },
  });
  window.once('ready-to-show', () => window.show());
  const contents = window.webContents;
  contents.on('will-navigate', (event, url) => guardNavigation(event, url, appOrigins));
  contents.on('will-frame-navigate', (event) => guardNavigation(event, event.url, appOrigins));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => handleWindowOpen(url, (u) => void shell.openExternal(u)));
  contents.on('preload-error', (_event, path, error) => console.error(`preload ${path} failed:`, error));
  void window.loadURL(startUrl);
  return window;
}
