import { BrowserWindow, ipcMain, type WebContents } from 'electron';
import { CHANNELS, DROP_CHANNEL } from '../shared/contract';
import { toErrorInfo } from '../shared/errors';
import type { AppHost } from '../host/app-host';
import { isTrustedSender } from './security/ipc-guard';

/**
 * One ipcMain.handle per contract channel. Each checks the sender first (top frame of one of
 * our windows, on the app's origin), then hands the raw payload to the host, which validates
 * it with the channel's schema before any handler runs. Results cross as Result<T> values.
 */
export function setupIpc(host: AppHost, appOrigins: readonly string[]): void {
  const isOwnWebContents = (sender: unknown): boolean =>
    BrowserWindow.getAllWindows().some((w) => !w.isDestroyed() && w.webContents === (sender as WebContents));
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      if (!isTrustedSender(event, { allowedOrigins: appOrigins, isOwnWebContents })) {
        return { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: 'Refused: the request did not come from the app window' } };
      }
      return host.dispatch(channel, request);
    });
  }
  // Not a contract channel: only the preload's `grantDropped(file)` sends it, with the path
  // Electron gives for a File the user really dropped (a page cannot make one with a path).
  ipcMain.handle(DROP_CHANNEL, async (event, path: unknown) => {
    if (!isTrustedSender(event, { allowedOrigins: appOrigins, isOwnWebContents })) {
      return { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: 'Refused: the request did not come from the app window' } };
    }
    if (typeof path !== 'string') return { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: 'The dropped item has no path on disk' } };
    return host.grantDropped(path).then(
      (value) => ({ ok: true, value }),
      (err: unknown) => ({ ok: false, error: toErrorInfo(err) }),
    );
  });
}

/** Sends a contract event to every app window. */
export function broadcast(event: string, payload: unknown): void {
  for (const window of BrowserWindow.getAllWindows()) {
    if (!window.isDestroyed()) window.webContents.send(`event:${event}`, payload);
  }
}
