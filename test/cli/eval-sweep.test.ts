/**
 * `quantlab eval` as a sweep and `quantlab merge`: shards of one command line run disjoint cells
 * and merge into one sweep (JSON lines, or CSV); a task's file is imported through the data importers (PIQA's
 * original two files); a task with no data says what to pass.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/results/record';

const BIN = new URL('../../bin/quantlab.mjs', import.meta.url).pathname;
const PIQA = new URL('../../../shared/datasets/piqa', import.meta.url).pathname;

function quantlab(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('quantlab eval sweeps and merge', () => {
  it('two shards run disjoint cells of one sweep, and merge joins them', async () => {
    const env = { QUANTLAB_CACHE: mkdtempSync(join(tmpdir(), 'quantlab-cache-')) };
    const args = ['eval', '--preset', 'fp16,kv4', '--task', 'quantlab_lastword,kl-divergence', '--limit', '1', '--ctx', '32', '--json'];
    const dir = mkdtempSync(join(tmpdir(), 'quantlab-shards-'));
    const files: string[] = [];
    for (const shard of ['0/2', '1/2']) {
      const out = await quantlab([...args, '--shard', shard], env);
      expect(out.code, out.stderr).toBe(0);
      const file = join(dir, `${shard.replace('/', '-')}.jsonl`);
      writeFileSync(file, out.stdout);
      files.push(file);
    }
    const merged = await quantlab(['merge', ...files], env);
    expect(merged.code, merged.stderr).toBe(0);
    const records = merged.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => `${r.preset.name}/${r.task.name}`).sort()).toEqual(['fp16/kl-divergence', 'fp16/quantlab_lastword', 'kv4/kl-divergence', 'kv4/quantlab_lastword']);
    expect(new Set(records.map((r) => r.sweep)).size).toBe(1);
    for (const r of records) expect(parseRecord(r).ok).toBe(true);
    expect(records.find((r) => r.preset.name === 'fp16' && r.task.name === 'kl-divergence').metrics.kld_mean).toBe(0);
    // The same sweep as CSV, the columns of the page's history export (src/results/export.ts).
    const csv = await quantlab(['merge', '--csv', ...files], env);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines).toHaveLength(records.length + 2);
    expect(lines[0].startsWith('preset,bits_per_weight,task,')).toBe(true);
    const cells = lines.slice(1, -1).map((l) => l.split(','));
    expect(cells.map((c) => `${c[0]}/${c[2]}`).sort()).toEqual(records.map((r) => `${r.preset.name}/${r.task.name}`).sort());

    const twice = await quantlab(['merge', files[0], files[0]], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/the same cell twice/);
  });

  it("imports a task's original files and says what to pass when a task has none", async () => {
    const env = { QUANTLAB_CACHE: mkdtempSync(join(tmpdir(), 'quantlab-cache-')) };
    const out = await quantlab(['eval', '--preset', 'kv4', '--task', 'piqa', '--data', `piqa=${PIQA}`, '--limit', '2', '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout.trim());
    expect(r.task.dataset).toMatchObject({ name: 'piqa', rows: 1838 });
    expect(r.items.acc).toHaveLength(2);
    expect(r.metrics.acc_norm).toBeGreaterThanOrEqual(0);
    const missing = await quantlab(['eval', '--task', 'arc_easy', '--limit', '1'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/arc_easy needs its rows: pass --data arc_easy=FILE/);
  });
});
