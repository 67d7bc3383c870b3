/**
 * Broken models picked from disk: the engine's own message reaches the page.
 * The bad files are made here from the real default model's files.
 */
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openLab } from './lab';

const MODEL_DIR = 'public/models/quantlab-tiny';

/** The default model's weight files: the shards its index names, or its single model.safetensors. */
async function weightFiles(): Promise<string[]> {
  try {
    const index = JSON.parse(await readFile(join(MODEL_DIR, 'model.safetensors.index.json'), 'utf8'));
    return ['model.safetensors.index.json', ...new Set<string>(Object.values(index.weight_map))];
  } catch {
    return ['model.safetensors'];
  }
}

/** A copy of the default model in a fresh folder, with `change` applied to it. */
async function brokenCopy(change: (dir: string, weights: string[]) => Promise<void>): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'quantlab-bad-'));
  const weights = await weightFiles();
  const names = ['config.json', 'tokenizer.json', ...weights];
  for (const name of names) await copyFile(join(MODEL_DIR, name), join(dir, name));
  await change(dir, weights);
  const present = [];
  for (const name of names) {
    if (await readFile(join(dir, name)).then(() => true, () => false)) present.push(join(dir, name));
  }
  return { dir, files: present };
}

async function pickFiles(page: Page, files: string[]): Promise<void> {
  await page.getByRole('radio', { name: 'Files on this computer' }).check();
  await page.getByLabel('Model files').setInputFiles(files);
}

const dirs: string[] = [];
test.afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('a truncated weights file, a GPT-2 config, a missing tokenizer and a bad Hub id each get the engine\'s message', async ({ page }) => {
  await openLab(page);
  const error = page.getByTestId('model-error');

  const truncated = await brokenCopy(async (dir, weights) => {
    const last = weights[weights.length - 1];
    const bytes = (await readFile(join(dir, last))).length;
    await truncate(join(dir, last), Math.floor(bytes / 2));
  });
  dirs.push(truncated.dir);
  await pickFiles(page, truncated.files);
  await expect(error).toContainText('This model cannot be used');
  await expect(error).toContainText('is truncated');

  const gpt2 = await brokenCopy(async (dir) => {
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: 768, n_head: 12, n_layer: 12, vocab_size: 50257 }),
    );
  });
  dirs.push(gpt2.dir);
  await pickFiles(page, gpt2.files);
  await expect(error).toContainText('gpt2');
  await expect(error).toContainText('Llama-family');

  const noTokenizer = await brokenCopy(async (dir) => {
    await rm(join(dir, 'tokenizer.json'));
  });
  dirs.push(noTokenizer.dir);
  // This time as a folder, the way most people will pick a model.
  await page.getByLabel('Model folder').setInputFiles(noTokenizer.dir);
  await expect(error).toContainText('tokenizer.json');

  // Dropped files take the same way: here a lone GPT-2 config.json, dropped on the drop zone.
  const dropped = await page.evaluateHandle((json) => {
    const data = new DataTransfer();
    data.items.add(new File([json], 'config.json', { type: 'application/json' }));
    return data;
  }, await readFile(join(gpt2.dir, 'config.json'), 'utf8'));
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(error).toContainText('gpt2');

  // A Hugging Face id that cannot be one is refused before any download.
  await page.getByRole('radio', { name: /from Hugging Face/ }).check();
  await page.getByLabel('Repository id or URL').fill('not a repo id');
  await page.getByRole('button', { name: 'Load from Hugging Face' }).click();
  await expect(error).toContainText('is not a Hub model');

  // The page stays usable: the built-in model opens again.
  await page.getByRole('radio', { name: /Built-in: quantlab-tiny/ }).check();
  await expect(page.getByTestId('model-status')).toContainText('quantlab-tiny is ready');
});
