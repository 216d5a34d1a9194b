import { describe, expect, it } from 'vitest';
import { canAptInstall, findBrowser, noBrowserMessage, systemCandidates } from './browser.mjs';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const existsIn = (paths: string[]) => (path: string) => paths.includes(path);

describe('finding a browser for the e2e tests', () => {
  const pw = '/home/me/.cache/ms-playwright/chromium-1/chrome-linux64/chrome';
  const candidates = ['/usr/bin/chromium', '/usr/bin/google-chrome'];

  it('takes CHROMIUM_PATH first, and reports one that names nothing instead of testing another browser', () => {
    const env = { CHROMIUM_PATH: '/opt/chrome/chrome' };
    expect(findBrowser({ env, exists: existsIn(['/opt/chrome/chrome', pw, '/usr/bin/chromium']), playwrightPath: pw, candidates })).toEqual({ path: '/opt/chrome/chrome', source: 'CHROMIUM_PATH' });
    expect(findBrowser({ env, exists: existsIn([pw, '/usr/bin/chromium']), playwrightPath: pw, candidates })).toEqual({ error: 'CHROMIUM_PATH=/opt/chrome/chrome does not exist' });
  });

  it("prefers Playwright's own Chromium to the system's once it is downloaded", () => {
    expect(findBrowser({ env: {}, exists: existsIn([pw, '/usr/bin/chromium']), playwrightPath: pw, candidates })).toEqual({ path: pw, source: 'playwright' });
    expect(findBrowser({ env: { CHROMIUM_PATH: '' }, exists: existsIn(['/usr/bin/google-chrome']), playwrightPath: pw, candidates })).toEqual({ path: '/usr/bin/google-chrome', source: 'system' });
  });

  it('returns null where there is no browser at all', () => {
    expect(findBrowser({ env: {}, exists: () => false, playwrightPath: pw, candidates })).toBeNull();
    expect(findBrowser({ env: {}, exists: () => true, playwrightPath: null, candidates: [] })).toBeNull();
  });

  it('looks where each platform installs Chrome or Chromium', () => {
    expect(systemCandidates('linux')).toContain('/usr/bin/chromium');
    expect(systemCandidates('darwin').every((p) => p.startsWith('/Applications/'))).toBe(true);
    expect(systemCandidates('win32', { PROGRAMFILES: 'C:\\Program Files' })[0]).toMatch(/Program Files.Google.Chrome.Application.chrome\.exe$/);
    expect(systemCandidates('win32', {})).toEqual([]);
  });
});

describe('installing one with apt-get', () => {
  const apt = existsIn(['/usr/bin/apt-get']);
  it('only as root on Debian itself (Ubuntu ships Chromium as a snap stub)', () => {
    expect(canAptInstall({ platform: 'linux', uid: 0, osRelease: DEBIAN, exists: apt })).toBe(true);
    expect(canAptInstall({ platform: 'linux', uid: 1000, osRelease: DEBIAN, exists: apt })).toBe(false);
    expect(canAptInstall({ platform: 'linux', uid: 0, osRelease: UBUNTU, exists: apt })).toBe(false);
    expect(canAptInstall({ platform: 'linux', uid: 0, osRelease: DEBIAN, exists: () => false })).toBe(false);
    expect(canAptInstall({ platform: 'darwin', uid: 0, osRelease: DEBIAN, exists: apt })).toBe(false);
  });
});

describe('the message when none can be had', () => {
  it('is one line naming the commands to run', () => {
    const line = noBrowserMessage('linux');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('npx playwright install chromium');
    expect(line).toContain('apt-get install chromium');
    expect(line).toContain('CHROMIUM_PATH');
    expect(noBrowserMessage('win32')).not.toContain('apt-get');
  });
});
