/** The merge of shards (through the JSON lines they are written in), and how shards split a sweep, on records of the real schema. */
import { describe, expect, it } from 'vitest';
import { mergeShards, parseJsonl } from '../../src/eval/merge';
import { sweepCells } from '../../src/eval/sweep';
import { recordsJsonl } from '../../src/results/export';
import { RECORD_SCHEMA, type ResultRecord } from '../../src/results/record';

function record(preset: string, task: string, metrics: Record<string, number>, extra: Partial<ResultRecord> = {}): ResultRecord {
  return {
    schema: RECORD_SCHEMA,
    id: `${preset}-${task}`.replace(/[^A-Za-z0-9_-]/g, '_'),
    sweep: 's1',
    createdAt: '2026-12-02T10:00:00.000Z',
    quantlab: { version: '0.2.0' },
    model: { name: 'quantlab-tiny', sha256: 'c'.repeat(64), parameters: 26_700_000, architecture: 'llama' },
    preset: { name: preset, bits_per_weight: 4.19 },
    task: { name: task, version: 1, dataset: { name: 'd, "quoted"', sha256: null, rows: 10 }, limit: 2, shots: 0, seed: 0, chat_template: false, settings: { max_length: 1024 } },
    metrics,
    items: { acc: [1, 0] },
    memory: { weights_bytes: 1, kv_cache_bytes: 2, scratch_bytes: 3 },
    timing: { upload_seconds: 1, score_seconds: 2, items_per_second: 1, tokens_per_second: 10 },
    device: { description: 'SwiftShader', vendor: 'google', architecture: '', features: [], limits: {} },
    ...extra,
  };
}

describe('merge and shards', () => {
  it('merge joins shards into one sweep, and refuses mixed models and duplicate cells', () => {
    const a = [record('fp16', 'piqa', { acc: 1 })];
    const b = [record('w4g128', 'piqa', { acc: 0.5 }, { sweep: 's2' })];
    const merged = mergeShards([
      { source: 'a.jsonl', records: parseJsonl(recordsJsonl(a), 'a.jsonl') },
      { source: 'b.jsonl', records: parseJsonl(recordsJsonl(b), 'b.jsonl') },
    ]);
    expect(merged.map((r) => [r.preset.name, r.sweep])).toEqual([['fp16', 's1'], ['w4g128', 's1']]);
    expect(() => mergeShards([{ source: 'a.jsonl', records: a }, { source: 'a2.jsonl', records: a }])).toThrow(/fp16 \/ piqa is in a.jsonl and in a2.jsonl/);
    const other = [record('w4g128', 'piqa', { acc: 1 }, { model: { ...a[0].model, sha256: 'd'.repeat(64) } })];
    expect(() => mergeShards([{ source: 'a.jsonl', records: a }, { source: 'o.jsonl', records: other }])).toThrow(/a sweep is one model/);
    expect(() => parseJsonl('{"schema": 2}\n', 'x.jsonl')).toThrow(/x.jsonl, line 1: not a result record/);
    expect(() => parseJsonl('nope\n', 'x.jsonl')).toThrow(/x.jsonl, line 1: not JSON/);
  });

  it('shards split the cells of a sweep among them, every cell in exactly one', () => {
    const spec = { presets: ['w4g128', 'fp16', 'kv4'], tasks: [{ task: 'perplexity' }, { task: 'kl-divergence' }] };
    const all = sweepCells(spec);
    // 16-bit first, for the reference; then the order given.
    expect(all.map((c) => `${c.preset}/${c.entry.name}`)).toEqual(['fp16/perplexity', 'fp16/kl-divergence', 'w4g128/perplexity', 'w4g128/kl-divergence', 'kv4/perplexity', 'kv4/kl-divergence']);
    const shards = [0, 1, 2, 3].map((index) => sweepCells({ ...spec, shard: { index, count: 4 } }).map((c) => c.index));
    expect(shards.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(shards[1]).toEqual([1, 5]);
    expect(() => sweepCells({ ...spec, shard: { index: 4, count: 4 } })).toThrow(/shard 4\/4/);
    expect(() => sweepCells({ presets: ['fp16'], tasks: [{ task: 'piqa', shots: 5 }] })).toThrow(/piqa runs 0-shot here/);
    expect(() => sweepCells({ presets: ['fp16'], tasks: [{ task: 'perplexity', settings: { n_kv: 3 } }] })).toThrow(/has no setting "n_kv"/);
    expect(() => sweepCells({ presets: ['fp16'], tasks: [{ task: 'nope' }] })).toThrow(/unknown task "nope"/);
  });
});
