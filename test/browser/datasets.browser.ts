/// <reference types="@vitest/browser/providers/playwright" />
/**
 * The dataset store in real IndexedDB, in Chromium: import, list, inspect, stream back, delete;
 * the storage quota running out in the middle of an import (Storage.overrideQuotaForOrigin over
 * CDP); and an import cut short by the end of its context (a terminated worker, as a reload or a
 * crash ends a tab), whose half-written chunks the next open removes.
 */
import { cdp, server } from '@vitest/browser/context';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { blobDataFile, bytesDataFile } from '../../src/data/files';
import { openIndexedDbStore } from '../../src/data/idbStore';
import { MMLU_SUBJECTS } from '../../src/data/registry';
import { importFiles } from '../../src/data/importer';
import { deleteDataset, inspectDataset, openRowSource } from '../../src/data/rowSource';

// Relative to the project root, as server.commands.readFile resolves it.
const SHARED = '../shared/datasets';
const readShared = (path: string) => server.commands.readFile(`${SHARED}/${path}`, 'utf8');
const jsonl = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

let dbCount = 0;
const freshDb = () => `quantlab-datasets-test-${Date.now()}-${dbCount++}`;

/** Every chunk key of a dataset, read straight from IndexedDB. */
async function chunkKeys(db: string, name: string): Promise<IDBValidKey[]> {
  const raw = await openDB(db);
  const keys = await raw.getAllKeys('chunks', IDBKeyRange.bound([name], [name, []]));
  raw.close();
  return keys;
}

/** Waits (up to 10 s) until no dataset import holds its Web Lock. */
async function locksReleased(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { held = [] } = await navigator.locks.query();
    if (!held.some((l) => l.name?.startsWith('quantlab-dataset-import:'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('an import lock is still held 10 s after its worker was terminated');
}

async function rowsOf(source: { chunks(start?: number): AsyncIterable<unknown[]> }): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of source.chunks()) out.push(...chunk);
  return out;
}

describe('IndexedDB dataset store', () => {
  it('imports real files, lists, inspects, streams back in chunks and deletes', async () => {
    const db = freshDb();
    const store = await openIndexedDbStore(db);
    const arcText = await readShared('arc-easy/ARC-Easy-Test.jsonl');
    const lambadaText = await readShared('lambada/lambada_test.jsonl');
    const arc = await importFiles(store, 'arc_easy', [bytesDataFile(arcText, 'ARC-Easy-Test.jsonl')]);
    expect(arc).toMatchObject({ rows: 2376, sha256: 'ce32a0774b4beb1977d2c6b16dda5dd2b24fdc9c7f506882c452678676bd09be' });
    // As the page gets a dropped file: a File, read through its stream.
    const lambada = await importFiles(store, 'lambada_openai', [blobDataFile(new File([lambadaText], 'lambada_test.jsonl'))]);
    expect(lambada.sha256).toBe('4aa8d02cd17c719165fc8a7887fddd641f43fcafa4b1c806ca8abc31fabdb226');
    expect(lambada.splits.test.chunkRows.length).toBeGreaterThan(1);

    expect((await store.list()).map((m) => m.name).sort()).toEqual(['arc_easy', 'lambada_openai']);
    const first = await inspectDataset(store, 'arc_easy', { count: 3 });
    const original = jsonl(arcText);
    expect(first.rows).toHaveLength(3);
    expect((first.rows[0] as { question: string }).question).toBe(original[0].question.stem);

    const source = await openRowSource(store, 'lambada_openai');
    const sizes: number[] = [];
    for await (const chunk of source.chunks()) sizes.push(chunk.length);
    expect(sizes).toEqual(lambada.splits.test.chunkRows);
    expect(await rowsOf(source)).toEqual(jsonl(lambadaText));

    // A second store object on the same database (another tab) sees the same datasets.
    const again = await openIndexedDbStore(db);
    expect((await again.get('arc_easy'))?.importId).toBe(arc.importId);

    await deleteDataset(store, 'lambada_openai');
    expect((await store.list()).map((m) => m.name)).toEqual(['arc_easy']);
    expect(await chunkKeys(db, 'lambada_openai')).toEqual([]);
    expect((await chunkKeys(db, 'arc_easy')).length).toBe(arc.splits.test.chunkRows.length);

    // Re-importing replaces the dataset at once: the old chunks go in the same transaction.
    const replaced = await importFiles(store, 'arc_easy', [bytesDataFile(arcText, 'ARC-Easy-Test.jsonl')]);
    expect(replaced.importId).not.toBe(arc.importId);
    expect((await chunkKeys(db, 'arc_easy')).every((k) => (k as string[])[1] === replaced.importId)).toBe(true);
  });

  it('asks for persistent storage and reports the free space as the browser estimates it', async () => {
    const store = await openIndexedDbStore(freshDb());
    const space = await store.space(true);
    const { quota, usage } = await navigator.storage.estimate();
    expect(Math.abs(space.free! - (quota! - usage!))).toBeLessThan(1 << 20);
    expect(space.persisted).toBe(await navigator.storage.persisted());
  });
});

describe('quota exceeded in the middle of an import', () => {
  // Chromium fixes an origin's quota when its storage is first used, so the override is set on a
  // cleared origin, before anything is stored; and cleared again after, for the tests that follow.
  const resetOrigin = async () => {
    await cdp().send('Storage.clearDataForOrigin', { origin: location.origin, storageTypes: 'all' });
  };
  afterEach(async () => {
    await cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin });
    await resetOrigin();
  });

  it('removes the partial dataset, touches nothing else, and says so', async () => {
    const arcText = await readShared('arc-easy/ARC-Easy-Test.jsonl');
    const subjects = MMLU_SUBJECTS;
    const files = await Promise.all(subjects.map(async (n) => bytesDataFile(await readShared(`mmlu/test/${n}_test.csv`), `${n}_test.csv`)));
    // 3.5 MB: room for ARC-Easy (0.9 MB of rows) and a few 1 MB chunks of MMLU's 7.3 MB, not for all of it.
    // (Chromium's navigator.storage.estimate() does not see a CDP override, so the check before the import passes.)
    await resetOrigin();
    await cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin, quotaSize: 3_500_000 });
    const db = freshDb();
    const store = await openIndexedDbStore(db);
    const kept = await importFiles(store, 'arc_easy', [bytesDataFile(arcText, 'ARC-Easy-Test.jsonl')]);

    let stored = 0;
    const error = await importFiles(store, 'mmlu', files, { onProgress: (p) => (stored = p.rows) }).catch((e: unknown) => e);
    expect(stored).toBeGreaterThan(0);
    expect((error as Error).name).toBe('QuotaExceededError');
    expect((error as Error).message).toBe(
      `the storage ran out after ${stored} rows of mmlu: the partial import was removed and nothing else was changed. Free some space (delete datasets you no longer need) and try again`,
    );

    expect((await store.list()).map((m) => m.name)).toEqual(['arc_easy']);
    expect(await store.get('arc_easy')).toEqual(kept);
    expect(await chunkKeys(db, 'mmlu')).toEqual([]);
    expect((await rowsOf(await openRowSource(store, 'arc_easy'))).length).toBe(2376);
    const raw = await openDB(db);
    expect(await raw.getAll('imports')).toEqual([]);
    raw.close();

    // Deleting the kept dataset frees the room that a smaller import then uses.
    await deleteDataset(store, 'arc_easy');
    expect((await importFiles(store, 'mmlu', files.slice(0, 3))).rows).toBe(100 + 135 + 152);
  });
});

describe('an import cut short by the end of its tab', () => {
  it('leaves no half-written dataset: the next open removes its chunks', async () => {
    const db = freshDb();
    const store = await openIndexedDbStore(db);
    const arcText = await readShared('arc-easy/ARC-Easy-Test.jsonl');
    await importFiles(store, 'arc_easy', [bytesDataFile(arcText, 'ARC-Easy-Test.jsonl')]);
    const text = await readShared('lambada/lambada_test.jsonl');

    const worker = new Worker(new URL('./importWorker.ts', import.meta.url), { type: 'module' });
    const said = await new Promise<{ rows?: number; finished?: boolean }>((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ db, text });
    });
    expect(said.rows).toBeGreaterThan(0);
    worker.terminate();
    // terminate() returns at once; the worker's lock goes when it has really stopped, as a closed tab's does.
    await locksReleased();

    // The worker's chunks are there, unreachable from any manifest.
    expect((await chunkKeys(db, 'lambada_openai')).length).toBeGreaterThan(0);
    expect(await store.get('lambada_openai')).toBeNull();

    // Opening the store again (the next page load) removes them; the other dataset is untouched.
    const reopened = await openIndexedDbStore(db);
    expect(await chunkKeys(db, 'lambada_openai')).toEqual([]);
    expect((await reopened.list()).map((m) => m.name)).toEqual(['arc_easy']);
    expect((await rowsOf(await openRowSource(reopened, 'arc_easy'))).length).toBe(2376);
  });

  it('does not remove an import that is still running in another tab', async () => {
    const db = freshDb();
    const store = await openIndexedDbStore(db);
    await store.beginImport('x', 'running');
    await store.putChunk('x', 'running', 'test', 0, [{ text: 'a' }]);
    expect(await (await openIndexedDbStore(db)).recover()).toEqual([]);
    expect((await chunkKeys(db, 'x')).length).toBe(1);
    await store.abortImport('x', 'running');
    expect(await chunkKeys(db, 'x')).toEqual([]);
  });
});
