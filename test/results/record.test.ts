import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRecord, RECORD_SCHEMA, type ResultRecord } from '../../src/results/record';
import { QUANTLAB_VERSION } from '../../src/version';

/** A schema-1 record as QuantLab 0.1 stored it in IndexedDB and put in links. */
const v1 = {
  schema: 1,
  id: '0123456789abcdef',
  createdAt: '2026-11-30T10:00:00.000Z',
  model: { name: 'quantlab-tiny', parameters: 26747392 },
  preset: 'w4g128',
  task: 'perplexity',
  dataset: 'quantlab-tiny held-out text',
  config: { n_ctx: 512, windows: 2 },
  metrics: { perplexity: 18.3, bits_per_byte: 1.3, tokens: 510 },
  window_nll: [700.5, 712.25],
  memory: { weights_bytes: 20_200_000, kv_cache_bytes: 2_097_152, scratch_bytes: 9_000_000 },
  timing: { seconds: 4, tokens_per_second: 255.5 },
  device: 'google / swiftshader',
};

function v2(): ResultRecord {
  const parsed = parseRecord(v1);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.record;
}

describe('result records', () => {
  it('upgrades a schema-1 record to the current schema, keeping every figure', () => {
    const r = v2();
    expect(r.schema).toBe(RECORD_SCHEMA);
    expect(r.preset).toEqual({ name: 'w4g128', bits_per_weight: 4.1875 });
    expect(r.task).toMatchObject({ name: 'perplexity', dataset: { name: 'quantlab-tiny held-out text' }, settings: { n_ctx: 512, windows: 2 } });
    expect(r.metrics).toEqual(v1.metrics);
    expect(r.items).toEqual({ window_nll: v1.window_nll });
    expect(r.timing.score_seconds).toBe(4);
    expect(r.device.description).toBe('google / swiftshader');
    // The upgrade is itself a valid current record.
    expect(parseRecord(JSON.parse(JSON.stringify(r)))).toEqual({ ok: true, record: r });
  });

  it('refuses what an edited link could hold, naming the field', () => {
    const cases: [string, (r: Record<string, any>) => void, RegExp][] = [
      ['a createdAt that is not a date', (r) => (r.createdAt = 'x'.repeat(1000)), /createdAt/],
      ['a metric that is not finite', (r) => (r.metrics.perplexity = Infinity), /metrics/],
      ['a metric name with markup', (r) => (r.metrics['<img src=x>'] = 1), /metrics/],
      ['a model name past its bound', (r) => (r.model.name = 'm'.repeat(201)), /model\.name/],
      ['an id with a slash', (r) => (r.id = '../x'), /id/],
      ['an unknown schema', (r) => (r.schema = 3), /schema/],
      ['a negative byte count', (r) => (r.memory.weights_bytes = -1), /memory\.weights_bytes/],
    ];
    for (const [what, spoil, field] of cases) {
      const r = JSON.parse(JSON.stringify(v2()));
      spoil(r);
      const parsed = parseRecord(r);
      expect(parsed.ok, what).toBe(false);
      if (!parsed.ok) expect(parsed.problems.join('; '), what).toMatch(field);
    }
  });

  it('names the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(QUANTLAB_VERSION).toBe(pkg.version);
  });
});
