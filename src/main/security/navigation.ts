import { isAllowedOrigin, parseUrl } from './origin';

/**
 * Navigation and new-window policy (checklist items 13-15): the app's pages may only navigate
 * within the app's own origin; every window.open is denied, and an https link to an
 * allow-listed host is handed to the system browser instead.
 */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'www.tensorflow.org', 'www.electronjs.org'];

export function isAllowedNavigation(target: string, appOrigins: readonly string[]): boolean {
  return isAllowedOrigin(target, appOrigins);
}

/** Only https, only allow-listed hosts, no credentials in the URL. */
export function isAllowedExternal(target: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  const url = parseUrl(target);
  if (!url || url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  return hosts.includes(url.hostname.toLowerCase());
}

export interface NavigationEventLike {
  preventDefault(): void;
}

/** The will-navigate / will-frame-navigate listener: blocks anything that leaves the app. */
export function guardNavigation(event: NavigationEventLike, target: string, appOrigins: readonly string[]): boolean {
  if (isAllowedNavigation(target, appOrigins)) return true;
  event.preventDefault();
  return false;
}

/** The setWindowOpenHandler body: never a new Electron window; allow-listed links open outside. */
export function handleWindowOpen(target: string, openExternal: (url: string) => void): { action: 'deny' } {
  if (isAllowedExternal(target)) openExternal(target);
  return { action: 'deny' };
}
