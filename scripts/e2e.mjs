#!/usr/bin/env node
// `npm run test:e2e`: find a Chromium, or install one where this machine allows (Playwright's
// own from its CDN; Debian's package where we are root on Debian), then run Playwright with it.
// Where none can be had it stops with one line saying what to run, instead of a wall of
// "executable doesn't exist" failures. Extra arguments go to `playwright test`.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { canAptInstall, findBrowser, noBrowserMessage, PLAYWRIGHT_INSTALL } from './browser.mjs';

const require = createRequire(import.meta.url);
const playwrightCli = require.resolve('@playwright/test/cli');
const LOG = 'test-results/browser-setup.log';

/** Runs one install step with its output in the log, not on the screen. */
function attempt(command, args, env = process.env) {
  mkdirSync('test-results', { recursive: true });
  // 15 minutes: a slow line fetching ~170 MB, never an install that hangs for ever.
  const result = spawnSync(command, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  appendFileSync(LOG, `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}\nexit ${result.status}\n\n`);
  return result.status === 0;
}

let found = findBrowser();
if (found && 'error' in found) {
  console.error(`e2e: ${found.error}; point it at a Chrome or Chromium executable, or unset it to let the tests find or install one.`);
  process.exit(1);
}
if (!found && process.env['PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD'] !== '1') {
  console.log(`e2e: no Chromium found; trying \`${PLAYWRIGHT_INSTALL}\` (output in ${LOG})`);
  attempt(process.execPath, [playwrightCli, 'install', 'chromium']);
  found = findBrowser();
}
if (!found && canAptInstall()) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for another apt (unattended upgrades, a second install) instead of failing on its lock.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  console.log(`e2e: no Chromium found; trying \`apt-get install chromium\` (output in ${LOG})`);
  if (attempt('apt-get', [...lock, 'update', '-qq'], env)) attempt('apt-get', [...lock, 'install', '-y', '-qq', 'chromium'], env);
  found = findBrowser();
}
if (!found || 'error' in found) {
  console.error(noBrowserMessage());
  process.exit(1);
}

console.log(`e2e: Chromium from ${found.source}: ${found.path}`);
const run = spawnSync(process.execPath, [playwrightCli, 'test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: found.path },
});
process.exit(run.status ?? 1);
