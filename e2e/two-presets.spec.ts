/** Several presets in one go, run one after the other, compared in the table and the charts. */
import { expect, test } from '@playwright/test';
import { choosePresets, openLab, perplexityOf, runButton, setTask, waitForFinish, RUN_MS } from './lab';

test('fp16 and w4g128 in one run give two results, plotted', async ({ page }) => {
  test.setTimeout(2 * RUN_MS + 120_000);
  await openLab(page);
  await choosePresets(page, ['fp16', 'w4g128']);
  await setTask(page, 64, 2);
  await runButton(page).click();

  await expect(page.getByTestId('run-status')).toContainText('result 2 of 2', { timeout: RUN_MS });
  await waitForFinish(page, RUN_MS);
  await expect(page.getByTestId('run-status')).toHaveText('Finished: 2 results.');

  const fp16 = await perplexityOf(page, 'fp16');
  const w4 = await perplexityOf(page, 'w4g128');
  expect(fp16).toBeGreaterThan(1);
  expect(w4).toBeGreaterThan(1);
  // Rounding the weights to 4 bits changes the model: the same windows score differently.
  expect(w4).not.toBe(fp16);
  await expect(page.getByTestId('result-w4g128')).toContainText('4.19 bits');

  const pplChart = page.getByRole('figure', { name: 'Perplexity against effective bits per weight (lower is better)' });
  await expect(pplChart.locator('.recharts-scatter-symbol')).toHaveCount(2);
  const paretoChart = page.getByRole('figure', { name: /^perplexity against scoring speed, with the Pareto front/ });
  await expect(paretoChart.getByTestId('pareto-front')).toContainText('On the front');
  // Weights, KV cache and scratch of each preset, stacked.
  const memoryChart = page.getByRole('figure', { name: 'GPU memory per preset (MB, lower is better)' });
  await expect(memoryChart.locator('.recharts-bar-rectangle')).toHaveCount(6);
});
