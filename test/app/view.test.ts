import { describe, expect, test } from 'vitest';
import { formatDelta, formatMetric, headlineMetric, metricInfo } from '../../src/app/results/metrics';
import { baselines, bestRows, cellOf, newestComparison, resultsModel } from '../../src/app/results/view';
import { parseRecord } from '../../src/results/record';
import { studyRecords } from '../results/studyFixture';
import { sweepRecords } from '../results/sweepFixture';

describe('results model', () => {
  const tiny = studyRecords('quantlab-tiny');
  const mini = studyRecords('quantlab-mini', '2026-12-01T12:00:00.000Z');

  test('the study fixture is valid records', () => {
    for (const r of [...tiny, ...mini]) expect(parseRecord(r)).toMatchObject({ ok: true });
  });

  test('a row a preset, a column a task, headline metrics as lm-eval names them', () => {
    const model = resultsModel([{ id: 'mine', label: '', records: tiny, bySweep: true }]);
    expect(model.series).toHaveLength(1);
    expect(model.rows.map((r) => r.preset)).toEqual(['fp16', 'w8g128', 'w4g128', 'w3g128', 'w2g128', 'w4g32sym', 'w8a8', 'w4a8', 'kv4', 'w4g128+kv4']);
    expect(model.columns.map((c) => [c.task, c.metric.key])).toEqual([
      ['perplexity', 'perplexity'],
      ['kl-divergence', 'kld_mean'],
      ['arc_easy', 'acc'],
      ['piqa', 'acc'],
      ['quantlab_lastword', 'acc'],
      ['speed', 'decode_tokens_per_second'],
    ]);
    // The same order from the records newest first, as the history reads them.
    expect(resultsModel([{ id: 'mine', label: '', records: [...tiny].reverse(), bySweep: true }]).columns.map((c) => c.task)).toEqual(model.columns.map((c) => c.task));
    const arc = model.columns[2];
    const w4 = model.rows.find((r) => r.preset === 'w4g128')!;
    const cell = cellOf(w4, arc)!;
    expect(cell.value).toBe(tiny.find((r) => r.preset.name === 'w4g128' && r.task.name === 'arc_easy')!.metrics.acc);
    expect(cell.stderr).toBeGreaterThan(0);
  });

  test('every row compares with the 16-bit row of its series; the best of each column is found by its direction', () => {
    const model = resultsModel([{ id: 'mine', label: '', records: [...tiny, ...mini], bySweep: true }]);
    expect(model.series.map((s) => s.model)).toEqual(['quantlab-tiny', 'quantlab-mini']);
    const bases = baselines(model);
    for (const row of model.rows) {
      expect(bases.get(row.key)!.preset).toBe('fp16');
      expect(bases.get(row.key)!.series.key).toBe(row.series.key);
    }
    const best = bestRows(model);
    const byKey = new Map(model.rows.map((r) => [r.key, r]));
    const ppl = model.columns.find((c) => c.task === 'perplexity')!;
    const speed = model.columns.find((c) => c.task === 'speed')!;
    const lowest = Math.min(...model.rows.map((r) => cellOf(r, ppl)!.value));
    const fastest = Math.max(...model.rows.map((r) => cellOf(r, speed)!.value));
    expect(cellOf(byKey.get(best.get(ppl.key)!)!, ppl)!.value).toBe(lowest);
    expect(cellOf(byKey.get(best.get(speed.key)!)!, speed)!.value).toBe(fastest);
  });

  test('the newest results: the newest record of each preset and task of the model run last', () => {
    const older = sweepRecords(5, ['fp16', 'w4g128'], 1, 'old');
    const newer = sweepRecords(6, ['w4g128'], 1, 'new').map((r) => ({ ...r, createdAt: '2027-01-01T00:00:00.000Z' }));
    const history = [...newer, ...older];
    const shown = newestComparison(history);
    expect(shown.map((r) => [r.sweep, r.preset.name])).toEqual([
      ['new', 'w4g128'],
      ['old', 'fp16'],
    ]);
  });

  test('two settings of one task get a column each, named by their settings', () => {
    const a = studyRecords('quantlab-tiny').filter((r) => r.task.name === 'perplexity');
    const b = a.map((r) => ({ ...r, id: `${r.id}b`, task: { ...r.task, settings: { n_ctx: 256 } } }));
    const model = resultsModel([{ id: 'mine', label: '', records: [...a, ...b], bySweep: false }]);
    expect(model.columns.map((c) => c.label)).toEqual(['perplexity (n_ctx 512)', 'perplexity (n_ctx 256)']);
  });
});

describe('metric text', () => {
  test('units and deltas as the table prints them', () => {
    const acc = metricInfo('acc');
    expect(formatMetric(acc, 0.4213)).toBe('42.1 %');
    expect(formatDelta(acc, 0.40, 0.42)).toBe('−2.0 points');
    const ppl = metricInfo('perplexity');
    expect(formatDelta(ppl, 18.33, 17.815)).toBe('+2.9 %');
    expect(formatMetric(metricInfo('kld_mean'), 0.01234)).toBe('0.0123 nats');
    expect(formatMetric(metricInfo('decode_tokens_per_second'), 177.7)).toBe('178 tokens/s');
  });

  test('gsm8k is compared by strict exact match, an unknown task by acc', () => {
    const [r] = sweepRecords(7, ['fp16'], 2).filter((x) => x.task.name === 'arc_easy');
    expect(headlineMetric(r)?.key).toBe('acc');
    expect(headlineMetric({ ...r, task: { ...r.task, name: 'gsm8k' }, metrics: { 'exact_match,strict-match': 0.1, 'exact_match,flexible-extract': 0.2 } })?.key).toBe('exact_match,strict-match');
  });
});
