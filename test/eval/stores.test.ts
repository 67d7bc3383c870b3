/** The checkpoint and KL-divergence reference stores on their Node backend (files in a folder). */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointStore } from '../../src/eval/checkpoint';
import { KldReferenceStore } from '../../src/eval/kldReference';
import { folderStore } from '../../src/eval/stores/node';

const fresh = () => mkdtempSync(join(tmpdir(), 'quantlab-store-'));

describe('the folder store', () => {
  it('keeps checkpoints by key, lists them, drops one, and reads an unreadable one as none', async () => {
    const dir = fresh();
    const store = checkpointStore(folderStore(join(dir, 'checkpoints')));
    expect(await store.get('a')).toBeNull();
    await store.put({ key: 'a', done: 2, items: { acc: [1, 0] }, totals: {} });
    await store.put({ key: 'b/c', done: 1, items: { acc: [1] }, totals: { bytes_scored: 9 } });
    await store.put({ key: 'a', done: 3, items: { acc: [1, 0, 1] }, totals: {} });
    expect((await store.get('a'))?.items.acc).toEqual([1, 0, 1]);
    expect((await store.list()).map((c) => c.key).sort()).toEqual(['a', 'b/c']);
    await store.delete('a');
    expect(await store.get('a')).toBeNull();
    // No temporary files are left behind by the atomic writes.
    expect(readdirSync(join(dir, 'checkpoints')).some((f) => f.endsWith('.tmp'))).toBe(false);
    writeFileSync(join(dir, 'checkpoints', encodeURIComponent('cell:broken')), '{"version": 1, "key"');
    expect(await store.get('broken')).toBeNull();
  });

  it('keeps reference windows and counts them in the manifest', async () => {
    const refs = new KldReferenceStore(folderStore(fresh()));
    const key = { modelSha256: 'a'.repeat(64), textSha256: 'b'.repeat(64), nCtx: 32, k: 2 };
    expect(await refs.manifest(key)).toBeNull();
    const w = { k: 2, tokens: 1, tokenLogprob: Float32Array.of(-1), tailMass: Float32Array.of(0.5), ids: Uint32Array.of(4, 7), logprobs: Float32Array.of(-1, -2) };
    await refs.saveWindow(key, 0, 3, 100, w);
    expect(await refs.manifest(key)).toEqual({ version: 1, windows: 3, saved: 1, k: 2, vocab: 100 });
    expect(await refs.window(key, 0)).toEqual(w);
    await expect(refs.window(key, 1)).rejects.toThrow(/window 1 of the KL-divergence reference is missing/);
    await refs.delete(key);
    expect(await refs.manifest(key)).toBeNull();
  });
});
