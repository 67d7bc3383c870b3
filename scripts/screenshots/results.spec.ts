/**
 * Writes docs/screenshots/*.png: the results of a study of quantlab-tiny and quantlab-mini over
 * ten presets (test/results/studyFixture.ts: quantlab-tiny's perplexity, speed and memory as
 * measured on an H100, the rest modelled from them), seeded into the history as a run stores it,
 * both sweeps compared. Run with `npm run screenshots`.
 */
import { expect, test } from '@playwright/test';
import { studyRecords } from '../../test/results/studyFixture';
import { openLabWithoutModel, seedHistory } from '../../e2e/seed';

const OUT = 'docs/screenshots';

test('results page and charts', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openLabWithoutModel(page);
  await seedHistory(page, [...studyRecords('quantlab-tiny'), ...studyRecords('quantlab-mini', '2026-12-01T12:00:00.000Z')]);
  const results = page.locator('section[aria-labelledby="results-heading"]');

  // One model first: the table against its 16-bit row.
  await page.getByRole('table', { name: 'History' }).getByRole('button', { name: /^Show/ }).nth(1).click();
  await expect(page.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(10);
  await page.getByRole('table', { name: 'Results' }).screenshot({ path: `${OUT}/results-table.png` });
  for (const chart of ['bits-accuracy', 'bits-perplexity', 'bits-kld', 'pareto', 'memory', 'proxy']) {
    const figure = page.getByTestId(`chart-${chart}`);
    await expect(figure.locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
    await figure.screenshot({ path: `${OUT}/chart-${chart}.png` });
  }

  // Both models: the size chart and the whole page.
  for (const box of await page.getByRole('table', { name: 'History' }).getByRole('checkbox', { name: /Compare/ }).all()) await box.check();
  await expect(page.getByTestId('chart-size').locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  await page.getByTestId('chart-size').screenshot({ path: `${OUT}/chart-size.png` });
  await results.screenshot({ path: `${OUT}/results-page.png` });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Show the newest results' }).click();
  await page.getByTestId('chart-pareto').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${OUT}/results-390px.png` });
});
