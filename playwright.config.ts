import { defineConfig } from '@playwright/test';
import { findBrowser } from './scripts/browser.mjs';

/**
 * End-to-end tests. `web` drives the web mode (`denoise-studio serve`) in Chromium: CHROMIUM_PATH,
 * else Playwright's own, else the system's (scripts/browser.mjs; `npm run test:e2e` installs one
 * first where none is found); `electron` drives the desktop app through Playwright's _electron
 * and skips, saying so, where the Electron binary was not downloaded. One worker: the machines
 * this runs on are small and each spec trains a model.
 */
const browser = findBrowser();
if (browser && 'error' in browser) throw new Error(browser.error);
// Undefined leaves the choice to Playwright, whose own message then says how to install one.
const executablePath = browser?.path;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    headless: true,
    viewport: { width: 1024, height: 700 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath,
      // The closed network here refuses Chromium's background connections; these keep it quiet.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    },
  },
  projects: [
    { name: 'web', testMatch: /web\/.*\.spec\.ts/ },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts/ },
  ],
});
