/**
 * Damaged and mismatched model folders through the command line: each is refused before any
 * result, with exit code 1, a message naming the file or tensor on stderr and nothing on stdout.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { modelCopy, plantF16, quantlab, removeTempDirs } from './run';

const EVAL = ['eval', '--ctx', '64', '--limit', '1', '--json'];

async function refused(dir: string): Promise<string> {
  const { code, stdout, stderr } = await quantlab([...EVAL, '--model', dir]);
  expect(code, stderr).toBe(1);
  expect(stdout).toBe('');
  return stderr;
}

afterAll(removeTempDirs);

describe('quantlab eval on a damaged model folder', () => {
  it('refuses weights holding NaN or infinity, naming the tensor and the count', async () => {
    const dir = modelCopy();
    // f16 NaN, +inf and -inf at twelve places.
    const places = [0, 1, 2, 100, 5000, 70_000, 100_000, 300_000, 500_000, 600_000, 700_000, 720_895];
    plantF16(dir, 'model.layers.3.mlp.up_proj.weight', places, [0x7e00, 0x7c00, 0xfc00]);
    const stderr = await refused(dir);
    expect(stderr).toContain(
      'quantlab: model.layers.3.mlp.up_proj.weight holds 12 values that are not finite numbers (NaN or infinity): the file is damaged.\n',
    );
  });
});
