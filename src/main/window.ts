import { BrowserWindow } from 'electron';
import { join } from 'node:path';

/**
 * The one app window. Security settings are explicit even where they are Electron's defaults,
 * so a reader (and the e2e security spec) sees them here. Navigation, window.open and <webview>
 * are guarded for every webContents, this one's included, by security/web-contents.ts.
 */
export function createMainWindow(startUrl: string, isDev: boolean): BrowserWindow {
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
  window.webContents.on('preload-error', (_event, path, error) => console.error(`preload ${path} failed:`, error));
  void window.loadURL(startUrl);
  return window;
}
