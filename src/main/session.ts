import type { Session } from 'electron';
import { developmentCsp } from './security/csp';

/** Permission requests and checks are both denied (checklist item 5: by default all are granted). */
export function setupPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** In development the page comes from Vite's server, so its CSP is added as a response header here. */
export function setupDevelopmentCsp(session: Session, devServer: string): void {
  const policy = developmentCsp(new URL(devServer).origin);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}
