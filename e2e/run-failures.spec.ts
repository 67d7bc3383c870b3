/**
 * A run that storage, the GPU or the engine worker lets down says what happened, loses nothing it
 * measured, and resumes (issue 12): storage full (the origin's quota made tiny through CDP), the
 * GPU device lost during scoring (destroyed, as a driver reset does), the engine worker closed.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { choosePresets, chooseTasks, openLab, perplexityCell, runButton, setTask, storedRecords, waitForFinish, RUN_MS } from './lab';

async function startPerplexityRun(page: Page, windows: number): Promise<void> {
  await openLab(page);
  await choosePresets(page, ['fp16']);
  await chooseTasks(page, ['perplexity']);
  await setTask(page, 64, windows);
  await runButton(page).click();
}

function engineWorker(page: Page): Worker {
  const worker = page.workers().find((w) => /engine\.worker/.test(w.url()));
  if (!worker) throw new Error(`no engine worker among ${page.workers().map((w) => w.url()).join(', ')}`);
  return worker;
}

async function resumeAndFinish(page: Page): Promise<void> {
  const unfinished = page.getByTestId('unfinished-run');
  await expect(unfinished).toHaveCount(1);
  await expect(unfinished).toContainText('fp16 x perplexity on quantlab-tiny: 0 of 1 results finished');
  await unfinished.getByRole('button', { name: /Resume/ }).click();
  await waitForFinish(page, RUN_MS);
  await expect(page.getByTestId('unfinished-run')).toHaveCount(0);
  // Three windows, each scoring positions 32..62: 3 x 31 tokens, none counted twice.
  const [record] = await storedRecords(page);
  expect(record.metrics.tokens).toBe(93);
}

test('storage full during a run: the result is kept in the tab, exportable, and the page says how much was needed', async ({ page, baseURL }) => {
  test.setTimeout(2 * RUN_MS);
  await openLab(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 1 });
  await choosePresets(page, ['fp16']);
  await chooseTasks(page, ['perplexity']);
  await setTask(page, 64, 2);
  await runButton(page).click();

  await waitForFinish(page, RUN_MS);
  const problem = page.getByTestId('storage-error');
  await expect(problem).toContainText("This browser's storage is full");
  await expect(problem).toContainText(/needs about [\d.]+ (bytes|KB|MB)/);
  await expect(perplexityCell(page, 'fp16')).toHaveAttribute('data-value', /^\d+(\.\d+)?(e[-+]?\d+)?$/);
  const measured = Number(await perplexityCell(page, 'fp16').getAttribute('data-value'));

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export results not stored' }).click();
  const exported = JSON.parse(await readFile(await (await download).path(), 'utf8'));
  expect(exported.records).toHaveLength(1);
  expect(exported.records[0].schema).toBe(2);
  expect(exported.records[0].metrics.perplexity).toBe(measured);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin });
});

test('a GPU lost during scoring says so, keeps the unfinished run, and Resume gets a new device', async ({ page }) => {
  test.setTimeout(3 * RUN_MS);
  await startPerplexityRun(page, 3);
  await expect(page.getByTestId('run-progress')).toContainText(/fp16 on perplexity: [12] of 3 windows/, { timeout: RUN_MS });
  expect(await engineWorker(page).evaluate(() => (self as unknown as { quantlabLoseDevice: () => boolean }).quantlabLoseDevice())).toBe(true);

  const problem = page.getByTestId('run-error');
  await expect(problem).toContainText('The GPU was lost during the run', { timeout: 60_000 });
  await expect(problem).toContainText('Press Resume');
  await expect(page.getByTestId('run-progress')).toHaveCount(0);
  await resumeAndFinish(page);
});

test('an engine worker that dies during scoring is noticed, and Resume starts a new one', async ({ page }) => {
  test.setTimeout(3 * RUN_MS);
  await startPerplexityRun(page, 3);
  await expect(page.getByTestId('run-progress')).toContainText(/fp16 on perplexity: [12] of 3 windows/, { timeout: RUN_MS });
  // A closed worker fires no event: only the heartbeat notices it.
  void engineWorker(page)
    .evaluate(() => self.close())
    .catch(() => undefined);

  const problem = page.getByTestId('run-error');
  await expect(problem).toContainText('The engine stopped during the run', { timeout: 60_000 });
  await expect(page.getByTestId('run-status')).not.toContainText('left');
  await resumeAndFinish(page);
});
