/**
 * The sweep the issue asks CI to run: the default model and the embedded data, seven presets over
 * perplexity, KL divergence, the continuation task and the last-word task, with small limits
 * (SwiftShader on two cores). The numbers are checked for sense: 16-bit's KLD from itself is 0,
 * KLD grows as bits fall, the KLD cell's perplexity is the perplexity cell's (same tokens).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import { runSweep } from '../../src/eval/sweep';
import { loadModel, type LoadedModel } from '../../src/model/load';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { parseRecord, type ResultRecord } from '../../src/results/record';
import { testGpu } from '../helpers/gpu';
import { embeddedSource } from './embedded';

const PRESETS = ['fp16', 'w8g128', 'w4g128', 'w3g128', 'w2g128', 'kv4', 'kv2'];
let model: LoadedModel;

beforeAll(async () => {
  model = await loadModel(await nodeModelFiles(DEFAULT_MODEL_DIR));
});

describe('a sweep of seven presets over four tasks on quantlab-tiny', () => {
  it('gives a valid record per cell whose numbers make sense', async () => {
    const gpu = await testGpu();
    const seen: string[] = [];
    const records = await runSweep(
      gpu,
      {
        presets: PRESETS,
        tasks: [
          { task: 'perplexity', limit: 1, settings: { n_ctx: 32 } },
          { task: 'kl-divergence', limit: 1, settings: { n_ctx: 32 } },
          { task: 'quantlab_continuation', limit: 2 },
          { task: 'quantlab_lastword', limit: 2 },
        ],
      },
      { model, rows: async (task) => embeddedSource(task) },
      { onRecord: (r) => void seen.push(`${r.preset.name}/${r.task.name}`) },
    );
    expect(records).toHaveLength(28);
    expect(seen).toHaveLength(28);
    for (const r of records) expect(parseRecord(JSON.parse(JSON.stringify(r))).ok, `${r.preset.name}/${r.task.name}`).toBe(true);
    const cell = (preset: string, task: string) => records.find((r) => r.preset.name === preset && r.task.name === task) as ResultRecord;
    expect(new Set(records.map((r) => r.sweep)).size).toBe(1);
    expect(records.every((r) => r.model.sha256 === records[0].model.sha256 && /^[0-9a-f]{64}$/.test(r.model.sha256!))).toBe(true);

    const fp16 = cell('fp16', 'kl-divergence').metrics;
    expect(fp16.kld_mean).toBe(0);
    expect(fp16.kld_max).toBe(0);
    expect(fp16.same_top1).toBe(100);
    expect(fp16.ppl_ratio).toBe(1);
    const kld = (p: string) => cell(p, 'kl-divergence').metrics.kld_mean;
    expect(kld('w8g128')).toBeGreaterThan(0);
    expect(kld('w8g128')).toBeLessThan(kld('w4g128'));
    expect(kld('w4g128')).toBeLessThan(kld('w3g128'));
    expect(kld('w3g128')).toBeLessThan(kld('w2g128'));
    expect(kld('kv4')).toBeLessThan(kld('kv2'));
    expect(cell('w2g128', 'kl-divergence').metrics.same_top1).toBeLessThan(cell('w8g128', 'kl-divergence').metrics.same_top1);
    for (const p of PRESETS) {
      const k = cell(p, 'kl-divergence');
      const ppl = cell(p, 'perplexity');
      expect(k.metrics.tokens).toBe(15);
      expect(Math.abs(k.metrics.perplexity / ppl.metrics.perplexity - 1), p).toBeLessThan(1e-4);
      expect(Math.abs(k.metrics.perplexity_base / cell('fp16', 'perplexity').metrics.perplexity - 1), p).toBeLessThan(1e-4);
      const cont = cell(p, 'quantlab_continuation');
      expect(cont.items!.acc).toHaveLength(2);
      expect(cont.metrics.acc).toBeGreaterThanOrEqual(0);
      expect(cont.metrics.acc_norm).toBeLessThanOrEqual(1);
      const last = cell(p, 'quantlab_lastword');
      expect(last.items!.ll).toHaveLength(2);
      expect(last.metrics.perplexity).toBeCloseTo(Math.exp(-last.items!.ll.reduce((a, b) => a + b, 0) / 2), 9);
      expect(last.task.dataset.rows).toBe(292);
    }
    // 2-bit weights break the model: its last words are less likely than 16-bit's.
    expect(cell('w2g128', 'quantlab_lastword').metrics.perplexity).toBeGreaterThan(cell('fp16', 'quantlab_lastword').metrics.perplexity);
    process.stderr.write(
      records
        .filter((r) => r.task.name === 'kl-divergence')
        .map((r) => `${r.preset.name}: kld_mean ${r.metrics.kld_mean.toExponential(3)}, same top-1 ${r.metrics.same_top1.toFixed(1)}%, ppl ratio ${r.metrics.ppl_ratio.toFixed(4)}\n`)
        .join(''),
    );
  }, 1_200_000);
});
