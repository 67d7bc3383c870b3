/** Stopping a run, and picking it up again after a reload from the windows already scored. */
import { expect, test } from '@playwright/test';
import {
  choosePresets,
  cliMetrics,
  openLab,
  perplexityCell,
  perplexityOf,
  relativeDifference,
  runButton,
  setTask,
  storedRecords,
  waitForFinish,
  RUN_MS,
} from './lab';

test('Cancel stops the run, the page stays usable, and the run resumes after a reload', async ({ page }) => {
  test.setTimeout(2 * RUN_MS + 120_000);
  // The same three windows, uninterrupted: what the resumed run must come to.
  const cli = cliMetrics(64, 3);
  await openLab(page);
  await choosePresets(page, ['fp16']);
  await setTask(page, 64, 3);
  await runButton(page).click();

  // Once a window is scored it is stored; cancel then.
  await expect(page.getByTestId('run-progress')).toContainText(/[12] of 3 windows/, { timeout: RUN_MS });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('run-status')).toContainText('Cancelled', { timeout: 30_000 });
  await expect(page.getByTestId('run-progress')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeDisabled();
  await expect(perplexityCell(page, 'fp16')).toHaveCount(0);

  // The page is still usable: the engine (replaced if it did not stop in time) has the model open, and the form answers.
  await expect(page.getByTestId('model-status')).toContainText('quantlab-tiny is ready', { timeout: RUN_MS });
  await expect(runButton(page)).toBeEnabled();
  await setTask(page, 64, 2);
  await expect(page.locator('#task-help')).toContainText('2 windows of 64 tokens');

  // What was scored survives a reload.
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('is ready', { timeout: RUN_MS });
  const unfinished = page.getByTestId('unfinished-run');
  await expect(unfinished).toHaveCount(1);
  await expect(unfinished).toContainText('fp16 x perplexity on quantlab-tiny: 0 of 1 results finished');

  await unfinished.getByRole('button', { name: /Resume/ }).click();
  await waitForFinish(page, RUN_MS);
  // Three windows, each scoring positions 32..62: 3 x 31 tokens.
  const [record] = await storedRecords(page);
  expect(record.metrics.tokens).toBe(93);
  await expect(page.getByTestId('unfinished-run')).toHaveCount(0);

  const reference = await cli;
  expect(relativeDifference(await perplexityOf(page, 'fp16'), reference.perplexity)).toBeLessThan(1e-4);
  expect(relativeDifference(record.metrics.bits_per_byte, reference.bits_per_byte)).toBeLessThan(1e-4);
});
