/** The study as a person runs it: three presets x two tasks in one sweep, results in the table, kept in history as one sweep. */
import { expect, test } from '@playwright/test';
import { choosePresets, chooseTasks, openLab, runButton, setItems, setTask, storedRecords, waitForFinish, RUN_MS } from './lab';

test('three presets x two tasks run as one sweep and give six results', async ({ page }) => {
  test.setTimeout(4 * RUN_MS);
  await openLab(page);
  await expect(page.getByTestId('device-panel')).toContainText('swiftshader');
  await expect(page.getByTestId('feature-shader-f16')).toContainText('no');

  await choosePresets(page, ['fp16', 'w8g128', 'w4g128']);
  await expect(page.getByTestId('preset-row-w4g128')).toContainText('4.19 bits');
  await chooseTasks(page, ['perplexity', 'quantlab_lastword']);
  await setTask(page, 64, 1);
  await setItems(page, 'quantlab_lastword', 3);
  await runButton(page).click();

  await expect(page.getByRole('progressbar', { name: 'Results finished' })).toBeVisible();
  await expect(page.getByTestId('run-progress')).toContainText(/on quantlab_lastword: \d of 3 items/, { timeout: RUN_MS });
  await waitForFinish(page, 3 * RUN_MS);
  await expect(page.getByTestId('run-status')).toHaveText('Finished: 6 results.');

  // Every record in IndexedDB is a schema-2 record of the one sweep.
  const records = await storedRecords(page);
  expect(records).toHaveLength(6);
  expect(new Set(records.map((r) => r.schema))).toEqual(new Set([2]));
  expect(new Set(records.map((r) => r.sweep)).size).toBe(1);
  expect(records.map((r) => `${r.preset.name} ${r.task.name}`).sort()).toEqual(
    ['fp16', 'w4g128', 'w8g128'].flatMap((p) => [`${p} perplexity`, `${p} quantlab_lastword`]).sort(),
  );
  await expect(page.getByTestId('perplexity-w4g128')).toHaveAttribute('data-value', /^\d+(\.\d+)?(e[-+]?\d+)?$/);
});
