/** `quantlab bench`: its options are checked before the GPU is taken; --kernels runs on small shapes (figures printed, never asserted). */
import { describe, expect, it } from 'vitest';
import { quantlab } from './run';

async function refused(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await quantlab(['bench', ...args]);
  expect(code, stderr).toBe(1);
  expect(stdout).toBe('');
  expect(stderr, 'refused before the GPU is taken').not.toMatch(/GPU:/);
  return stderr;
}

describe('quantlab bench', () => {
  it('refuses options of the other kind of bench, unknown synthetic shapes, bad shapes and formats', async () => {
    expect(await refused(['--kernels', '--model', 'synthetic:7b'])).toContain('--kernels times the kernels alone: --model is for a model bench');
    expect(await refused(['--sweep', '--model', 'synthetic:7b'])).toContain('--sweep only applies with --kernels');
    expect(await refused(['--kernels', '--profile'])).toContain('--kernels times the kernels alone: --profile is for a model bench');
    expect(await refused(['--model', 'synthetic:3b'])).toContain('synthetic:3b: no such synthetic shape; choose one of synthetic:1b, synthetic:7b, synthetic:8b');
    expect(await refused(['--kernels', '--kernel-shapes', '64x100'])).toContain('expected ROWSxCOLUMNS with columns a multiple of 256 (e.g. 14336x4096), got "64x100"');
    expect(await refused(['--kernels', '--formats', 'w5g128'])).toContain('expected weight formats among fp16, w8g128');
    expect(await refused(['--model', 'synthetic:1b', '--preset', 'w9'])).toMatch(/w9/);
  });

  it('--kernels --json: one record a figure, matrix-vector and prefill, for each shape and format', async () => {
    const args = ['bench', '--kernels', '--kernel-shapes', '8x256', '--formats', 'fp16,w3g128', '--dispatches', '1', '--no-ceilings', '--json'];
    const { code, stdout, stderr } = await quantlab(args);
    expect(code, stderr).toBe(0);
    const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r) => `${r.format} ${r.kernel} ${r.rows}x${r.cols}`)).toEqual([
      'fp16 matvec 8x256',
      'fp16 matmul 8x256',
      'w3g128 matvec 8x256',
      'w3g128 matmul 8x256',
    ]);
    for (const r of records) {
      expect(r.microseconds).toBeGreaterThan(0);
      expect(r.copies).toBeGreaterThanOrEqual(2);
      expect(r.percent_of_read_ceiling).toBeNull();
    }
  });
});
