/** A browser without WebGPU gets told what is missing and what to do, not a blank or broken page. */
import { expect, test } from '@playwright/test';
import { runButton } from './lab';

test.use({
  launchOptions: { executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-features=WebGPU'] },
});

test('without WebGPU the page says so and what to do', async ({ page }) => {
  await page.goto('/');
  const problem = page.getByTestId('gpu-error');
  await expect(problem).toContainText('WebGPU is not available');
  await expect(problem).toContainText('Chrome or Edge');
  await expect(page.getByTestId('run-status')).toContainText('WebGPU is not available');
  await expect(runButton(page)).toBeDisabled();
  // The rest of the page still works: presets can be read and history is there.
  await expect(page.getByRole('checkbox', { name: 'w4g128', exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
  // Shared results need no GPU: a link can still be opened from here, and a wrong one is answered in words.
  const link = page.getByLabel('Shared QuantLab link');
  await link.fill('https://example.org/not-a-link');
  await page.getByRole('button', { name: 'Open link' }).click();
  await expect(page.getByText('That is not a QuantLab results link')).toBeVisible();
});
