/**
 * The results side of the page without running the model: sweeps seeded into IndexedDB as the
 * history stores them (test/results/studyFixture.ts), then read, compared, sorted, hovered,
 * exported, deleted and paged as a person would.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { spearman } from '../src/app/results/analysis';
import { studyRecords } from '../test/results/studyFixture';
import { sweepRecords } from '../test/results/sweepFixture';
import { openLabWithoutModel, seedHistory, seedUnreadable } from './seed';

const tiny = studyRecords('quantlab-tiny');
const mini = studyRecords('quantlab-mini', '2026-12-01T12:00:00.000Z');

function results(page: Page) {
  return page.getByRole('table', { name: 'Results' });
}

function metricOf(records: typeof tiny, preset: string, task: string, metric: string): number {
  return records.find((r) => r.preset.name === preset && r.task.name === task)!.metrics[metric];
}

async function expectNoOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: document.documentElement.clientWidth }));
  expect(widths.page, 'the page is no wider than the window').toBeLessThanOrEqual(widths.window);
}

test('a stored sweep: the table against 16-bit with the best marked, every chart, sorting by keyboard, the exact record on hover', async ({ page }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, tiny);
  await expect(results(page).locator('tbody tr')).toHaveCount(10);
  await expect(page.getByTestId('perplexity-w4g128')).toHaveAttribute('data-value', String(metricOf(tiny, 'w4g128', 'perplexity', 'perplexity')));
  await expect(page.getByTestId('arc_easy-w2g128')).toHaveAttribute('data-value', String(metricOf(tiny, 'w2g128', 'arc_easy', 'acc')));
  const cellOf = (testId: string) => page.locator('td', { has: page.getByTestId(testId) });
  await expect(cellOf('arc_easy-w2g128')).toContainText('points vs 16-bit');
  await expect(cellOf('perplexity-fp16')).toContainText('baseline');
  await expect(cellOf('perplexity-fp16')).toContainText('1.2722 bits/byte, 22,950 tokens');
  // The best perplexity is quantlab-tiny's lowest, the fastest decode kv4's.
  await expect(cellOf(`perplexity-${lowestPreset()}`)).toContainText('best in this column');
  await expect(cellOf('speed-kv4')).toContainText('best in this column');
  for (const chart of ['bits-perplexity', 'bits-kld', 'bits-speed', 'bits-accuracy', 'pareto', 'memory', 'proxy']) {
    await expect(page.getByTestId(`chart-${chart}`).locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  }
  const ppl = tiny.filter((r) => r.task.name === 'perplexity').map((r) => r.metrics.perplexity);
  const arc = tiny.filter((r) => r.task.name === 'arc_easy').map((r) => r.metrics.acc);
  expect(Number(await page.getByTestId('spearman-arc_easy').getAttribute('data-value'))).toBeCloseTo(spearman(ppl, arc), 12);
  await expect(page.getByTestId('pareto-front')).toContainText('kv4');

  // Sorting by the keyboard: focus the column title, press Enter.
  const header = page.getByRole('button', { name: /^perplexity: perplexity/ });
  await header.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('columnheader', { name: /^perplexity: perplexity/ })).toHaveAttribute('aria-sort', 'ascending');
  await expect(results(page).locator('tbody tr').first()).toHaveAttribute('data-testid', `result-${lowestPreset()}`);
  await page.keyboard.press('Enter');
  await expect(results(page).locator('tbody tr').first()).toHaveAttribute('data-testid', 'result-w2g128');

  // Hover: the exact record under the pointer.
  await page.getByTestId('chart-bits-perplexity').locator('.recharts-scatter-symbol').first().hover();
  await expect(page.locator('.chart-tooltip')).toContainText(/record study-quantlab-tiny-\d+/);
  await expectNoOverflow(page);
});

function lowestPreset(): string {
  const p = tiny.filter((r) => r.task.name === 'perplexity').sort((a, b) => a.metrics.perplexity - b.metrics.perplexity)[0];
  return p.preset.name;
}

test('two sweeps overlaid: two models side by side, and the size chart across them', async ({ page }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, [...tiny, ...mini]);
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  await history.getByRole('checkbox', { name: /Compare/ }).nth(0).check();
  await history.getByRole('checkbox', { name: /Compare/ }).nth(1).check();
  await expect(results(page).locator('tbody tr')).toHaveCount(20);
  await expect(page.getByRole('columnheader', { name: 'Model and GPU' })).toBeVisible();
  const size = page.getByTestId('chart-size');
  await expect(size.locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  await expect(size).toContainText('quantlab-tiny (26.7 million parameters)');
  await expect(size).toContainText('quantlab-mini (6.9 million parameters)');
  // Untick one: back to one model.
  await history.getByRole('checkbox', { name: /Compare/ }).nth(0).uncheck();
  await expect(results(page).locator('tbody tr')).toHaveCount(10);
});

test('a chart saves as SVG and as PNG', async ({ page }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, tiny);
  const chart = page.getByTestId('chart-memory');
  const [svg] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: /Save as SVG/ }).click()]);
  expect(svg.suggestedFilename()).toBe('quantlab-memory.svg');
  const text = await readFile((await svg.path())!, 'utf8');
  expect(text).toContain('<svg');
  expect(text).toContain('GPU memory per preset (MB, lower is better)');
  expect(text).toContain('KV cache (MB)');
  const [png] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: /Save as PNG/ }).click()]);
  const bytes = await readFile((await png.path())!);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('10,000 stored records: the history reads a page of sweeps, pages on, and deletes', async ({ page }) => {
  test.setTimeout(180_000);
  await openLabWithoutModel(page);
  const sweep = sweepRecords(61);
  expect(await seedHistory(page, sweep, 250)).toBe(10_000);
  const history = page.getByRole('table', { name: 'History' });
  await expect(page.getByTestId('history-range')).toHaveText('Sweeps 1–10 of 250');
  await expect(history.locator('tbody tr')).toHaveCount(10);
  await expect(results(page).locator('tbody tr')).toHaveCount(10);
  const elements = await page.evaluate(() => document.querySelectorAll('*').length);
  console.log(`10,000 stored records: ${elements} elements on the page`);
  expect(elements).toBeLessThan(8000);
  await page.getByRole('button', { name: 'Older sweeps' }).click();
  await expect(page.getByTestId('history-range')).toHaveText('Sweeps 11–20 of 250');
  await expect(history.locator('tbody tr')).toHaveCount(10);
  await history.getByRole('button', { name: /^Delete/ }).first().click();
  await expect(page.getByTestId('history-range')).toHaveText('Sweeps 11–20 of 249');
  await page.getByRole('button', { name: 'Newer sweeps' }).click();
  await expect(page.getByTestId('history-range')).toHaveText('Sweeps 1–10 of 249');
  // Show reads one sweep by its index.
  await history.getByRole('button', { name: /^Show/ }).nth(3).click();
  await expect(page.getByText('One sweep picked in History below.')).toBeVisible();
  await expect(results(page).locator('tbody tr')).toHaveCount(10);
});

test('an unreadable stored entry can be inspected and deleted', async ({ page }) => {
  await openLabWithoutModel(page);
  await seedUnreadable(page, 'broken1', { schema: 2, id: 'broken1', metrics: { perplexity: 'NaN' } }, ['metrics.perplexity: Invalid input: expected number, received string']);
  const entry = page.getByTestId('unreadable');
  await expect(entry).toContainText('1 stored entry cannot be read');
  await entry.locator('summary').click();
  await expect(entry).toContainText('expected number, received string');
  await expect(entry.locator('code')).toContainText('"perplexity":"NaN"');
  await entry.getByRole('button', { name: /Delete/ }).click();
  await expect(page.getByTestId('unreadable')).toHaveCount(0);
});

test('at 390 px wide the results and charts fit the window', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openLabWithoutModel(page);
  await seedHistory(page, [...tiny, ...mini]);
  await expect(results(page).locator('tbody tr')).toHaveCount(10);
  await expect(page.getByTestId('chart-pareto').locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  // Results and History (the run side's panels have tests of their own).
  for (const heading of ['results-heading', 'history-heading']) {
    const fits = await page.locator(`section[aria-labelledby="${heading}"]`).evaluate((s) => ({ right: s.getBoundingClientRect().right, scroll: s.scrollWidth, client: s.clientWidth }));
    expect(fits.right, heading).toBeLessThanOrEqual(390);
    expect(fits.scroll, heading).toBeLessThanOrEqual(fits.client);
  }
});

test('axe finds no accessibility violations on the lab with results and charts', async ({ page }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, [...tiny, ...mini]);
  for (const box of await page.getByRole('table', { name: 'History' }).getByRole('checkbox', { name: /Compare/ }).all()) await box.check();
  await expect(page.getByTestId('chart-size').locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  const scan = await new AxeBuilder({ page }).analyze();
  expect(scan.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);
});
