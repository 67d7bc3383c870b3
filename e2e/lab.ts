/** What the tests do on the page, as a person would: by roles and labels. */
import { execFile } from 'node:child_process';
import { expect, type Locator, type Page } from '@playwright/test';

/** Loading the default model and the held-out text, on SwiftShader. */
export const MODEL_READY_MS = 120_000;
/** One preset on a couple of short windows, weights upload included. */
export const RUN_MS = 180_000;

export async function openLab(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('is ready', { timeout: MODEL_READY_MS });
}

export function runButton(page: Page): Locator {
  return page.getByRole('button', { name: 'Run', exact: true });
}

/** Ticks exactly `names` among the presets of the grids. */
export async function choosePresets(page: Page, names: string[]): Promise<void> {
  const grid = page.locator('.preset-grid');
  for (const box of await grid.getByRole('checkbox', { checked: true }).all()) await box.uncheck();
  for (const name of names) await grid.getByRole('checkbox', { name, exact: true }).check();
}

/** Ticks exactly `names` among the tasks. */
export async function chooseTasks(page: Page, names: string[]): Promise<void> {
  const table = page.locator('table.tasks');
  for (const box of await table.getByRole('checkbox', { checked: true }).all()) await box.uncheck();
  for (const name of names) await table.getByRole('checkbox', { name, exact: true }).check();
}

/** The number of items of an item task (empty: all). */
export async function setItems(page: Page, task: string, items: number | null): Promise<void> {
  await page.getByLabel(`Items of ${task}`, { exact: true }).fill(items === null ? '' : String(items));
}

export async function setTask(page: Page, nCtx: number, windows: number | null): Promise<void> {
  await page.getByLabel('Window length n_ctx (tokens)').fill(String(nCtx));
  await page.getByLabel('Windows to score (empty: all)').fill(windows === null ? '' : String(windows));
}

export function perplexityCell(page: Page, preset: string): Locator {
  return page.getByTestId(`perplexity-${preset}`);
}

export async function perplexityOf(page: Page, preset: string): Promise<number> {
  return Number(await perplexityCell(page, preset).getAttribute('data-value'));
}

/** Waits for the run to end and says how it ended. */
/**
 * The command line's metrics for fp16 on the default model's first `windows`
 * windows of `nCtx` tokens (Dawn + SwiftShader in Node): the reference the page
 * must match. Tests start it first, so it runs beside the browser.
 */
export function cliMetrics(nCtx: number, windows: number): Promise<{ perplexity: number; bits_per_byte: number }> {
  const args = ['bin/quantlab.mjs', 'eval', '--model', 'default', '--preset', 'fp16', '--task', 'perplexity'];
  args.push('--ctx', String(nCtx), '--limit', String(windows), '--json');
  const run = new Promise<{ perplexity: number; bits_per_byte: number }>((resolve, reject) => {
    execFile('node', args, { timeout: 400_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`quantlab eval failed: ${error.message}\n${stderr}`));
        return;
      }
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1]).metrics);
    });
  });
  // Awaited at the end of the test; until then a failure must not count as unhandled.
  run.catch(() => undefined);
  return run;
}

export function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

export async function waitForFinish(page: Page, timeout = RUN_MS): Promise<void> {
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout });
}

/** The result records stored in the page's IndexedDB history (database quantlab-results, store records). */
export function storedRecords(page: Page): Promise<{ schema: number; sweep: string; preset: { name: string }; task: { name: string }; metrics: Record<string, number> }[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('quantlab-results');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('records').objectStore('records').getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
      }),
  );
}
