/** A benchmark file the user has, imported into this browser: its task appears, runs, and goes when the dataset is deleted. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { choosePresets, chooseTasks, openLab, runButton, setItems, storedRecords, waitForFinish, RUN_MS } from './lab';

// The authors' original file (../shared/datasets/README.md gives its source); never copied into the repo.
const ARC_EASY = resolve('../shared/datasets/arc-easy/ARC-Easy-Test.jsonl');
const PIQA = resolve('../shared/datasets/piqa');

/** The first PIQA rows as a CSV whose columns are named otherwise than PIQA's (a file a person might have). */
function renamedPiqaCsv(rows: number): string {
  const labels = readFileSync(`${PIQA}/valid-labels.lst`, 'utf8').trim().split('\n');
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = readFileSync(`${PIQA}/valid.jsonl`, 'utf8').trim().split('\n').slice(0, rows);
  const body = lines.map((line, i) => {
    const r = JSON.parse(line) as { goal: string; sol1: string; sol2: string };
    return [r.goal, r.sol1, r.sol2, labels[i]].map(quote).join(',');
  });
  return ['question,first,second,answer', ...body].join('\r\n');
}

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

test('a dropped file with other column names gets a field mapping, which imports it and is remembered', async ({ page }) => {
  await openLab(page);
  await page.getByRole('combobox', { name: 'Dataset', exact: true }).selectOption('piqa');
  const file = { name: 'renamed.csv', mimeType: 'text/csv', buffer: Buffer.from(renamedPiqaCsv(20)) };
  await page.getByLabel('From files on this computer (or drop them here)').setInputFiles(file);

  const form = page.getByRole('form', { name: /Which fields of renamed\.csv hold what piqa needs/ });
  await expect(form).toBeVisible({ timeout: 60_000 });
  await expect(form.getByRole('alert')).toContainText('goal is missing');
  await expect(page.getByTestId('dataset-piqa')).toHaveCount(0);
  for (const [field, column] of [['goal', 'question'], ['sol1', 'first'], ['sol2', 'second'], ['label', 'answer']]) {
    await form.getByLabel(field, { exact: true }).selectOption(column);
  }
  await form.getByRole('button', { name: 'Import with these fields' }).click();
  await expect(page.getByTestId('import-status')).toContainText('Stored piqa: 20 rows', { timeout: 60_000 });
  await expect(form).toHaveCount(0);

  // The same file again goes straight in with the remembered mapping.
  await page.getByLabel('From files on this computer (or drop them here)').setInputFiles(file);
  await expect(page.getByTestId('import-status')).toContainText('Stored piqa: 20 rows', { timeout: 60_000 });
  await expect(page.getByRole('form', { name: /Which fields/ })).toHaveCount(0);
});
