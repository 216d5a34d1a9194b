import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests. `web` drives the web mode (`denoise-studio serve`) in Debian's Chromium;
 * `electron` drives the desktop app through Playwright's _electron and skips, saying so, where
 * the Electron binary was not downloaded. One worker: the machines this runs on are small and
 * each spec trains a model.
 */
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

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
      executablePath: chromium,
      // The closed network here refuses Chromium's background connections; these keep it quiet.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    },
  },
  projects: [
    { name: 'web', testMatch: /web\/.*\.spec\.ts/ },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts/ },
  ],
});
