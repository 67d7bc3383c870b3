import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/results/record';
import { quantlab } from './run';

describe('quantlab command line', () => {
  it('prints one result record with the perplexity', async () => {
    const { code, stdout, stderr } = await quantlab(['eval', '--model', 'default', '--preset', 'w4g128+kv4', '--task', 'perplexity', '--ctx', '64', '--limit', '1', '--json']);
    expect(code, stderr).toBe(0);
    const record = JSON.parse(stdout.trim());
    expect(record.model.name).toBe('quantlab-tiny');
    expect(record.preset.name).toBe('w4g128+kv4');
    expect(record.schema).toBe(2);
    expect(record.task.name).toBe('perplexity');
    expect(record.task.settings).toEqual({ n_ctx: 64 });
    expect(parseRecord(record).ok).toBe(true);
    expect(record.metrics.tokens).toBe(31);
    expect(record.metrics.perplexity).toBeGreaterThan(1);
    expect(record.metrics.bits_per_byte).toBeGreaterThan(0);
    expect(stderr).toMatch(/scoring \[#+\] 1\/1 windows/);
  });

  it('refuses an unknown preset before touching the GPU', async () => {
    const { code, stderr } = await quantlab(['eval', '--preset', 'w5g128', '--limit', '1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/quantlab: .*5/);
    expect(stderr).not.toMatch(/GPU:/);
  });

  it('explains a machine where WebGPU finds no adapter', async () => {
    const { code, stderr } = await quantlab(['eval', '--limit', '1'], { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/quantlab: WebGPU is present but no GPU adapter was found in Node/);
  });
});
