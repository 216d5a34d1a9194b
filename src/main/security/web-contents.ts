import { guardNavigation, handleWindowOpen, type NavigationEventLike } from './navigation';

/**
 * The rules every webContents gets, applied from `app.on('web-contents-created')` so that none
 * escapes them: the main window, a sub-frame's navigation, a devtools page, anything a future
 * feature opens (checklist items 12-14). `will-frame-navigate` covers every frame, the main one
 * included; `will-navigate` stays for the main frame's renderer-initiated moves.
 */
export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: NavigationEventLike, url: string) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEventLike & { url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: NavigationEventLike) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface AppLike {
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
}

export function hardenWebContents(contents: WebContentsLike, appOrigins: readonly string[], openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => guardNavigation(event, url, appOrigins));
  contents.on('will-frame-navigate', (event) => guardNavigation(event, event.url, appOrigins));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => handleWindowOpen(url, openExternal));
}

/** Call before the first window exists: contents created earlier would miss the rules. */
export function setupWebContentsHardening(app: AppLike, appOrigins: readonly string[], openExternal: (url: string) => void): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, appOrigins, openExternal));
}
