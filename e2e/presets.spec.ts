/** The custom preset field: checked as it is typed, with the parser's own words. */
import { expect, test } from '@playwright/test';
import { openLab } from './lab';

test('a custom preset shows its parse error inline, and a valid one is added and checked', async ({ page }) => {
  await openLab(page);
  const field = page.getByLabel('Custom preset');
  const help = page.getByTestId('custom-preset-help');
  const add = page.getByRole('button', { name: 'Add preset' });

  await field.fill('w5g128');
  await expect(help).toContainText('5-bit weights');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(add).toBeDisabled();

  await field.fill('w4g64+kv8');
  await expect(field).toHaveAttribute('aria-invalid', 'false');
  await expect(help).toContainText('4-bit weights, groups of 64, asymmetric; 8-bit KV cache');
  await expect(help).toContainText('MB');
  await add.click();
  await expect(page.getByRole('checkbox', { name: 'w4g64+kv8', exact: true })).toBeChecked();
  await expect(field).toHaveValue('');
});
