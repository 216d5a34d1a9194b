import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/web-server';

/**
 * The Explore view's 2-D lab in the browser: a DAE on the spiral shows its vector field, a CAE
 * its Jacobian ellipses, a VAE its decoded prior samples, and the side-by-side mode two rows.
 * Screenshots go to test-results/screenshots/explore-*.png (app.spec.ts empties the folder
 * when it runs first; this spec only adds to it).
 */
test.describe.configure({ mode: 'serial' });

const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

let page: Page;

test.beforeAll(async ({ browser, server }) => {
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(server.url);
  await expect(page.getByTestId('backend-badge')).toContainText(/CPU|GPU/, { timeout: 60_000 });
  await page.getByTestId('nav-explore').click();
});

test.afterAll(async () => {
  await page?.close();
});

async function train(kind: string, data: string, steps: number, versus = ''): Promise<void> {
  await page.getByTestId('explore-kind').selectOption(kind);
  await page.getByTestId('explore-versus').selectOption(versus);
  await page.getByTestId('explore-data').selectOption(data);
  await page.getByTestId('explore-steps').fill(String(steps));
  await page.getByTestId('explore-run').click();
  // Frames arrive while it trains; the last one says done.
  await expect(page.getByTestId('explore-status')).toContainText('(done)', { timeout: 240_000 });
}

test('a DAE on the spiral shows its vector field, redrawn as it trains', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('explore-kind').selectOption('dae');
  await page.getByTestId('explore-data').selectOption('spiral');
  await page.getByTestId('explore-steps').fill('1200');
  await page.getByTestId('explore-run').click();
  // A first frame before the end: the plots redraw live.
  await expect(page.getByTestId('explore-status')).toContainText(/step \d+ \/ 1200/, { timeout: 120_000 });
  await expect(page.getByTestId('explore-status')).toContainText('(done)', { timeout: 240_000 });
  const field = page.getByTestId('explore-plot-dae-field');
  await expect(field).toBeVisible();
  // Arrows are paths in the SVG: one per grid point off the data (21 x 21 grid).
  expect(await field.locator('path').count()).toBeGreaterThan(200);
  await field.scrollIntoViewIfNeeded();
  await field.screenshot({ path: `${SHOTS}/explore-dae-field.png` });
  await page.screenshot({ path: `${SHOTS}/explore-dae.png`, fullPage: true });
});

test("a CAE shows its encoder's contraction as ellipses", async () => {
  test.setTimeout(300_000);
  await train('cae', 'circle', 800);
  const plot = page.getByTestId('explore-plot-cae-contraction');
  await expect(plot).toBeVisible();
  expect(await plot.locator('ellipse').count()).toBe(13 * 13);
  await plot.scrollIntoViewIfNeeded();
  await plot.screenshot({ path: `${SHOTS}/explore-cae-contraction.png` });
});

test('a VAE shows decoded prior samples, and side by side with an AAE shows two rows', async () => {
  test.setTimeout(400_000);
  await train('vae', 'moons', 800, 'aae');
  const vae = page.getByTestId('explore-plot-vae-samples');
  const aae = page.getByTestId('explore-plot-aae-samples');
  await expect(vae).toBeVisible();
  await expect(aae).toBeVisible();
  expect(await vae.locator('circle').count()).toBeGreaterThan(500);
  await vae.scrollIntoViewIfNeeded();
  await vae.screenshot({ path: `${SHOTS}/explore-vae-samples.png` });
  await page.screenshot({ path: `${SHOTS}/explore-side-by-side.png`, fullPage: true });
});
