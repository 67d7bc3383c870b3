import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFiles } from '../../src/data/importer';
import { openFileStore } from '../../src/data/nodeStore';
import { openRowSource } from '../../src/data/rowSource';
import type { DatasetStore } from '../../src/data/store';
import { allRows, shared, tempStore, type TempStore } from './helpers';

let t: TempStore;
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.remove());

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the cache-folder store', () => {
  it('on open removes what killed imports left, and keeps committed data and running imports', async () => {
    const m = await importFiles(t.store, 'winogrande', [await shared('winogrande/dev.jsonl')]);
    const base = join(t.dir, 'winogrande');
    // A killed import of a new version, one whose commit was cut between its two renames, one of a new dataset, and one still running.
    mkdirSync(join(base, 'killed.part'));
    writeFileSync(join(base, 'killed.part', 'pid'), String(deadPid()));
    writeFileSync(join(base, 'killed.part', 'validation-0.json'), '[]');
    mkdirSync(join(base, 'uncommitted'));
    mkdirSync(join(t.dir, 'gsm8k', 'new.part'), { recursive: true });
    mkdirSync(join(base, 'running.part'));
    writeFileSync(join(base, 'running.part', 'pid'), String(process.pid));

    const reopened = await openFileStore(t.dir);
    expect(readdirSync(base).sort()).toEqual([m.importId, 'manifest.json', 'running.part'].sort());
    expect(readdirSync(t.dir)).not.toContain('gsm8k');
    expect((await allRows(await openRowSource(reopened, 'winogrande'))).length).toBe(1267);
  });

  it('skips an unreadable manifest and refuses a damaged chunk when it is read', async () => {
    const m = await importFiles(t.store, 'winogrande', [await shared('winogrande/dev.jsonl')]);
    await importFiles(t.store, 'gsm8k', [await shared('gsm8k/test.jsonl')]);
    writeFileSync(join(t.dir, 'gsm8k', 'manifest.json'), '{"version": 1, "name": "gsm8k"');
    expect((await t.store.list()).map((x) => x.name)).toEqual(['winogrande']);
    expect(await t.store.get('gsm8k')).toBeNull();

    const chunk = join(t.dir, 'winogrande', m.importId, 'validation-0.json');
    const rows = JSON.parse(readFileSync(chunk, 'utf8'));
    rows[10].answer = 3;
    writeFileSync(chunk, JSON.stringify(rows));
    await expect(allRows(await openRowSource(t.store, 'winogrande'))).rejects.toThrow(/^row 11 of winogrande \(validation\) is damaged in storage: .*; import the dataset again$/);
  });

  it('refuses an import the free space cannot hold, before writing anything', async () => {
    const small: DatasetStore = { ...t.store, space: async () => ({ free: 1_000_000, persisted: null }) };
    await expect(importFiles(small, 'lambada_openai', [await shared('lambada/lambada_test.jsonl')])).rejects.toThrow(
      'lambada_openai needs about 2.2 MB of storage and only 1.0 MB is free; nothing was imported. Free some space (delete datasets you no longer need) and try again',
    );
    expect(readdirSync(t.dir)).toEqual([]);
  });

  it('keeps field mappings per dataset', async () => {
    await t.store.saveMapping('piqa', { layout: 'hf:piqa', mapping: { goal: 'question' } });
    expect(await (await openFileStore(t.dir)).getMapping('piqa')).toEqual({ layout: 'hf:piqa', mapping: { goal: 'question' } });
    await t.store.saveMapping('piqa', null);
    expect(await t.store.getMapping('piqa')).toBeNull();
  });

  it('keeps its folder under $QUANTLAB_CACHE/datasets', async () => {
    const saved = process.env.QUANTLAB_CACHE;
    process.env.QUANTLAB_CACHE = t.dir;
    try {
      expect((await openFileStore()).location).toBe(join(t.dir, 'datasets'));
    } finally {
      if (saved === undefined) delete process.env.QUANTLAB_CACHE;
      else process.env.QUANTLAB_CACHE = saved;
    }
  });
});
