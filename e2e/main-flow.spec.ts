/**
 * A new user's first visit, then what they get to keep: the result after a
 * reload, and a link that shows it to someone else.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  choosePresets,
  cliMetrics,
  perplexityCell,
  perplexityOf,
  relativeDifference,
  runButton,
  setTask,
  storedRecords,
  waitForFinish,
  MODEL_READY_MS,
} from './lab';

test.describe.serial('a first visit', () => {
  let context: BrowserContext;
  let page: Page;
  let measured = 0;

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  test.afterAll(async () => {
    await context.close();
  });

  test('fp16 on two windows of 128 tokens gives the command line perplexity', async () => {
    test.setTimeout(420_000);
    // `quantlab eval --model default --preset fp16 --task perplexity --ctx 128 --limit 2 --json`
    const cli = cliMetrics(128, 2);

    await page.goto('/');
    await expect(page.getByRole('radio', { name: /Built-in: quantlab-tiny/ })).toBeChecked();
    await expect(page.getByTestId('model-status')).toContainText('quantlab-tiny is ready', { timeout: MODEL_READY_MS });

    await choosePresets(page, ['fp16']);
    await setTask(page, 128, 2);
    await expect(page.locator('#task-help')).toContainText('2 windows of 128 tokens');
    await runButton(page).click();

    await expect(page.getByRole('progressbar', { name: 'Loading weights' })).toBeVisible();
    await expect(page.getByRole('progressbar', { name: 'Scoring windows' })).toBeVisible();
    await expect(page.getByTestId('run-status')).toContainText('Running fp16');
    await waitForFinish(page, 300_000);

    measured = await perplexityOf(page, 'fp16');
    expect(measured).toBeGreaterThan(1);
    await expect(perplexityCell(page, 'fp16')).toHaveAttribute('data-value', /^\d+(\.\d+)?(e[-+]?\d+)?$/);
    // Two windows, each scoring positions 64..126: 2 x 63 tokens.
    const [record] = await storedRecords(page);
    expect(record.metrics.tokens).toBe(126);

    const reference = await cli;
    expect(relativeDifference(measured, reference.perplexity)).toBeLessThan(1e-4);
  });

  test('the result is still there after a reload, and exports as JSON', async () => {
    await page.reload();
    await expect(perplexityCell(page, 'fp16')).toHaveAttribute('data-value', String(measured));
    await expect(page.getByRole('table', { name: 'History' }).getByRole('row')).toHaveCount(2);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export history as JSON' }).click();
    const exported = JSON.parse(await readFile(await (await download).path(), 'utf8'));
    expect(exported.format).toBe('quantlab-history');
    expect(exported.records).toHaveLength(1);
    expect(exported.records[0].metrics.perplexity).toBe(measured);
  });

  test('its link shows the same result in a fresh browser, and an edited link says it is damaged', async ({ browser }) => {
    await page.getByRole('button', { name: 'Share these results' }).click();
    const link = await page.getByTestId('share-link').inputValue();
    expect(link).toMatch(/#results=2\.[A-Za-z0-9_-]+$/);

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    await other.goto(link);
    await expect(other.getByRole('heading', { name: /Shared result/ })).toBeVisible();
    await expect(other.getByText('shared link, read-only')).toBeVisible();
    await expect(perplexityCell(other, 'fp16')).toHaveAttribute('data-value', String(measured));
    // Read-only: nothing to run, and the lab did not start.
    await expect(runButton(other)).toHaveCount(0);

    const payload = link.slice(link.indexOf('#results=2.') + '#results=2.'.length);
    const middle = Math.floor(payload.length / 2);
    const edited = payload.slice(0, middle) + (payload[middle] === 'A' ? 'B' : 'A') + payload.slice(middle + 1);
    await other.goto(link.replace(payload, edited));
    await expect(other.getByTestId('damaged-link')).toContainText('This link is damaged:');
    await expect(perplexityCell(other, 'fp16')).toHaveCount(0);

    await other.goto(link.replace(payload, payload.slice(0, 40)));
    await expect(other.getByTestId('damaged-link')).toContainText('This link is damaged:');
    await fresh.close();
  });
});
