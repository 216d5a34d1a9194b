import { isAllowedOrigin } from './origin';

/**
 * The check every IPC handler runs before looking at a payload (Electron checklist item 17, as
 * VS Code and electron/fiddle do it): the message must come from the top frame (not an
 * iframe), that frame must show the app's own origin, and its webContents must belong to one
 * of the app's windows. Types are structural so the check is unit-tested without Electron.
 */
export interface SenderFrameLike {
  url: string;
  parent: unknown;
}

export interface IpcEventLike {
  senderFrame: SenderFrameLike | null | undefined;
  sender: unknown;
}

export interface SenderPolicy {
  /** Origins the app's pages are served from: app://bundle, plus the dev server in development. */
  allowedOrigins: readonly string[];
  /** Whether this webContents belongs to one of our BrowserWindows. */
  isOwnWebContents: (sender: unknown) => boolean;
}

export function isTrustedSender(event: IpcEventLike, policy: SenderPolicy): boolean {
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed
  if (frame.parent !== null && frame.parent !== undefined) return false;
  if (!isAllowedOrigin(frame.url, policy.allowedOrigins)) return false;
  return policy.isOwnWebContents(event.sender);
}
