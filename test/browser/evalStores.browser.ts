/// <reference types="@vitest/browser/providers/playwright" />
/**
 * The evaluation's stores in real IndexedDB, in Chromium (src/eval/stores/idb.ts, browser.ts):
 * checkpoints written, read back by a fresh connection (as a reloaded page opens them) and
 * continued; the KL-divergence reference kept apart by model hash, text hash, n_ctx and k; and the
 * origin's quota (made small through CDP's Storage.overrideQuotaForOrigin) running out in the
 * middle of a write, which leaves each store as it was before that write and says so.
 */
import { cdp } from '@vitest/browser/context';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReferenceWindow } from '../../src/eval/kld';
import type { ReferenceKey } from '../../src/eval/kldReference';
import { browserEvalStores, CHECKPOINT_DB, KLD_REFERENCE_DB } from '../../src/eval/stores/browser';
import { indexedDbStore } from '../../src/eval/stores/idb';
import { jsonBytes } from '../../src/eval/stores/binary';

/** Clears the origin's IndexedDB (closing idb-keyval's open connections), so each test starts empty. */
const clearIndexedDb = () => cdp().send('Storage.clearDataForOrigin', { origin: location.origin, storageTypes: 'indexeddb' });

/** A window of `tokens` tokens with k log-probabilities each; its values, which vary with `salt`, hardly compress. */
function referenceWindow(tokens: number, k: number, salt: number): ReferenceWindow {
  const value = (i: number) => -Math.abs(Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453) % 20;
  return {
    k,
    tokens,
    tokenLogprob: Float32Array.from({ length: tokens }, (_, i) => value(i)),
    tailMass: Float32Array.from({ length: tokens }, (_, i) => Math.exp(value(i + tokens))),
    ids: Uint32Array.from({ length: tokens * k }, (_, i) => (i * 2654435761 + salt) % 8192),
    logprobs: Float32Array.from({ length: tokens * k }, (_, i) => value(i + 2 * tokens)),
  };
}

const KEY: ReferenceKey = { modelSha256: 'a'.repeat(64), textSha256: 'b'.repeat(64), nCtx: 512, k: 32 };

beforeEach(clearIndexedDb);
afterEach(clearIndexedDb);

describe('checkpoints in IndexedDB', () => {
  it('are written, read back after a reload, continued and removed; an unreadable one counts as none', async () => {
    const { checkpoints } = browserEvalStores();
    expect(await checkpoints.get('sweep/fp16/piqa')).toBeNull();
    await checkpoints.put({ key: 'sweep/fp16/piqa', done: 2, items: { acc: [1, 0], acc_norm: [1, 1] }, totals: {} });
    await checkpoints.put({ key: 'sweep/fp16/kl-divergence', done: 1, items: { token_kld: [0.5, 0.25] }, totals: { tokens: 2 } });

    // A reloaded page opens the database again: a new connection sees what the first one wrote.
    const reloaded = browserEvalStores().checkpoints;
    const saved = await reloaded.get('sweep/fp16/piqa');
    expect(saved).toMatchObject({ version: 1, key: 'sweep/fp16/piqa', done: 2, items: { acc: [1, 0], acc_norm: [1, 1] } });
    expect(Number.isNaN(Date.parse(saved!.updatedAt))).toBe(false);
    expect((await reloaded.list()).map((c) => [c.key, c.done]).sort()).toEqual([
      ['sweep/fp16/kl-divergence', 1],
      ['sweep/fp16/piqa', 2],
    ]);

    // The resumed cell goes on from item `done` and replaces its checkpoint as a whole.
    await reloaded.put({ key: 'sweep/fp16/piqa', done: 3, items: { acc: [...saved!.items.acc, 1], acc_norm: [...saved!.items.acc_norm, 0] }, totals: {} });
    expect((await checkpoints.get('sweep/fp16/piqa'))?.items).toEqual({ acc: [1, 0, 1], acc_norm: [1, 1, 0] });
    await reloaded.delete('sweep/fp16/piqa');
    expect(await checkpoints.get('sweep/fp16/piqa')).toBeNull();
    expect((await checkpoints.list()).map((c) => c.key)).toEqual(['sweep/fp16/kl-divergence']);

    // Bytes that are not a checkpoint (an older version, a damaged entry) are no checkpoint: the cell starts again.
    const raw = indexedDbStore(CHECKPOINT_DB);
    await raw.put('cell:damaged', new TextEncoder().encode('{"version": 1, "key"'));
    await raw.put('cell:old', jsonBytes({ version: 0, key: 'old', done: 5 }));
    expect(await checkpoints.get('damaged')).toBeNull();
    expect(await checkpoints.get('old')).toBeNull();
    expect((await checkpoints.list()).map((c) => c.key)).toEqual(['sweep/fp16/kl-divergence']);
  });
});

describe('the KL-divergence reference in IndexedDB', () => {
  it('is kept by model hash, text hash, n_ctx and k, and read back window by window', async () => {
    const { references } = browserEvalStores();
    expect(references.location).toBe(`IndexedDB database ${KLD_REFERENCE_DB}`);
    const windows = [referenceWindow(256, 32, 1), referenceWindow(256, 32, 2)];
    for (const [i, w] of windows.entries()) await references.saveWindow(KEY, i, 3, 8192, w);
    const other = { ...KEY, nCtx: 256 };
    await references.saveWindow(other, 0, 1, 8192, referenceWindow(128, 32, 3));

    const reloaded = browserEvalStores().references;
    expect(await reloaded.manifest(KEY)).toEqual({ version: 1, windows: 3, saved: 2, k: 32, vocab: 8192 });
    for (const [i, w] of windows.entries()) expect(await reloaded.window(KEY, i)).toEqual(w);
    await expect(reloaded.window(KEY, 2)).rejects.toThrow(`window 2 of the KL-divergence reference is missing from IndexedDB database ${KLD_REFERENCE_DB}`);
    // Another model, another text, another k: no reference (their windows would score other tokens).
    for (const key of [{ ...KEY, modelSha256: 'c'.repeat(64) }, { ...KEY, textSha256: 'c'.repeat(64) }, { ...KEY, k: 64 }]) {
      expect(await reloaded.manifest(key)).toBeNull();
    }
    expect((await reloaded.manifest(other))?.saved).toBe(1);

    // Deleting one reference leaves the other whole.
    await reloaded.delete(KEY);
    expect(await reloaded.manifest(KEY)).toBeNull();
    await expect(reloaded.window(KEY, 0)).rejects.toThrow(/missing/);
    expect(await reloaded.window(other, 0)).toEqual(referenceWindow(128, 32, 3));
  });
});

describe('the quota running out in the middle of a write', () => {
  // Chromium takes an origin's quota override into account only for storage it has not used yet
  // in this session (seen with Chromium 156): the override is set on the cleared origin.
  beforeEach(() => cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin, quotaSize: 1_000_000 }));
  afterEach(() => cdp().send('Storage.overrideQuotaForOrigin', { origin: location.origin }));

  it('leaves the reference with the windows its manifest counts, and says the storage is full', async () => {
    const { references, checkpoints } = browserEvalStores();
    await checkpoints.put({ key: 'sweep/kv4/piqa', done: 1, items: { acc: [1] }, totals: {} });
    // 256 tokens x 32 log-probabilities: about 67 KB a window, so a 1 MB quota holds a dozen or so.
    let failed: Error | null = null;
    let index = 0;
    for (; index < 40 && !failed; index++) {
      await references.saveWindow(KEY, index, 40, 8192, referenceWindow(256, 32, index)).catch((e: Error) => (failed = e));
    }
    expect(failed, 'the quota ran out').not.toBeNull();
    const at = index - 1;
    console.log(`${failed!.message} (window ${at})`);
    expect(failed!.message).toMatch(new RegExp(`^the browser's storage is full: ${KLD_REFERENCE_DB} could not save kld:${KEY.modelSha256}:${KEY.textSha256}:512:32:(w${at}|manifest)$`));

    // What the manifest counts is there and whole: a resumed reference goes on from window `saved`.
    const manifest = await references.manifest(KEY);
    expect(manifest?.saved).toBeGreaterThan(0);
    expect(manifest!.saved === at || manifest!.saved === at + 1).toBe(true);
    for (let i = 0; i < manifest!.saved; i++) expect(await references.window(KEY, i)).toEqual(referenceWindow(256, 32, i));
    // The other store's entries were not touched.
    expect((await checkpoints.get('sweep/kv4/piqa'))?.items.acc).toEqual([1]);
  });

  it('keeps the last checkpoint whole when a larger one cannot be saved, and says so', async () => {
    const { checkpoints } = browserEvalStores();
    const small = { key: 'sweep/kv4/kl-divergence', done: 1, items: { token_kld: [0.5, 0.25] }, totals: { tokens: 2 } };
    await checkpoints.put(small);
    // About 10 MB of per-token values, past the 1 MB quota.
    const token_kld = Array.from({ length: 600_000 }, (_, i) => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1);
    const error = await checkpoints.put({ ...small, done: 2, items: { token_kld } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toBe(`the browser's storage is full: ${CHECKPOINT_DB} could not save cell:${small.key}`);
    expect(await checkpoints.get(small.key)).toMatchObject(small);
    expect((await checkpoints.list()).map((c) => c.done)).toEqual([1]);
  });
});
