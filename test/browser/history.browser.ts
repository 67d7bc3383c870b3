/// <reference types="@vitest/browser/providers/playwright" />
/**
 * The history store in a real IndexedDB (Chromium): the upgrade of QuantLab 0.1's database in
 * place, paging by index, sweeps, unreadable entries, and a full disk (the origin's quota made
 * tiny through CDP's Storage.overrideQuotaForOrigin).
 */
import { cdp } from '@vitest/browser/context';
import { deleteDB, openDB } from 'idb';
import { createStore, setMany } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  closeHistory,
  countRecords,
  deleteRecord,
  deleteSweep,
  deleteUnreadable,
  eachRecordPage,
  getRecord,
  HISTORY_DB,
  storedHistoryFile,
  listSweeps,
  recordsOfModel,
  recordsOfSweep,
  recordsPage,
  saveRecord,
  unreadableEntries,
} from '../../src/results/history';
import type { ResultRecord } from '../../src/results/record';
import { requestPersistence, StorageError } from '../../src/results/storage';
import { sweepRecords } from '../results/sweepFixture';

/**
 * QuantLab 0.1's database as it wrote it: idb-keyval's store, version 1, records under their ids.
 * idb-keyval never closes its connection, which would block the upgrade (as an old tab would), so
 * the 0.1 "tab" is closed once it has written.
 */
async function seedV1(entries: [IDBValidKey, unknown][]): Promise<void> {
  const store = createStore(HISTORY_DB, 'records');
  await setMany(entries, store);
  const db = await store('readonly', (s) => new Promise<IDBDatabase>((resolve) => (s.transaction.oncomplete = () => resolve(s.transaction.db))));
  db.close();
}

const v1Record = {
  schema: 1,
  id: 'aaaaaaaaaaaaaaaa',
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

async function resetDatabases(): Promise<void> {
  await closeHistory();
  await deleteDB(HISTORY_DB);
}

beforeEach(resetDatabases);
afterEach(resetDatabases);

/** The fixture's records with per-item arrays cut to the 90 windows of quantlab-tiny's held-out text. */
function small(records: ResultRecord[]): ResultRecord[] {
  return records.map((r) => ({ ...r, items: Object.fromEntries(Object.entries(r.items ?? {}).map(([k, v]) => [k, v.slice(0, 90)])) }));
}

describe('the history store', () => {
  it("upgrades QuantLab 0.1's database in place, keeping every record and moving unreadable ones aside", async () => {
    const [current] = sweepRecords(41, ['w8g128'], 1);
    const offset = { ...sweepRecords(42, ['kv4'], 1)[0], createdAt: '2026-12-01T12:00:00.000+02:00' };
    const nan = { ...v1Record, id: 'bbbbbbbbbbbbbbbb', metrics: { ...v1Record.metrics, perplexity: NaN } };
    await seedV1(
      [
        [v1Record.id, v1Record],
        [current.id, current],
        [offset.id, offset],
        [nan.id, nan],
        ['junk', 'not a record at all'],
      ],
    );

    expect(await countRecords()).toBe(3);
    const page = await recordsPage({ offset: 0, limit: 10 }, { withItems: true });
    expect(page.total).toBe(3);
    const times: [string, string][] = [
      [current.id, current.createdAt],
      [offset.id, '2026-12-01T10:00:00.000Z'],
      [v1Record.id, v1Record.createdAt],
    ];
    expect(page.records.map((r) => r.id)).toEqual(times.sort((x, y) => y[1].localeCompare(x[1])).map(([id]) => id));
    // Rewritten in place: the schema-1 record as its upgrade, the offset time in UTC.
    const raw = await openDB(HISTORY_DB);
    expect((await raw.get('records', v1Record.id)).schema).toBe(2);
    expect((await raw.get('records', v1Record.id)).items).toEqual({ window_nll: [700.5, 712.25] });
    expect((await raw.get('records', offset.id)).createdAt).toBe('2026-12-01T10:00:00.000Z');
    expect(await raw.get('records', current.id)).toEqual(current);
    raw.close();

    const unreadable = await unreadableEntries();
    expect(unreadable.map((u) => u.key).sort()).toEqual(['bbbbbbbbbbbbbbbb', 'junk']);
    const nanEntry = unreadable.find((u) => u.key === nan.id)!;
    expect(nanEntry.problems.join('; ')).toMatch(/metrics\.perplexity/);
    expect(nanEntry.preview).toContain('"perplexity":"NaN"');
    expect(nanEntry.preview.length).toBeLessThanOrEqual(300);
    await deleteUnreadable(nan.id);
    await deleteUnreadable('junk');
    expect(await unreadableEntries()).toEqual([]);

    const { sweeps, total } = await listSweeps({ offset: 0, limit: 10 });
    expect(total).toBe(3);
    expect(sweeps.find((s) => s.id === v1Record.id)).toMatchObject({ model: 'quantlab-tiny', presets: ['w4g128'], tasks: ['perplexity'], count: 1 });
  });

  it('keeps sweep summaries with every save and delete, and reads a sweep or a model by index', async () => {
    const a = sweepRecords(43, ['fp16', 'w4g128', 'w3g128'], 2, 'sweepA');
    const b = sweepRecords(44, ['w8a8'], 1, 'sweepB').map((r) => ({ ...r, model: { ...r.model, name: 'HuggingFaceTB/SmolLM2-135M' } }));
    for (const r of [...a, ...b]) await saveRecord(r);
    const summaries = (await listSweeps({ offset: 0, limit: 10 })).sweeps;
    const summaryA = summaries.find((s) => s.id === 'sweepA')!;
    expect(summaryA).toMatchObject({ model: 'Qwen/Qwen2.5-0.5B-Instruct', presets: ['fp16', 'w4g128', 'w3g128'], tasks: ['perplexity', 'arc_easy'], count: 6 });
    expect(summaryA.startedAt).toBe(a[0].createdAt);
    expect(summaryA.finishedAt).toBe(a[5].createdAt);

    expect((await recordsOfSweep('sweepA')).map((r) => r.id)).toEqual(a.map((r) => r.id));
    expect((await recordsOfSweep('sweepA'))[0].items).toEqual(a[0].items);
    expect((await recordsOfModel('HuggingFaceTB/SmolLM2-135M', { offset: 0, limit: 10 })).map((r) => r.id)).toEqual([b[0].id]);
    const newestOfA = await recordsOfModel('Qwen/Qwen2.5-0.5B-Instruct', { offset: 1, limit: 2 });
    expect(newestOfA.map((r) => r.id)).toEqual([a[4].id, a[3].id]);
    expect(newestOfA[0].items).toBeUndefined();

    // Saving the same record again changes nothing; moving it to another sweep moves it in the summaries.
    await saveRecord(a[0]);
    expect((await listSweeps({ offset: 0, limit: 10 })).sweeps.find((s) => s.id === 'sweepA')!.count).toBe(6);
    await saveRecord({ ...a[0], sweep: 'sweepB' });
    const moved = (await listSweeps({ offset: 0, limit: 10 })).sweeps;
    expect(moved.find((s) => s.id === 'sweepA')!.count).toBe(5);
    expect(moved.find((s) => s.id === 'sweepB')!).toMatchObject({ count: 2, presets: ['fp16', 'w8a8'] });

    await deleteRecord(a[1].id);
    expect(await getRecord(a[1].id)).toBeNull();
    expect((await listSweeps({ offset: 0, limit: 10 })).sweeps.find((s) => s.id === 'sweepA')!).toMatchObject({ count: 4, presets: ['w3g128', 'fp16', 'w4g128'] });
    await deleteSweep('sweepA');
    expect(await recordsOfSweep('sweepA')).toEqual([]);
    expect((await listSweeps({ offset: 0, limit: 10 })).sweeps.map((s) => s.id)).toEqual(['sweepB']);
    expect(await countRecords()).toBe(2);
  });

  it('exports the whole store as JSON (items included) and CSV, a page at a time', async () => {
    const records = sweepRecords(48, ['fp16', 'w4g128', 'kv4'], 2);
    for (const r of records) await saveRecord(r);
    const json = JSON.parse(await (await storedHistoryFile('json', new Date('2026-12-02T00:00:00Z'))).text());
    expect(json.format).toBe('quantlab-history');
    expect(json.exportedAt).toBe('2026-12-02T00:00:00.000Z');
    expect(json.records).toEqual([...records].reverse());
    const csv = await (await storedHistoryFile('csv')).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + records.length);
    expect(lines[0].startsWith('preset,bits_per_weight,task,')).toBe(true);
  });

  it('refuses to store an invalid record', async () => {
    const [r] = sweepRecords(45, ['fp16'], 1);
    await expect(saveRecord({ ...r, metrics: { perplexity: NaN } })).rejects.toThrow(/Not a valid result record: metrics\.perplexity/);
    expect(await countRecords()).toBe(0);
  });

  it('opens 10,000 stored records a page at a time', async () => {
    const records: ResultRecord[] = [];
    for (let sweep = 0; records.length < 10_000; sweep++) records.push(...small(sweepRecords(1000 + sweep)));
    await seedV1(records.map((r) => [r.id, r]));
    const upgradeStarted = performance.now();
    expect(await countRecords()).toBe(10_000);
    const upgraded = performance.now() - upgradeStarted;
    await closeHistory();

    const openStarted = performance.now();
    const first = await recordsPage({ offset: 0, limit: 50 });
    const firstPage = performance.now() - openStarted;
    const lastStarted = performance.now();
    const last = await recordsPage({ offset: 9_950, limit: 50 });
    const lastPage = performance.now() - lastStarted;
    const sweepsStarted = performance.now();
    const sweeps = await listSweeps({ offset: 0, limit: 50 });
    const sweepList = performance.now() - sweepsStarted;
    console.log(
      `10,000 records: upgrade of the 0.1 database ${upgraded.toFixed(0)} ms (once); then open + newest 50 ${firstPage.toFixed(0)} ms, ` +
        `50 at offset 9,950 ${lastPage.toFixed(0)} ms, newest 50 of ${sweeps.total} sweeps ${sweepList.toFixed(0)} ms`,
    );

    const byTime = [...records].sort((x, y) => y.createdAt.localeCompare(x.createdAt));
    expect(first.records.map((r) => r.id)).toEqual(byTime.slice(0, 50).map((r) => r.id));
    expect(last.records.map((r) => r.id)).toEqual(byTime.slice(9_950).map((r) => r.id));
    expect(first.total).toBe(10_000);
    expect(sweeps.total).toBe(250);
    expect(sweeps.sweeps.every((s) => s.count === 40 && s.presets.length === 10 && s.tasks.length === 4)).toBe(true);

    let seen = 0;
    await eachRecordPage(2_000, (page) => (seen += page.length), { withItems: false });
    expect(seen).toBe(10_000);
  });
});

describe('a full disk', () => {
  beforeEach(async () => {
    // Chromium takes an origin's quota override into account only for storage it has not used yet
    // in this session (seen with Chromium 156), so the origin's IndexedDB is cleared first.
    await cdp().send('Storage.clearDataForOrigin', { origin: location.origin, storageTypes: 'indexeddb' });
    await cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin, quotaSize: 1_000_000 });
  });
  afterEach(async () => {
    // Without quotaSize the override is lifted; cleared again, the origin takes the normal quota for the files that follow.
    await resetDatabases();
    await cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin });
    await cdp().send('Storage.clearDataForOrigin', { origin: location.origin, storageTypes: 'indexeddb' });
  });

  it('says the storage is full (in a 1 MB quota), how much the write needed, and keeps nothing half-written', async () => {
    const [small1, big] = sweepRecords(46, ['fp16', 'w4g128'], 1);
    await saveRecord(small1);
    // About 8 MB of per-item scores, past the 1 MB quota.
    const huge = { ...big, items: { window_nll: Array.from({ length: 1_000_000 }, (_, i) => 500 + (i % 977) / 7) } };
    const error = await saveRecord(huge).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    const storage = error as StorageError;
    console.log(storage.message);
    expect(storage.problem).toBe('full');
    // With figures where the browser's estimate agrees (Chromium's does not follow the CDP override).
    expect(storage.message).toMatch(
      /^This browser's storage for QuantLab is full(: [\d.]+ (bytes|KB|MB|GB) of [\d.]+ (KB|MB|GB) used)?; saving this result needs about \d+(\.\d)? MB more\. Export it, or delete old results in History\.$/,
    );
    expect(storage.neededBytes).toBeGreaterThan(8_000_000);
    // The record and its sweep summary were one transaction: neither landed.
    expect(await getRecord(huge.id)).toBeNull();
    expect((await listSweeps({ offset: 0, limit: 10 })).sweeps[0].count).toBe(1);
    expect(await countRecords()).toBe(1);
  });

  it('asks the browser to keep the storage', async () => {
    expect(['granted', 'denied']).toContain(await requestPersistence());
  });
});

