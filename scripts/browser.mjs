// Which Chromium the Playwright end-to-end tests drive. Shared by playwright.config.ts (find only)
// and scripts/e2e.mjs (find, else install, else one line saying what to run), so a fresh clone
// needs no browser set up by hand.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The command that fetches Playwright's own Chromium (needs access to Playwright's CDN). */
export const PLAYWRIGHT_INSTALL = 'npx playwright install chromium';

/** Installed browsers Playwright can drive, per platform, most specific first. */
export function systemCandidates(platform = process.platform, env = process.env) {
  switch (platform) {
    case 'linux':
      // Debian's package is `chromium`; Ubuntu's snap lands in /snap/bin.
      return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];
    case 'darwin':
      return ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];
    case 'win32': {
      const roots = [env['PROGRAMFILES'], env['PROGRAMFILES(X86)'], env['LOCALAPPDATA']].filter((r) => r !== undefined && r !== '');
      return roots.map((root) => join(root, 'Google', 'Chrome', 'Application', 'chrome.exe'));
    }
    default:
      return [];
  }
}

/** Where Playwright keeps its own Chromium (whether or not it has been downloaded). */
export function playwrightChromiumPath() {
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require('@playwright/test');
    return chromium.executablePath();
  } catch {
    return null;
  }
}

/**
 * The browser to use, or null. An explicit CHROMIUM_PATH wins (and is an error when it names
 * nothing: a typo must not silently test another browser); then Playwright's own Chromium, the
 * one its version is made for; then a system Chromium or Chrome.
 * @returns {{ path: string, source: 'CHROMIUM_PATH' | 'playwright' | 'system' } | { error: string } | null}
 */
export function findBrowser({
  env = process.env,
  exists = existsSync,
  playwrightPath = playwrightChromiumPath(),
  candidates = systemCandidates(process.platform, env),
} = {}) {
  const explicit = env['CHROMIUM_PATH'];
  if (explicit !== undefined && explicit !== '') {
    return exists(explicit) ? { path: explicit, source: 'CHROMIUM_PATH' } : { error: `CHROMIUM_PATH=${explicit} does not exist` };
  }
  if (playwrightPath && exists(playwrightPath)) return { path: playwrightPath, source: 'playwright' };
  const system = candidates.find((candidate) => exists(candidate));
  return system ? { path: system, source: 'system' } : null;
}

/** True where `apt-get install chromium` gives a working browser: root on Debian itself. */
export function canAptInstall({ platform = process.platform, uid = process.getuid?.(), osRelease = readOsRelease(), exists = existsSync } = {}) {
  return platform === 'linux' && uid === 0 && /^ID=("?)debian\1$/m.test(osRelease) && exists('/usr/bin/apt-get');
}

function readOsRelease() {
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return '';
  }
}

/** The one line printed when no browser can be had. */
export function noBrowserMessage(platform = process.platform) {
  const debian = platform === 'linux' ? ', or on Debian `sudo apt-get install chromium`' : '';
  return `e2e: no Chromium for the browser tests; run \`${PLAYWRIGHT_INSTALL}\`${debian}, or set CHROMIUM_PATH to a Chrome or Chromium executable, then npm test again.`;
}
