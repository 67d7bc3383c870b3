/**
 * Sharing results: the link made from the lab opens in a fresh browser (no IndexedDB, no model,
 * no GPU work) with the same numbers, offers to run the same sweep and to lay its results over
 * one's own; a selection too long for a link goes as a file, which opens again in QuantLab.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { LINK_SHARE_LIMIT } from '../src/results/link';
import { studyRecords } from '../test/results/studyFixture';
import { openLabWithoutModel, seedHistory } from './seed';

const tiny = studyRecords('quantlab-tiny');
const mini = studyRecords('quantlab-mini', '2026-12-01T12:00:00.000Z');
/** Perplexity and KL divergence of quantlab-tiny: a link that fits. */
const small = tiny.filter((r) => r.task.name === 'perplexity' || r.task.name === 'arc_easy');

/** Every metric cell of the results table: test id and full-precision value. */
async function numbers(page: Page): Promise<[string | null, string | null][]> {
  const cells = page.getByRole('table', { name: 'Results' }).locator('[data-value]');
  await expect(cells.first()).toBeVisible();
  return cells.evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-testid'), td.getAttribute('data-value')] as [string | null, string | null]).sort());
}

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

async function makeLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Share these results' }).click();
  return (await page.getByTestId('share-link').inputValue()).trim();
}

test('share, then open the link in a fresh browser: the same numbers, read-only, with nothing stored or loaded', async ({ page, browser }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, small);
  const mine = await numbers(page);
  const url = await makeLink(page);
  expect(url.length).toBeLessThanOrEqual(LINK_SHARE_LIMIT);
  await expect(page.getByText(/Link to 20 results, [\d,]+ characters/)).toBeVisible();

  const other = await freshPage(browser);
  const modelRequests: string[] = [];
  other.on('request', (r) => {
    if (r.url().includes('/models/')) modelRequests.push(r.url());
  });
  await other.goto(url);
  await expect(other.getByRole('heading', { name: /Shared result/ })).toBeVisible();
  expect(await numbers(other)).toEqual(mine);
  await expect(other.getByTestId('chart-bits-perplexity').locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  await expect(other.getByTestId('chart-proxy')).toBeVisible();
  expect(modelRequests).toEqual([]);
  expect(await other.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual([]);
  const scan = await new AxeBuilder({ page: other }).analyze();
  expect(scan.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await other.context().close();
});

test('a shared link laid over one’s own results, and run again here', async ({ page, browser }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, small);
  const url = await makeLink(page);

  // Someone with their own results (another model) opens the link and lays it over them.
  const other = await freshPage(browser);
  await openLabWithoutModel(other);
  await seedHistory(other, mini.filter((r) => r.task.name === 'perplexity' || r.task.name === 'arc_easy'));
  await other.goto(url);
  await other.getByRole('button', { name: 'Lay these results over yours' }).click();
  await expect(other.getByRole('heading', { name: 'Results', exact: true })).toBeVisible();
  await expect(other.getByRole('list', { name: 'Results laid over yours' })).toContainText('20 results from a shared link');
  await expect(other.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(20);
  await expect(other.getByTestId('chart-size')).toContainText('quantlab-tiny');
  await expect(other.getByTestId('chart-size')).toContainText('quantlab-mini');
  await other.getByRole('button', { name: /Remove/ }).click();
  await expect(other.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(10);

  // Run again: the sweep's presets are ticked in the lab.
  await other.goto(url);
  await other.getByRole('button', { name: 'Run this sweep again on this GPU' }).click();
  await expect(other.getByRole('status').filter({ hasText: "The shared sweep's presets are ticked" })).toBeVisible();
  const presets = other.locator('.preset-grid');
  for (const name of ['fp16', 'w4g128', 'w2g128', 'w4g128+kv4']) await expect(presets.getByRole('checkbox', { name, exact: true })).toBeChecked();
  await other.context().close();
});

test('past the link limit the results go as a file, which opens in another browser', async ({ page, browser }) => {
  await openLabWithoutModel(page);
  await seedHistory(page, [...tiny, ...mini]);
  for (const box of await page.getByRole('table', { name: 'History' }).getByRole('checkbox', { name: /Compare/ }).all()) await box.check();
  await expect(page.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(20);
  await page.getByRole('button', { name: 'Share these results' }).click();
  const offer = page.getByTestId('share-too-long');
  await expect(offer).toContainText(`more than most chats take (${LINK_SHARE_LIMIT.toLocaleString('en-US')})`);
  const [file] = await Promise.all([page.waitForEvent('download'), offer.getByRole('button', { name: 'Download the results as a file (JSON)' }).click()]);
  const path = (await file.path())!;

  const other = await freshPage(browser);
  await openLabWithoutModel(other);
  await other.getByLabel(/Open a results file/).setInputFiles({ name: 'from-a-colleague.json', mimeType: 'application/json', buffer: await (await import('node:fs/promises')).readFile(path) });
  await expect(other.getByRole('list', { name: 'Results laid over yours' })).toContainText('120 results from file from-a-colleague.json');
  await expect(other.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(20);
  const values = await other.getByTestId('perplexity-w4g128').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))).sort());
  const expected = [tiny, mini].map((rs) => rs.find((r) => r.preset.name === 'w4g128' && r.task.name === 'perplexity')!.metrics.perplexity).sort();
  expect(values).toEqual(expected);

  // A file that is not one says so.
  await other.getByLabel(/Open a results file/).setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something else"}') });
  await expect(other.getByRole('alert').filter({ hasText: 'This file cannot be opened: it is not a QuantLab bundle or history export.' })).toBeVisible();
  await other.context().close();
});
