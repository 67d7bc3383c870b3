/** A reload in the middle of a sweep: the finished result stays, and Resume runs only what is left, from its checkpoint. */
import { expect, test } from '@playwright/test';
import { choosePresets, chooseTasks, openLab, runButton, setTask, storedRecords, waitForFinish, RUN_MS } from './lab';

test('reloading mid-sweep and pressing Resume finishes the same sweep', async ({ page }) => {
  test.setTimeout(3 * RUN_MS);
  await openLab(page);
  await choosePresets(page, ['fp16', 'w4g128']);
  await chooseTasks(page, ['perplexity']);
  await setTask(page, 64, 3);
  await runButton(page).click();

  // fp16 finished and w4g128 part-way: reload then.
  await expect(page.getByTestId('run-progress')).toContainText(/w4g128 on perplexity: [12] of 3 windows/, { timeout: 2 * RUN_MS });
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('is ready', { timeout: RUN_MS });
  const unfinished = page.getByTestId('unfinished-run');
  await expect(unfinished).toContainText('fp16, w4g128 x perplexity on quantlab-tiny: 1 of 2 results finished');

  await unfinished.getByRole('button', { name: /Resume/ }).click();
  await waitForFinish(page, RUN_MS);
  await expect(page.getByTestId('run-status')).toHaveText('Finished: 1 result.');
  await expect(page.getByTestId('unfinished-run')).toHaveCount(0);
  const records = await storedRecords(page);
  // Three windows, each scoring positions 32..62: 3 x 31 tokens, none counted twice.
  expect(records.find((r) => r.preset.name === 'w4g128')!.metrics.tokens).toBe(93);
  expect(records.map((r) => r.preset.name).sort()).toEqual(['fp16', 'w4g128']);
  expect(new Set(records.map((r) => r.sweep)).size).toBe(1);
});
