import { describe, expect, it } from 'vitest';
import { bundleJson, DamagedBundleError, MAX_BUNDLE_BYTES, MAX_BUNDLE_RECORDS, readBundle } from '../../src/results/bundle';
import { historyJson } from '../../src/results/export';
import { sweepRecords } from './sweepFixture';

const file = (text: string) => new Blob([text], { type: 'application/json' });

async function refused(blob: Blob): Promise<string> {
  const error = await readBundle(blob).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DamagedBundleError);
  return (error as Error).message;
}

describe('JSON bundles', () => {
  it('carry what a link would, in full precision, and open again with the sweep to re-run', async () => {
    const records = sweepRecords(21);
    const text = bundleJson(records, new Date('2026-12-02T10:00:00Z'));
    console.log(`10 presets x 4 tasks: a bundle of ${(text.length / 1000).toFixed(1)} KB`);
    const header = JSON.parse(text);
    expect(header).toMatchObject({ format: 'quantlab-results', version: 2, exportedAt: '2026-12-02T10:00:00.000Z' });
    const shared = await readBundle(file(text));
    expect(shared.records).toEqual(records.map(({ items: _, ...r }) => r));
    expect(shared.sweeps).toHaveLength(1);
    expect(shared.sweeps[0].presets).toHaveLength(10);
  });

  it('open a history export too, leaving the per-item scores out', async () => {
    const records = sweepRecords(22, ['fp16', 'w4g128'], 1);
    const shared = await readBundle(file(historyJson(records)));
    expect(shared.records.map((r) => r.id)).toEqual(records.map((r) => r.id));
    expect(shared.records.every((r) => r.items === undefined)).toBe(true);
  });

  it('are checked as strictly as links', async () => {
    const good = () => JSON.parse(bundleJson(sweepRecords(23, ['fp16', 'w4g128'], 1)));
    expect(await refused(new Blob([new Uint8Array(MAX_BUNDLE_BYTES + 1)]))).toMatch(/16\.0 MB, more than a QuantLab bundle holds \(at most 16 MB\)/);
    expect(await refused(file('{"format": "quantlab-results",'))).toMatch(/not a JSON file/);
    expect(await refused(file('[1, 2]'))).toMatch(/not a QuantLab bundle/);
    expect(await refused(file(JSON.stringify({ ...good(), version: 3 })))).toMatch(/version 3/);
    expect(await refused(file(JSON.stringify({ ...good(), records: [] })))).toMatch(/holds no results/);
    const many = { ...good(), records: Array.from({ length: MAX_BUNDLE_RECORDS + 1 }, () => ({})) };
    expect(await refused(file(JSON.stringify(many)))).toMatch(/10001 results, more than a bundle may/);
    const bad = good();
    bad.records[1].createdAt = 'verified by the QuantLab team';
    expect(await refused(file(JSON.stringify(bad)))).toMatch(/result 2 is not valid: createdAt/);
    const proto = JSON.stringify(good()).replace('"perplexity":', '"__proto__":');
    expect(await refused(file(proto))).toMatch(/field named "__proto__"/);
    const twice = good();
    twice.records[1].id = twice.records[0].id;
    expect(await refused(file(JSON.stringify(twice)))).toMatch(/repeats the id/);
    const rtl = good();
    rtl.records[0].model.name = '\u202Eevil';
    expect((await readBundle(file(JSON.stringify(rtl)))).records[0].model.name).toBe('evil');
  });
});
