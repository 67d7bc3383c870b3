/** A benchmark file the user has, imported into this browser: its task appears, runs, and goes when the dataset is deleted. */
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { choosePresets, chooseTasks, openLab, runButton, setItems, storedRecords, waitForFinish, RUN_MS } from './lab';

// The authors' original file (../shared/datasets/README.md gives its source); never copied into the repo.
const ARC_EASY = resolve('../shared/datasets/arc-easy/ARC-Easy-Test.jsonl');

test('an imported ARC-Easy file offers arc_easy, which runs on two items, and deleting it takes the task away', async ({ page }) => {
  test.setTimeout(2 * RUN_MS);
  await openLab(page);
  await expect(page.getByRole('checkbox', { name: 'arc_easy', exact: true })).toHaveCount(0);

  await page.getByRole('combobox', { name: 'Dataset', exact: true }).selectOption('arc_easy');
  await page.getByLabel('From files on this computer (or drop them here)').setInputFiles(ARC_EASY);
  await expect(page.getByTestId('import-status')).toContainText('Stored arc_easy: 2,376 rows', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-arc_easy')).toContainText('ARC-Easy-Test.jsonl');

  await choosePresets(page, ['fp16']);
  await chooseTasks(page, ['arc_easy']);
  await setItems(page, 'arc_easy', 2);
  await runButton(page).click();
  await waitForFinish(page, RUN_MS);
  const [record] = await storedRecords(page);
  expect(record.task.name).toBe('arc_easy');
  expect(record.metrics.acc).toBeGreaterThanOrEqual(0);

  await page.getByRole('button', { name: 'Delete arc_easy' }).click();
  await expect(page.getByTestId('dataset-arc_easy')).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'arc_easy', exact: true })).toHaveCount(0);
});
